import { addCalls, type PublicApi } from './api.ts';
import { documentText } from './dom.ts';
import { startFeatures } from './features.ts';
import { uninstallGlobal } from './global.ts';
import { createCore, type Core, type RuntimeOptions } from './runtime.ts';
import type { HeapApi, HeapEvent } from './types.ts';
import type { Consent } from './persistence.ts';
import { errorOnce, warnOnce } from './warn.ts';

/** A booted runtime: the fifteen calls plus what elements and tests need. */
export interface HeapRuntime extends HeapApi {
  readonly envId: string;
  /** Resolves once the runtime is ready (the moment onReady callbacks run). */
  readonly ready: Promise<void>;
  /** Calls `listener` with every event captured from now until the returned unsubscribe function is called. */
  subscribe(listener: (event: HeapEvent) => void): () => void;
  /** Sends queued events now. */
  flush(): void;
  /** Number of events captured but not yet acknowledged by the collector. */
  readonly pending: number;
  /** Counts a user of this runtime (an element); `release` undoes it and the last release disposes. */
  retain(): void;
  release(): void;
  /**
   * Flushes, detaches every listener and forgets this runtime, so the next `load` boots anew (like a reload);
   * a `window.heap` it answered queues calls again, for the next runtime to replay.
   */
  dispose(): void;
  /** The engine, for the modules that capture events (markup, autocapture). */
  readonly core: Core;
  /** Records the visitor's consent: `granted`, `pending` or `denied` (see the README's consent section). */
  setConsent(consent: Consent): void;
  /** The visitor's consent as last set. */
  getConsent(): Consent;
  /** The document's root element when the runtime booted (none without a DOM): `document.open()` replaces it. */
  readonly root: Element | undefined;
}

/**
 * The booted runtimes by env id (the element reads it; only load() and dispose() change it). Shared through the
 * global object, so two copies of the script on one page boot one tracker per env id.
 */
export const runtimes: Map<string, HeapRuntime> = ((globalThis as unknown as Record<symbol, Map<string, HeapRuntime>>)[Symbol.for('heap-analytics.runtimes')] ??= new Map());

/**
 * Boots the runtime for `envId`, or returns the one already booted for it (with a warning). Given `installGlobal`
 * (or any function of that form), it installs `window.heap` before the boot pageview: the calls a snippet queued apply
 * first, and the pageview goes out before the first event they track.
 */
export function load(envId: string, config: RuntimeOptions = {}, install?: (runtime: HeapRuntime, beforeEvents: () => void) => unknown): HeapRuntime | undefined {
  try {
    if (typeof envId === 'string' && envId.trim()) {
      const existing = runtimes.get(envId);
      // Emptied by document.open() since it booted, the page has lost every listener of that tracker (on it and its
      // window): it stops, and the page written next boots its own, rather than taking back a tracker that hears nothing.
      if (existing) {
        if (existing.root === documentText('documentElement')) {
          warnOnce(`load-twice-${envId}`, `env id ${envId} is already loaded on this page; the running tracker is reused, with the settings it started with.`);
          return existing;
        }
        existing.dispose();
      }
      const core = createCore(envId, config);
      let users = 0;
      const runtime = {
        envId,
        root: documentText('documentElement'),
        // Boot runs to its end before any reaction: a resolved promise is ready exactly when onReady callbacks run.
        ready: Promise.resolve(),
        core,
        subscribe: core.subscribe,
        get pending() {
          return core.pending();
        },
        retain() {
          users++;
        },
        release() {
          // An element moved in the DOM disconnects and reconnects at once: wait before tearing down.
          if (users && !--users) queueMicrotask(() => users || runtime.dispose());
        },
        dispose() {
          // Only the registered runtime is live: a second dispose, or one after a reboot of the env id, does nothing.
          if (runtimes.get(envId) !== runtime) return;
          runtimes.delete(envId);
          stopFeatures();
          core.dispose();
          uninstallGlobal(runtime);
        },
      } satisfies Omit<HeapRuntime, keyof PublicApi> as HeapRuntime;
      // The public calls become the runtime's own methods (the type above leaves them out).
      addCalls(runtime as unknown as Record<string, unknown>, core);
      // A server-rendered identity (the element's `identity` attribute) applies before the first pageview, so it carries it.
      // An empty attribute is none, as when it applies later (markup-identity.ts): no warning for it.
      if (config.identity) runtime.identify(config.identity);
      // Registered once booted: dispose() does nothing before, so it never finds this unset.
      const stopFeatures = startFeatures(runtime);
      runtimes.set(envId, runtime);
      // The boot pageview, once. Not while the page is prerendered (the visitor may never open it): pageviews.ts sends
      // it when it is opened. Read as the DOM's (documentText): an image named `prerendering` is no prerendering.
      // TypeScript's DOM lacks it. It keeps the pageview properties set before it (a snippet's queued calls): they are
      // this page's.
      let sent = 0;
      const pageview = () =>
        sent++ || config.disablePageviewAutocapture || (documentText as (name: string) => unknown)('prerendering') || runtime.trackPageview({ properties: core.properties[1][0]() });
      install?.(runtime, pageview);
      pageview();
      return runtime;
    }
    errorOnce('env-id-missing', 'an env id is needed (the env-id attribute of <heap-analytics>, or the first argument of load()); nothing will be tracked.');
  } catch (err) {
    // Nothing booted: undefined, as for a missing env id.
    errorOnce('load-failed', 'the tracker failed to start; the page is unaffected.', err);
  }
}

/** Returns the runtime already booted for `envId`, if any. */
export const getRuntime = (envId: string): HeapRuntime | undefined => runtimes.get(envId);
