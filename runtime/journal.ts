import { eventJson, type DropCount, type DropCounts } from './batch.ts';
import { documentText } from './dom.ts';
import { randomNumericId } from './ids.ts';
import { parseJson } from './storage.ts';
import type { HeapEvent } from './types.ts';
import { warnOnce } from './warn.ts';

/**
 * The persisted side of the outbox. Each tab writes the events it accepted in small segments under its
 * own keys, removes them once the collector acknowledged them, and adopts the segments of tabs that
 * died (closed, crashed, reloaded) so their events still go out. A tuple of functions rather than an object, whose
 * member names would ship in the bundle.
 */
export type Journal = [
  /**
   * Persists newly accepted events (or adopted ones) in one new segment, which keeps the array (callers hand over a
   * copy). Drop counts go in with settle.
   */
  append: (events: HeapEvent[]) => void,
  /** Forgets events that were delivered or dropped, and persists this tab's drop counts when given. */
  settle: (events: HeapEvent[], drops?: DropCounts) => void,
  /** Takes over the events and drop counts of dead tabs (the events in no set order: the outbox sorts what it queues). */
  adopt: () => Promise<[events: HeapEvent[], drops: DropCount[]]>,
  /**
   * Marks this tab gone (page hidden for good, or runtime disposed) so others may adopt at once, or, `false`, alive
   * again (back from the back/forward cache).
   */
  leave: (gone?: boolean) => void,
  /** Writes every segment again, saving those storage refused earlier (consent just granted, or space freed), and takes or lets go the tab's lock (see `lock`). */
  resync: () => void,
  /** Forgets this tab's segments and drop counts in memory and lets its lock go (consent denied: storage is off-limits then, and wiped whole). */
  clear: () => void,
  /** Approximate persisted bytes of the events still held. */
  bytes: () => number,
  /** Whether an event is held (saved, or refused by storage and written again at leave or resync). */
  holds: (event: HeapEvent) => boolean,
  /** Takes the tab's lock as the page is hidden, or lets it go and beats as it is shown (the outbox calls it at each visibilitychange). */
  lock: () => void,
];

/** A segment: its storage key, the events it still holds, and the length of its text as last saved. */
type Segment = [key: string, events: HeapEvent[], bytes: number];

/** A tab's record: its heartbeat (0 once it left) and drop counts. */
interface TabRecord {
  hb?: number;
  d?: Record<string, unknown>;
}

const VERSION = 1;
/**
 * A tab that has not written its heartbeat for this long is taken as dead when Web Locks cannot tell (http: pages).
 * Live tabs not holding their lock beat at each adoption round (every 20 s; once a minute in a hidden tab whose timers
 * the browser slowed), and whenever they settle events or count drops: at 15 s, a tab idle through an outage's backoff
 * had its waiting events taken, and both tabs sent them.
 */
const STALE_MS = 90_000;

/**
 * The journal's keys after `<prefix>_`, as alternatives for a group around them: a tab's record (`tab_<tab>`, the tab
 * in group 2 of the journal's pattern) or one of its segments (`q_<tab>_<n>`, the tab in group 3). persistence.ts wipes
 * them by it too, among its own keys' alternatives, in the same words.
 */
export const JOURNAL_KEYS = 'tab_(\\d+)|q_(\\d+)_\\d+';

/**
 * A journal in localStorage for one env id; `storage()` returns undefined when storage is off-limits (consent, cookieless),
 * and throws where the browser refuses it.
 */
export function createJournal(prefix: string, storage: () => Storage | undefined): Journal {
  const tabId = randomNumericId();
  const tabPrefix = `${prefix}_tab_`;
  const tabKey = `${tabPrefix}${tabId}`;
  const mine = `${prefix}_q_${tabId}_`;
  // Tabs' records and segments by their exact shapes (a segment with its tab): the keys of env ids that start with this
  // one ("abc_q_1", "abc_tab_1") start with these prefixes too.
  const shape = new RegExp(`^${prefix}_(${JOURNAL_KEYS})$`);
  // Each held event's segment; the segments held are the ones some event still maps to.
  const segmentOf = new Map<HeapEvent, Segment>();
  let seq = 0;
  let bytes = 0;
  let drops: DropCounts = {};
  // Whether the tab left; undefined until it first does (read as a truth value only).
  let gone: boolean | undefined;
  let releaseLock: (() => void) | undefined;
  const locks = globalThis.navigator?.locks;

  // Held while the page is hidden, where timers slow down and heartbeats go stale, and let go once it left or is shown:
  // Firefox keeps no page holding a lock in its back/forward cache (it decides before pagehide), so a lock held for the
  // tab's life made every back and forward a reload there. Shown, the tab beats on time instead (at once on being shown:
  // its last heartbeat may be stale). Granted only after that (the page shown again, the runtime removed right after
  // boot), it is let go at once, or the tab would look alive for good. Without Web Locks, the heartbeat alone. Not held
  // while storage is off-limits (consent pending or denied): this tab saved nothing for others to leave be, and a lock
  // named after the env id is a trace, which navigator.locks.query() lists.
  // Storage is read before asking, and again at the grant (consent denied meanwhile): a request is listed by
  // navigator.locks.query() from the moment it is made, and one made to be let go at once was a trace of a visitor who
  // had not consented. Read in a try: it throws where the browser refuses storage, and boot calls this.
  const free = () => gone || documentText('visibilityState') != 'hidden';
  const lock = () => {
    if (free()) beat((releaseLock = void releaseLock?.()));
    // Marked as asked for at once (a no-op to let go of until granted): called again before the grant, the tab asked a
    // second time, and the second request waited behind the first for good.
    else if (locks && !releaseLock)
      try {
        if (storage()) {
          releaseLock = () => {};
          void locks.request(tabKey, () => (free() || !storage() ? (releaseLock = undefined) : new Promise<void>((resolve) => (releaseLock = resolve)))).catch(() => {});
        }
      } catch {
        // Storage refused: nothing saved, nothing for a lock to keep.
      }
  };

  // A segment storage refused lives in memory only, and is written again with its next change or at resync. No text
  // removes the key.
  const write = (key: string, value: string) => {
    try {
      storage()?.[value ? 'setItem' : 'removeItem'](key, value);
    } catch (err) {
      warnOnce('outbox-not-persisted', `pending events could not be saved (${(err as Error)?.name ?? err}); they are kept in memory and still sent.`);
    }
  };
  /**
   * Writes a segment as it is now, removing it once empty (or only counts its bytes, `memoryOnly`); its events' JSON
   * was made when they were first saved or sent.
   */
  const save = (segment: Segment, memoryOnly?: unknown) => {
    const text = segment[1].length ? `{"v":${VERSION},"e":[${segment[1].map(eventJson)}]}` : '';
    bytes += text.length - segment[2];
    segment[2] = text.length;
    if (!memoryOnly) write(segment[0], text);
  };
  /**
   * Writes the tab's record: with new drop counts (its own, to write it whatever else holds), or as a heartbeat while
   * the tab lives. A tab that left writes 0 whatever writes it later (a keepalive request settling after pagehide): a
   * live heartbeat would have other tabs wait up to STALE_MS for its events. Without new counts, a tab that left
   * writes nothing: another tab may have adopted its record already, and would report its counts twice. A tab holding
   * its lock beats for nothing (the lock says it lives): each write woke every other tab of the site (their `storage`
   * event) every 20 s.
   */
  const beat = (map?: DropCounts) => {
    if (map || !(gone || releaseLock)) write(tabKey, JSON.stringify({ hb: gone ? 0 : Date.now(), d: (drops = map ?? drops) }));
  };

  lock();

  // Saving events leaves the tab's record be: the adoption rounds beat.
  const append = (events: HeapEvent[]) => {
    // No events (adopted drop counts alone) make an empty segment, saved as none.
    const segment: Segment = [`${mine}${seq++}`, events, 0];
    for (const e of events) segmentOf.set(e, segment);
    save(segment);
  };
  const settle = (events: HeapEvent[], map?: DropCounts) => {
    beat(map);
    const touched = new Set<Segment>();
    for (const e of events) {
      const segment = segmentOf.get(e);
      if (segmentOf.delete(e)) touched.add(segment!);
    }
    for (const segment of touched) {
      segment[1] = segment[1].filter((e) => segmentOf.get(e) === segment);
      // Rewrite the rest, so a tab that dies now does not resend what was delivered. A tab that left may have
      // been adopted already: rewriting would resurrect its segment (removing an emptied one is safe).
      save(segment, gone && segment[1].length);
    }
  };
  const adopt = async (): Promise<[events: HeapEvent[], drops: DropCount[]]> => {
    beat();
    let area: Storage | undefined;
    const events: HeapEvent[] = [];
    const lost: DropCount[] = [];
    let corrupt = 0;
    // Run only with an area (below).
    const take = async () => {
      // Without Web Locks (or an answer from them), the heartbeat decides.
      const held = await locks?.query().then(
        (state) => new Set(state.held?.map((l) => l.name!)),
        () => {},
      );
      const now = Date.now();
      for (const key of Object.keys(area!)) {
        // A tab's record, or one of its segments.
        const [, , recordTab, segmentTab] = shape.exec(key) ?? [];
        const tab = recordTab ?? segmentTab;
        const owner = `${tabPrefix}${tab}`;
        if (!tab || tab === tabId || held?.has(owner)) continue;
        // A tab is dead once its heartbeat is stale; one whose record is unreadable, or gone (it left no record,
        // or an earlier key of this round was its record), is dead too. A heartbeat ahead of the clock (set back since
        // that tab beat) is as stale as it is far: a dead tab's events waited until the clock caught up.
        const info = parseJson(area!.getItem(owner)) as TabRecord | null | undefined;
        if (info?.hb && Math.abs(now - info.hb) <= STALE_MS) continue;
        const text = area!.getItem(key);
        area!.removeItem(key);
        if (recordTab) {
          for (const [key, count] of Object.entries(info?.d ?? {})) {
            if (typeof count === 'number' && count > 0) lost.push([key, count]);
          }
        } else if (text !== null) {
          const value = parseJson(text) as { v?: unknown; e?: unknown } | undefined;
          if (value?.v === VERSION && Array.isArray(value.e)) {
            const valid = value.e.filter(
              (e: unknown): e is HeapEvent =>
                typeof (e as HeapEvent)?.time === 'number' && 'id type user_id session_id pageview_id'.split(' ').every((k) => typeof (e as Record<string, unknown>)[k] === 'string'),
            );
            corrupt += value.e.length - valid.length;
            events.push(...valid);
          } else corrupt++;
        }
      }
    };
    try {
      // One tab adopts at a time; the others skip this round. No area while storage is off-limits (consent, cookieless
      // memory mode): then there is nothing to adopt, and no round should take the adoption lock from other tabs or
      // ask for the held locks every 20 s. Without Web Locks, the request is undefined and this tab takes alone.
      if ((area = storage())) await (locks?.request(`${prefix}_adopt`, { ifAvailable: true }, (lock) => lock && take()) ?? take());
    } catch {
      // Storage refused, or storage or locks failed mid-way: what was read is still adopted.
    }
    if (corrupt) {
      warnOnce('outbox-corrupt', 'some saved events were unreadable and were discarded; the loss is reported to the collector.');
      lost.push(['storage', corrupt]);
    }
    return [events, lost];
  };
  // Takes the lock (or lets it go, once the tab left) too.
  const resync = () => {
    for (const segment of new Set(segmentOf.values())) save(segment);
    beat(drops);
    lock();
  };
  const leave = (left = true) => {
    gone = left;
    // Every segment again: one storage refused (full, then freed by the page) is saved now or never, as the next load
    // adopts only what storage holds. Writes the tab's record too.
    resync();
  };
  const clear = () => {
    segmentOf.clear();
    bytes = 0;
    drops = {};
    releaseLock = void releaseLock?.();
  };

  return [append, settle, adopt, leave, resync, clear, () => bytes, (e) => segmentOf.has(e), lock];
}
