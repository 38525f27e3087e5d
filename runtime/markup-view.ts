import { ATTR, describeElement, parseNumber } from './markup-props.ts';
import { warnOnce } from './warn.ts';

/** How long an element must stay at least half visible before it counts as seen, ms. */
export const DEFAULT_DWELL_MS = 1000;
/** Share of the element (or, for elements larger than the viewport, of the viewport) that must be visible. */
const VISIBLE_SHARE = 0.5;
// Fine steps at low ratios so that a tall element reports as it comes to cover half the viewport.
const THRESHOLDS = [0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];

/** Watches elements for being seen; `onSeen` returns true to keep watching (the element repeats). */
export interface ViewTracker {
  watch(el: Element): void;
  unwatch(el: Element): void;
  /** How many elements are watched and how many dwell timers run; for leak tests. */
  stats(): { watched: number; timers: number };
  stop(): void;
}

interface ViewState {
  timer?: ReturnType<typeof setTimeout>;
  /** Seen and waiting to leave the viewport before it may count again. */
  shown: boolean;
  visible: boolean;
}

/** The element's dwell time from `data-heap-view-dwell` (milliseconds), or the default. */
export function dwellOf(el: Element): number {
  const raw = el.getAttribute(ATTR.viewDwell);
  if (raw === null) return DEFAULT_DWELL_MS;
  const ms = parseNumber(raw);
  if (ms !== undefined && ms >= 0) return ms;
  warnOnce('markup-view-dwell-invalid', `${ATTR.viewDwell}="${raw.slice(0, 20)}" on ${describeElement(el)} is not a number of milliseconds; ${DEFAULT_DWELL_MS} is used.`);
  return DEFAULT_DWELL_MS;
}

function isHalfVisible(entry: IntersectionObserverEntry): boolean {
  if (!entry.isIntersecting) return false;
  if (entry.intersectionRatio >= VISIBLE_SHARE) return true;
  const root = entry.rootBounds;
  if (!root || !root.width || !root.height) return false;
  const shown = entry.intersectionRect;
  return (shown.width * shown.height) / (root.width * root.height) >= VISIBLE_SHARE;
}

/**
 * Creates one IntersectionObserver for every `view` element of a runtime (undefined where the browser has none): an element counts as seen
 * once it has been at least half visible, in a visible tab, for its dwell time.
 */
export function createViewTracker(onSeen: (el: Element) => boolean): ViewTracker | undefined {
  if (typeof IntersectionObserver !== 'function') return undefined;
  const states = new Map<Element, ViewState>();
  /** Elements whose dwell ended while the tab was hidden: they count once the tab shows again. */
  const paused = new Set<Element>();
  let timers = 0;

  const clear = (state: ViewState) => {
    if (state.timer === undefined) return;
    clearTimeout(state.timer);
    state.timer = undefined;
    timers--;
  };

  const arm = (el: Element, state: ViewState) => {
    timers++;
    state.timer = setTimeout(() => {
      state.timer = undefined;
      timers--;
      if (states.get(el) !== state || !state.visible) return;
      if (document.visibilityState === 'hidden') {
        paused.add(el);
        return;
      }
      if (onSeen(el)) state.shown = true;
      else tracker.unwatch(el);
    }, dwellOf(el));
  };

  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const state = states.get(entry.target);
      if (!state) continue;
      state.visible = isHalfVisible(entry);
      if (!state.visible) {
        clear(state);
        paused.delete(entry.target);
        state.shown = false;
      } else if (state.timer === undefined && !state.shown && !paused.has(entry.target)) {
        arm(entry.target, state);
      }
    }
  }, { threshold: THRESHOLDS });

  const onVisibility = () => {
    if (document.visibilityState !== 'visible') return;
    for (const el of paused) {
      const state = states.get(el);
      if (state && state.visible && state.timer === undefined) arm(el, state);
    }
    paused.clear();
  };
  document.addEventListener('visibilitychange', onVisibility);

  const tracker: ViewTracker = {
    watch(el) {
      if (states.has(el)) return;
      states.set(el, { shown: false, visible: false });
      observer.observe(el);
    },
    unwatch(el) {
      const state = states.get(el);
      if (!state) return;
      clear(state);
      states.delete(el);
      paused.delete(el);
      observer.unobserve(el);
    },
    stats: () => ({ watched: states.size, timers }),
    stop() {
      for (const state of states.values()) clear(state);
      states.clear();
      paused.clear();
      observer.disconnect();
      document.removeEventListener('visibilitychange', onVisibility);
    },
  };
  return tracker;
}
