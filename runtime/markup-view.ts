import { attributeOf, documentText } from './dom.ts';
import { describeElement, parseNumber, summarize, VIEW_DWELL } from './markup-props.ts';
import { probe } from './markup-stats.ts';
import { warnOnce } from './warn.ts';

/** How long an element must stay at least half visible before it counts as seen, ms (markup-view-dwell-invalid's text spells it out). */
export const DEFAULT_DWELL_MS = 1000;
/** Share of the element (or, for one wider or taller than the viewport, of what the viewport can show of it) that must be visible. */
const VISIBLE_SHARE = 0.5;

/**
 * Watches elements for being seen, as three functions rather than an object's methods, so that the minifier renames
 * them: `watch` an element (`onSeen` returns true to keep watching, the element repeats), `unwatch` it, `stop` it all.
 */
export type ViewTracker = [watch: (el: Element) => void, unwatch: (el: Element) => void, stop: () => void];

/**
 * A watched element's phase: out of view (undefined: most elements, most of the time), in view with its dwell timer
 * running (timer ids are above 0), DUE or SHOWN (clearing either clears nothing).
 */
type Phase = ReturnType<typeof setTimeout> | typeof DUE | typeof SHOWN | undefined;
/** Its dwell ended while the tab was hidden: it counts once the tab shows again. */
const DUE = 0;
/** Seen and repeating: it waits to leave the viewport before it may count again. */
const SHOWN = -1;

/** The element's dwell time from `data-heap-view-dwell` (milliseconds), or the default. */
export function dwellOf(el: Element): number {
  const raw = attributeOf(el, VIEW_DWELL);
  // Not a number (undefined) is not >= 0 either.
  const ms = raw === null ? DEFAULT_DWELL_MS : parseNumber(raw)!;
  if (ms >= 0) return ms;
  warnOnce('markup-view-dwell-invalid', `data-heap-view-dwell=${summarize(raw!)} on ${describeElement(el)} is not a number of milliseconds; 1000 is used.`);
  return DEFAULT_DWELL_MS;
}

/**
 * Creates the view tracker of a runtime: an element counts as seen once it has been at least half visible, in a
 * visible tab, for its dwell time. Its observers and listener exist only while something is watched. Where the
 * browser has no IntersectionObserver, watching an element warns and nothing is seen.
 */
export function createViewTracker(onSeen: (el: Element) => boolean | void): ViewTracker {
  if (typeof IntersectionObserver !== 'function') {
    const none = () => {};
    return [(el) => warnOnce('markup-view-unsupported', `${describeElement(el)} has a view trigger, but this browser has no IntersectionObserver; view triggers are off.`), none, none];
  }
  /** The watched elements, with their phase. */
  const states = new Map<Element, Phase>();
  let coarse: IntersectionObserver | undefined;
  let fine: IntersectionObserver | undefined;
  /** Elements let go of in this task: unobserved together, or not at all when none is left. */
  const dropped = new Set<Element>();
  probe?.count('viewWatched', () => states.size);
  probe?.count('viewTimers', () => [...states.values()].filter((phase) => (phase as number) > 0).length);

  // An element is observed by the coarse observer, or the fine one: unobserving it from both is cheaper than knowing which.
  const unobserve = (el: Element) => (coarse!.unobserve(el), fine?.unobserve(el));

  // Most reports are of elements out of view with no timer, and clearTimeout is a call into the browser even for
  // undefined: skipping it cut the first report of 5,000 targets to about a third of its time.
  const clear = (phase: Phase) => phase && clearTimeout(phase);

  const arm = (el: Element) => {
    states.set(
      el,
      setTimeout(() => {
        // Leaving the view or the watch clears the timer, so it is still in view and watched.
        if (documentText('visibilityState') === 'hidden') states.set(el, DUE);
        else if (onSeen(el)) states.set(el, SHOWN);
        else unwatch(el);
      }, dwellOf(el)),
    );
  };

  const onEntries = (entries: IntersectionObserverEntry[]) => {
    for (const entry of entries) {
      // The first report lists every element watched, most of them out of view and never in it: they cost two reads.
      const intersecting = entry.isIntersecting;
      const el = entry.target;
      const phase = states.get(el);
      // An element let go of may still be reported once (its entry was queued): it is no longer in `states`.
      if (phase === undefined && (!intersecting || !states.has(el))) continue;
      // The share of the element the viewport can show: all of it, unless it is wider or taller than the viewport
      // (then as wide or as tall as the viewport). A column taller than the viewport but narrow, or a strip wider than
      // it but low, never covers half of the viewport's area: measured against that, they never counted.
      // Without the viewport's bounds (a cross-origin frame), all of it, as when it fits.
      let share = 1;
      // Most entries are plainly in or out: the rectangles (objects made on each read) are read only when partly in.
      if (intersecting && entry.intersectionRatio < VISIBLE_SHARE) {
        const r = entry.boundingClientRect;
        const view = entry.rootBounds || r;
        share = (Math.min(r.width, view.width) * Math.min(r.height, view.height)) / (r.width * r.height);
      }
      // Partly shown and wider or taller than the viewport: it may fill half of what the viewport shows of it at a
      // small share of itself, and stop filling it with no step of the coarse observer crossed (shown at a quarter of
      // itself, then scrolled on to a sliver, its dwell ran on). Once moved, both calls change nothing (an observer
      // observes an element once), so no flag says it was.
      if (share < 1) {
        coarse!.unobserve(el);
        // Fine steps at low ratios.
        (fine ??= new IntersectionObserver(onEntries, { threshold: [0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, VISIBLE_SHARE] })).observe(el);
      }
      // Not in view, or less than half of that share of it is.
      if (!(entry.intersectionRatio >= share * VISIBLE_SHARE)) {
        clear(phase);
        states.set(el, undefined);
      } else if (phase === undefined) {
        // Coming into view.
        arm(el);
      }
    }
  };

  const onVisibility = () => {
    if (documentText('visibilityState') === 'hidden') return;
    states.forEach((phase, el) => phase === DUE && arm(el));
  };

  const unwatch = (el: Element) => {
    clear(states.get(el));
    if (!states.delete(el)) return;
    if (!dropped.size) {
      queueMicrotask(() => {
        if (!states.size) stop();
        else dropped.forEach(unobserve);
        dropped.clear();
      });
    }
    dropped.add(el);
  };

  const stop = () => {
    states.forEach(clear);
    states.clear();
    // `dropped` is left as it is: holding any, a flush is queued, which finds nothing watched and empties it.
    coarse?.disconnect();
    fine?.disconnect();
    coarse = fine = undefined;
    removeEventListener.call(document, 'visibilitychange', onVisibility);
  };

  return [
    (el) => {
      if (states.has(el)) return;
      // Observed afresh, so that the observer reports where it is now.
      if (dropped.delete(el)) unobserve(el);
      if (!coarse) {
        // An element no larger than the viewport is half visible once half of itself shows: 0 and one half suffice.
        coarse = new IntersectionObserver(onEntries, { threshold: [0, VISIBLE_SHARE] });
        // The window's own method, on the document (dom.ts).
        addEventListener.call(document, 'visibilitychange', onVisibility);
      }
      states.set(el, undefined);
      coarse.observe(el);
    },
    unwatch,
    stop,
  ];
}
