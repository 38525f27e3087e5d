// Pageviews for single-page apps: a new pageview whenever the URL changes after boot, once per change.
import type { HeapRuntime } from './load.ts';
import { documentText } from './dom.ts';
import { scrub } from './redact.ts';
import { maskTyped } from './typed-params.ts';

/** Called after each history.pushState/replaceState; each only queues a check, so none can throw into the host's call. */
const historyListeners = new Set<() => void>();
/** Per method, its name, the original and our wrapper, while wrapped. */
let wrapped: ['pushState' | 'replaceState', History['pushState'], History['pushState']][] = [];

/** Wraps history.pushState/replaceState once for every watcher; the host's call runs first and its result (or exception) is its own. */
function patchHistory(): void {
  if (wrapped.length) return;
  wrapped = (['pushState', 'replaceState'] as const).map((method) => {
    const original = history[method];
    return [
      method,
      original,
      (history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
        const result = original.apply(this, args);
        historyListeners.forEach((listener) => listener());
        return result;
      }),
    ];
  });
}

/**
 * The URL without its fragment when the browser scrolls to that fragment within this document: none, empty (a
 * placeholder link's `#`), `top`, or the id of an element or the name of an anchor in it (percent-decoded). Otherwise,
 * a hash router's route (`#/settings`, or `#settings` where no element is named so), the URL itself. The document's
 * own methods: an image named after one would answer for it (dom.ts).
 */
const pageOf = (url: string): string =>
  url.replace(/#(.*)/, (hash, id) => {
    try {
      id = decodeURIComponent(id);
    } catch {
      // A stray `%`: the browser looks for the fragment as it is.
    }
    return /^(top)?$/i.test(id) || Document.prototype.querySelector.call(document, `a[name=${(id = CSS.escape(id))}],[id=${id}]`) ? '' : hash;
  });

/**
 * Sends a pageview whenever the page's URL (path, query or hash) changes after boot, and never twice in a
 * row for the same URL: a navigation to the URL of the last pageview, whether autocaptured or sent with
 * `trackPageview`, is skipped. Each signal (history call, `popstate`, `hashchange`) queues a check, so a push
 * followed at once by a replace (a client-side redirect), or a replace in the page's own `popstate` listener, is one
 * navigation to where it ended: the first check sends it, the next finds the URL unchanged. Returns the stop function.
 */
export function trackNavigation(runtime: HeapRuntime): () => void {
  // Where the page was at the last check, as it is (the boot pageview's first): a check that finds it there again is
  // no navigation, though the last pageview was the page's own for another URL (a virtual pageview of a wizard's step).
  let href = location.href;
  // Pageviews carry the URL scrubbed and with typed parameters masked (runtime/page.ts), so the page's URL is compared
  // so: unmasked, a page's own pageview for a URL with a typed parameter was followed by a second one.
  let lastUrl = scrub(maskTyped(href));
  const unsubscribe = runtime.subscribe((event) => {
    // Every event the core finishes carries its page.
    if (event.type === 'pageview') lastUrl = event.page!.url;
  });
  const core = runtime.core;
  const capture = core.capture;
  const check = () => {
    // Only while one is due (capture wrapped): the page going away checks too (below).
    if (core.capture === capture) return;
    core.capture = capture;
    // Moved since the last check (`href` takes the location either way), other than within the page (pageOf: from a
    // fragment the browser scrolls to, to another), not to the last pageview's URL (`lastUrl` takes the location: a
    // pageview now is for it), not stopped meanwhile (no longer listening), and not while the page is prerendered: a
    // router's redirect as it starts is unseen, and the pageview sent when the visitor opens the page (below) is for
    // where it ended.
    if (
      pageOf(href) != pageOf((href = location.href)) &&
      lastUrl !== (lastUrl = scrub(maskTyped(href))) &&
      historyListeners.has(schedule) &&
      !(documentText as (name: string) => unknown)('prerendering')
    ) {
      runtime.trackPageview();
    }
  };
  // A history call is checked once the calling code has run (a microtask). An event (popstate, hashchange) reaches
  // the page's own listeners after ours, which may redirect (a router's replaceState): it is checked a task later.
  // Until then, the next event captured checks first, so what the page tracks after a navigation has its pageview.
  const schedule = (event?: Event) => {
    core.capture = ((...args: Parameters<typeof capture>) => (check(), capture(...args))) as typeof capture;
    event ? setTimeout(check) : queueMicrotask(check);
  };
  historyListeners.add(schedule);
  try {
    patchHistory();
  } catch {
    // The page made history's methods read-only: navigations are heard by their events alone, and clicks still are.
  }
  // What, besides history calls, signals a navigation, and where. Where the browser has the Navigation API, its entry
  // changes are heard too: they include history calls that bypass the wrappers (a router that kept the native
  // methods, a script that restored them). Without it, that listener is the window's, which fires no such event.
  // A check still due when the page goes away runs then, before the outbox's last flush (a capturing listener on the
  // window runs first): a hidden tab's timers wait a second or more, and a closed tab's never run.
  // A page back from the back/forward cache is viewed again, as one the cache did not keep is with its boot pageview;
  // a prerendered page is first viewed when the visitor opens it (load sent no pageview before). Both keep the
  // pageview properties the page's scripts set, which do not run again (a reload would set them again). The document's
  // prerenderingchange reaches the window's capturing listener, not the document's own (an image can shadow its method).
  // Each is added and removed with the window's own method, as the outbox's are (dom.ts).
  const viewed = () => runtime.trackPageview({ properties: core.properties[1][0]() });
  const signals: [string, ((event: Event) => unknown)?, EventTarget?][] = [
    ['popstate'],
    ['hashchange'],
    ['currententrychange', , (globalThis as { navigation?: EventTarget }).navigation],
    ['pagehide', check],
    ['pageshow', (event) => (event as PageTransitionEvent).persisted && viewed()],
    ['prerenderingchange', viewed],
  ];
  for (const [type, listener = schedule, target = globalThis] of signals) globalThis.addEventListener?.call(target, type, listener, true);
  return () => {
    unsubscribe();
    historyListeners.delete(schedule);
    for (const [type, listener = schedule, target = globalThis] of signals) globalThis.removeEventListener?.call(target, type, listener, true);
    // The originals go back when no one watches, unless another script has wrapped ours since (then ours stays, idle).
    // A script that put an original back has taken ours out: the next tracker must wrap again. Where the page froze
    // history since, ours stay, idle (assigning threw into the page, and left the rest of the tracker running).
    if (!historyListeners.size && wrapped.every(([method, ...ours]) => ours.includes(history[method]))) {
      for (const [method, original] of wrapped) Reflect.set(history, method, original);
      wrapped = [];
    }
  };
}
