// Pageviews for single-page apps: a new pageview whenever the URL changes after boot, once per change.
import type { HeapRuntime } from './load.ts';

type Listener = () => void;

const historyListeners = new Set<Listener>();
let patch: { push: History['pushState']; replace: History['replaceState']; wrappedPush: History['pushState']; wrappedReplace: History['replaceState'] } | undefined;

function notify(): void {
  for (const listener of historyListeners) {
    try {
      listener();
    } catch {
      // A listener only queues a check; it must never break the host's navigation call.
    }
  }
}

/** Wraps history.pushState/replaceState once for every watcher; the host's call runs first and its result (or exception) is its own. */
function patchHistory(): void {
  if (patch) return;
  const push = history.pushState;
  const replace = history.replaceState;
  const wrap = <F extends (...args: never[]) => void>(original: F) =>
    function (this: History, ...args: Parameters<F>) {
      const result = original.apply(this, args);
      notify();
      return result;
    } as unknown as F;
  patch = { push, replace, wrappedPush: wrap(push), wrappedReplace: wrap(replace) };
  history.pushState = patch.wrappedPush;
  history.replaceState = patch.wrappedReplace;
}

/** Puts the originals back when no one watches, unless another script has wrapped ours since (then ours stays, idle). */
function unpatchHistory(): void {
  if (!patch || historyListeners.size > 0) return;
  if (history.pushState !== patch.wrappedPush || history.replaceState !== patch.wrappedReplace) return;
  history.pushState = patch.push;
  history.replaceState = patch.replace;
  patch = undefined;
}

/**
 * Calls `onChange` after `history.pushState`/`replaceState`, `popstate` and `hashchange`. Signals within
 * one run of script are coalesced into one call, made in a microtask, so a push followed at once by a
 * replace (a client-side redirect) is one navigation to where it ended. Returns the stop function.
 */
export function watchNavigation(onChange: () => void): () => void {
  let queued = false;
  let active = true;
  const schedule = () => {
    if (queued) return;
    queued = true;
    queueMicrotask(() => {
      queued = false;
      if (active) onChange();
    });
  };
  historyListeners.add(schedule);
  patchHistory();
  addEventListener('popstate', schedule);
  addEventListener('hashchange', schedule);
  return () => {
    active = false;
    historyListeners.delete(schedule);
    removeEventListener('popstate', schedule);
    removeEventListener('hashchange', schedule);
    unpatchHistory();
  };
}

/**
 * Sends a pageview whenever the page's URL (path, query or hash) changes after boot, and never twice in a
 * row for the same URL: a navigation to the URL of the last pageview, whether autocaptured or sent with
 * `trackPageview`, is skipped. Returns the stop function.
 */
export function trackNavigation(runtime: HeapRuntime): () => void {
  // The boot pageview (sent by load) is for the URL the page has now.
  let lastUrl = location.href;
  const unsubscribe = runtime.subscribe((event) => {
    if (event.type === 'pageview' && event.page) lastUrl = event.page.url;
  });
  const stop = watchNavigation(() => {
    const url = location.href;
    if (url === lastUrl) return;
    lastUrl = url;
    runtime.trackPageview();
  });
  return () => {
    stop();
    unsubscribe();
  };
}
