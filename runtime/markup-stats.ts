// What the markup trackers hold, counted for leak tests. Only a test installs the probe (`countMarkup`): the bundle
// never does, so there `probe` stays undefined and the minifier drops each `probe?.` call with its arguments.

/** Counts of what the markup tracker of a runtime holds on to, for leak tests. */
export interface MarkupStats {
  /** The document plus the open shadow roots listened in. */
  roots: number;
  /** Elements watched by the IntersectionObserver, and dwell timers running. */
  viewWatched: number;
  viewTimers: number;
  /** Elements declaring pageview properties. */
  pageviewHolders: number;
}

/** Hears each markup tracker start, the counters its parts hand in as they are made, and its stop. */
interface Probe {
  start(runtime: object): void;
  count(name: keyof MarkupStats, count: () => number): void;
  stop(runtime: object): void;
}

export let probe: Probe | undefined;

const trackers = new WeakMap<object, Partial<Record<keyof MarkupStats, () => number>>>();

/** Makes the markup trackers started from now on count what they hold, for `markupStats`; tests only. */
export function countMarkup(): void {
  let current: Partial<Record<keyof MarkupStats, () => number>> = {};
  probe = {
    start: (runtime) => trackers.set(runtime, (current = {})),
    count: (name, count) => (current[name] = count),
    stop: (runtime) => trackers.delete(runtime),
  };
}

/** What the markup tracker of `runtime` holds right now; undefined when it is not running (or was not counted). */
export function markupStats(runtime: object): MarkupStats | undefined {
  const counts = trackers.get(runtime);
  if (!counts) return undefined;
  const stats: MarkupStats = { roots: 0, viewWatched: 0, viewTimers: 0, pageviewHolders: 0 };
  for (const [name, count] of Object.entries(counts)) stats[name as keyof MarkupStats] = count();
  return stats;
}
