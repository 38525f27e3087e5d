import { FALLBACKS, SNIPPET_METHODS } from './api.ts';
import type { HeapRuntime } from './load.ts';
import type { HeapApi } from './types.ts';
import { describe, errorOnce, warnOnce } from './warn.ts';

/** The `window.heap` object once the runtime has booted. */
export interface HeapGlobal extends HeapApi {
  envId: string;
  appid: string;
  loaded: true;
  /** The settings a Heap snippet's `heap.load(id, config)` kept (`config` and `clientConfig` merged), read by elements as they boot. */
  config: object;
  /** The classic snippet's queue form: `heap.push(['track', 'Name', {...}])` keeps working. */
  push(entry: unknown): number;
  load(envId?: unknown): void;
  [method: string]: unknown;
}

/**
 * What host code finds at `window.heap`: the fifteen calls and consent, answered by the runtime once it runs,
 * or queued by Heap's install snippet until then.
 */
export interface HeapWindow extends HeapApi, Pick<HeapRuntime, 'setConsent' | 'getConsent'> {
  /** The env id the runtime (or a snippet) was loaded with. */
  readonly envId?: string;
  readonly appid?: string;
  /** `true` once the runtime answers calls; absent on a snippet's queue. */
  readonly loaded?: boolean;
  /** The queue form of any call: `heap.push(['track', 'Signup', {plan: 'pro'}])`. */
  push(entry: unknown): number;
  /** Whatever else a snippet put there (Heap's `config`, `clientConfig`, ...). */
  [key: string]: unknown;
}

type SnippetEntry = { name?: unknown; fn?: unknown };

declare global {
  interface Window {
    /** Heap's API once the tracker or an install snippet set it; a snippet may assign its queue (any value). */
    get heap(): HeapWindow | undefined;
    set heap(value: unknown);
    heapReadyCb?: unknown;
  }
}

/** Calls Heap's newer snippet stubs that this project does not implement; each warns and does nothing. */
const UNSUPPORTED_METHODS = [
  'init',
  'startTracking',
  'stopTracking',
  'addAccountProperties',
  'addAdapter',
  'addTransformer',
  'addTransformerFn',
] as const;

/**
 * Every call `window.heap` answers (bar `push`): the public calls and the classic snippet's older names of two calls,
 * which it still stubs (the runtime answers them: runtime/api.ts), Heap's calls this project lacks, and `load`.
 */
const GLOBAL_METHODS = [...SNIPPET_METHODS, ...UNSUPPORTED_METHODS, 'load'];

/** Runtimes that asked for `window.heap` (their elements), oldest first: when the one answering goes, the next takes over. */
const claimants = new Set<HeapRuntime>();

const isOurs = (value: unknown): value is HeapGlobal => (value as HeapGlobal | undefined)?.loaded === true && !Array.isArray(value);

/**
 * Makes `window.heap` the runtime's API, then replays calls that Heap's install snippets queued
 * before it loaded: `heap.push([name, ...args])` entries first, then `heapReadyCb` `{name, fn}` entries.
 */
export function installGlobal(runtime: HeapRuntime, beforeEvents?: () => void): HeapGlobal | undefined {
  if (typeof window === 'undefined') return undefined;
  claimants.add(runtime);
  const previous = window.heap;
  if (isOurs(previous)) {
    if (previous.envId !== runtime.envId) {
      warnOnce('global-taken', `window.heap already belongs to env id ${previous.envId}; env id ${runtime.envId} is reachable through its element only.`);
    }
    return previous;
  }
  // A snippet run again after boot (a tag manager firing late, Turbo) sets its own `load` and calls it, which would
  // replace every call with a stub that queues into itself: each call of the page then vanished. Its `load` is not
  // taken (a setter: no throw in strict code), so ours warns instead.
  const global = {
    envId: runtime.envId,
    appid: runtime.envId,
    loaded: true,
    // What a Heap snippet's heap.load(id, config) kept stays on window.heap (and on the queue put back when the tracker
    // stops) for the elements that boot later, which read it there: one put back, or another env id's, lost it, and
    // captured text again where the snippet had turned that off.
    config: { ...(previous?.config as object), ...(previous?.clientConfig as object) },
    get load() {
      return () => warnOnce('load-after-boot', 'heap.load() was called after the tracker booted; it was ignored.');
    },
    set load(_) {},
  } as HeapGlobal;
  // The calls Heap has and this project does not warn; the others are the runtime's own (`load` is set above).
  for (const method of GLOBAL_METHODS) {
    global[method] = (runtime as unknown as Record<string, unknown>)[method] ?? (() => warnOnce(`unsupported-${method}`, `heap.${method}() is not supported by heap-analytics and was ignored.`));
  }
  global.push = (entry: unknown) => {
    const [name, ...args] = Array.isArray(entry) ? entry : [];
    if (typeof name !== 'string') {
      warnOnce('snippet-entry-invalid', 'a queued heap call was not of the form [name, ...args]; it was skipped.');
    } else if (typeof global[name] !== 'function') {
      warnOnce(`snippet-unknown-${name}`, `heap.${name}() is not a known call; the queued call was skipped.`);
    } else {
      try {
        (global[name] as (...a: unknown[]) => unknown)(...args);
      } catch {
        // Every public call is guarded already; this covers unsupported stubs replaced by the host.
      }
    }
    return 0;
  };
  try {
    window.heap = global;
  } catch {
    // Another script made window.heap read-only: the element's own methods and events still work.
    warnOnce('global-read-only', 'window.heap is read-only on this page, so heap.* calls do not reach the tracker; call the <heap-analytics> element\'s methods instead.');
    return undefined;
  }
  const callbacks = window.heapReadyCb;
  // Runs one `{name, fn}` entry; snippet stubs that are still called later (a cached page) run straight away.
  const readyCb = (window.heapReadyCb = {
    push(entry: SnippetEntry) {
      if (typeof entry?.fn === 'function') {
        try {
          (entry.fn as () => void)();
        } catch (err) {
          // The entry is the page's: its name is described, never turned into a string (that could run its code and throw).
          errorOnce('snippet-callback-failed', `a queued heap call (${describe(entry.name)}) threw; the rest were replayed.`, err);
        }
      }
    },
  });
  // Each queue's entries (a copy: replayed calls may queue more). load()'s boot pageview (`beforeEvents`) goes out
  // before the first queued event, so it carries what the calls before that set (names compared, never converted).
  for (const [queued, run] of [[previous, global.push], [callbacks, readyCb.push]] as const) {
    if (Array.isArray(queued)) queued.slice().forEach((entry) => (['track', 'trackPageview'].includes(entry?.name ?? entry?.[0]) && beforeEvents?.(), run(entry)));
  }
  // The events a queue put back by uninstallGlobal() dropped (a snippet's own queue keeps every call).
  if (previous?.dropped) warnOnce('queue-full', `${previous.dropped} heap.track() and trackPageview() calls made while no <heap-analytics> element was running were dropped: past 1000 calls queued, events are no longer kept.`);
  return global;
}

/** Puts back a queueing `window.heap` when the runtime is disposed (its `dispose` calls this), so calls made meanwhile are kept. */
export function uninstallGlobal(runtime: HeapRuntime): void {
  // Only a runtime installGlobal() ran for (with a window) has anything to put back.
  if (!claimants.delete(runtime)) return;
  const current = window.heap;
  if (isOurs(current) && current.envId === runtime.envId) {
    const queue = [] as unknown as unknown[] & Record<string, unknown>;
    queue.config = current.config;
    // Every method the page could call on the API it had: one missing would throw into the page's code. That API passes
    // its calls on to whatever answers window.heap from now on: a page that kept it (`const heap = window.heap` in a
    // module) lost every later call to the stopped tracker, without a word, even once a new element was running.
    for (const method of GLOBAL_METHODS) {
      // Bounded: a page whose element is gone for good (a route's template without it) kept every call, ~125 B each,
      // and the element put back at last froze the page replaying them (10,000: 2 s). Past the first 1,000 calls the
      // events (track, trackPageview) are counted and dropped; the other calls are few and still queued: dropped, a
      // resetIdentity would have left the next element's events labelled with the user the page signed out.
      // The reads answer as with no tracker to ask (api.ts), unqueued (replayed, a read does nothing): undefined,
      // `heap.getUserId().slice(...)` threw in the page; queued, a page reading its session id at every request grew
      // the queue past the bound. The events are told by their first letter: of GLOBAL_METHODS (Heap's calls and the
      // snippet's, its older names, the stubs above, load), only track and trackPageview start with 't'.
      queue[method] = (...args: unknown[]) =>
        method in FALLBACKS ? FALLBACKS[method] : void (queue.length < 1000 || method[0] != 't' ? queue.push([method, ...args]) : (queue.dropped = ~~queue.dropped! + 1));
    }
    // Where the page made window.heap read-only since, the queue cannot take its place: assigning threw into the page,
    // and the API, passing its calls on to itself, threw a RangeError into each heap.* call. It stays the stopped
    // tracker's, no longer marked ours: the next tracker warns that window.heap is read-only, as at boot. Reflect.set
    // too where the page froze that API: assigning its methods threw into the page, and window.heap stayed the stopped
    // tracker's.
    if (Reflect.set(window, 'heap', queue)) {
      for (const method of GLOBAL_METHODS) {
        Reflect.set(current, method, (...args: unknown[]) => (window.heap?.[method] as ((...a: unknown[]) => unknown) | undefined)?.(...args));
      }
    } else Reflect.set(current, 'loaded', false);
    // Another element's tracker still running answers from now on (the calls queued meanwhile included): the queue
    // would otherwise wait for good, and every heap.* call of the page with it.
    const [next] = claimants;
    if (next) installGlobal(next);
  }
}
