import { ReactiveElement } from 'lit';
import { LIBRARY } from '../runtime/batch.ts';
import { installGlobal, uninstallGlobal } from '../runtime/global.ts';
import { getRuntime, load, type HeapRuntime } from '../runtime/load.ts';
import type { RuntimeOptions } from '../runtime/runtime.ts';
import { API_METHODS, type HeapApi, type HeapEvent } from '../runtime/types.ts';
import { errorOnce, warnOnce } from '../runtime/warn.ts';

/**
 * `<heap-analytics env-id="..." endpoint="...">`: boots the tracker for an env id when connected,
 * installs `window.heap`, and re-emits what it captures as `heap-event` DOM events. It renders nothing.
 */
export class HeapAnalyticsElement extends ReactiveElement {
  /** The library version, shown when two copies try to register the tag. */
  static version = LIBRARY.version;

  static override properties = {
    envId: { attribute: 'env-id' },
    endpoint: {},
    cookieDomain: { attribute: 'cookie-domain' },
    secureCookie: { attribute: 'secure-cookie', type: Boolean },
    disablePageviewAutocapture: { attribute: 'disable-pageview-autocapture', type: Boolean },
    sessionTimeout: { attribute: 'session-timeout', type: Number },
    batchSize: { attribute: 'batch-size', type: Number },
    flushInterval: { attribute: 'flush-interval', type: Number },
    debug: { type: Boolean },
  };

  /** The environment (project) id; required. */
  envId = '';
  /** Collector URL that batches are POSTed to. */
  endpoint?: string;
  /** Cookie domain, e.g. `.example.com`. */
  cookieDomain?: string;
  /** Mark cookies Secure even on http. */
  secureCookie = false;
  /** Skip automatic pageviews; `trackPageview()` still works. */
  disablePageviewAutocapture = false;
  /** Minutes of inactivity that end a session. */
  sessionTimeout?: number;
  /** Most events per request. */
  batchSize?: number;
  /** Milliseconds an event waits for companions before its batch leaves. */
  flushInterval?: number;
  /** Log each captured event to the console. */
  debug = false;

  #runtime?: HeapRuntime;
  #unsubscribe?: () => void;
  #resolveReady!: (booted: boolean) => void;

  /** Resolves `true` once the tracker is ready, or `false` when the element stays dormant (no env id). */
  readonly ready: Promise<boolean> = new Promise((resolve) => (this.#resolveReady = resolve));

  /** The runtime this element drives, once connected. */
  get runtime(): HeapRuntime | undefined {
    return this.#runtime;
  }

  protected override createRenderRoot() {
    // Nothing is rendered, so no shadow root is needed.
    return this;
  }

  override connectedCallback() {
    super.connectedCallback();
    try {
      this.#boot();
    } catch (err) {
      errorOnce('element-boot-failed', 'the <heap-analytics> element failed to start; the page is unaffected.', err);
      this.#resolveReady(false);
    }
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    const runtime = this.#runtime;
    if (!runtime) return;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#runtime = undefined;
    runtime.release();
    queueMicrotask(() => {
      if (!getRuntime(runtime.envId)) uninstallGlobal(runtime);
    });
  }

  #boot() {
    const envId = (this.getAttribute('env-id') ?? this.envId ?? '').trim();
    if (!envId) {
      errorOnce('element-env-id-missing', '<heap-analytics> needs an env-id attribute; the element stays dormant and tracks nothing.');
      this.#resolveReady(false);
      return;
    }
    const runtime = load(envId, this.#config());
    if (!runtime) {
      this.#resolveReady(false);
      return;
    }
    this.#runtime = runtime;
    runtime.retain();
    installGlobal(runtime);
    this.#unsubscribe = runtime.subscribe((event) => this.#emit('heap-event', event));
    void runtime.ready.then(() => {
      if (this.#runtime !== runtime) return;
      this.#resolveReady(true);
      this.#emit('heap-ready', { envId });
    });
  }

  #config(): RuntimeOptions {
    const config: RuntimeOptions = {
      endpoint: this.getAttribute('endpoint') ?? this.endpoint,
      cookieDomain: this.getAttribute('cookie-domain') ?? this.cookieDomain,
      secureCookie: this.hasAttribute('secure-cookie') || this.secureCookie,
      disablePageviewAutocapture: this.hasAttribute('disable-pageview-autocapture') || this.disablePageviewAutocapture,
      debug: this.hasAttribute('debug') || this.debug,
    };
    const number = (attr: string, fallback?: number) => {
      const raw = this.getAttribute(attr);
      if (raw === null) return fallback;
      const value = Number(raw);
      if (Number.isFinite(value) && value > 0) return value;
      warnOnce(`attribute-${attr}-invalid`, `<heap-analytics ${attr}="${raw.slice(0, 20)}"> is not a positive number; the default is used.`);
      return undefined;
    };
    config.sessionTimeoutMinutes = number('session-timeout', this.sessionTimeout);
    config.batchSize = number('batch-size', this.batchSize);
    config.flushInterval = number('flush-interval', this.flushInterval);
    return config;
  }

  #emit(type: 'heap-event' | 'heap-ready', detail: HeapEvent | { envId: string }) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }
}

// The fifteen calls as element methods, delegating to the runtime; dormant elements warn and return a neutral value.
const fallbacks: Partial<Record<keyof HeapApi, unknown>> = { getIdentity: null, getSessionId: '', getUserId: '' };
for (const method of API_METHODS) {
  Object.defineProperty(HeapAnalyticsElement.prototype, method, {
    configurable: true,
    writable: true,
    value(this: HeapAnalyticsElement, ...args: unknown[]) {
      const runtime = this.runtime;
      if (!runtime) {
        warnOnce(`element-dormant-${method}`, `${method}() was called on a <heap-analytics> element that is not running (no env-id, or not connected); it was ignored.`);
        return fallbacks[method];
      }
      return (runtime[method] as (...a: unknown[]) => unknown)(...args);
    },
  });
}

// Declares the delegated methods on the class's type.
export interface HeapAnalyticsElement extends HeapApi {}

declare global {
  interface HTMLElementTagNameMap {
    'heap-analytics': HeapAnalyticsElement;
  }
  interface HTMLElementEventMap {
    'heap-event': CustomEvent<HeapEvent>;
    'heap-ready': CustomEvent<{ envId: string }>;
  }
}
