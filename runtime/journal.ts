import { randomNumericId } from './ids.ts';
import type { DropReport, HeapEvent } from './types.ts';
import { warnOnce } from './warn.ts';

/**
 * The persisted side of the outbox. Each tab writes the events it accepted in small segments under its
 * own keys, removes them once the collector acknowledged them, and adopts the segments of tabs that
 * died (closed, crashed, reloaded) so their events still go out.
 */
export interface Journal {
  /** Persists newly accepted events in one new segment. */
  append(events: HeapEvent[]): void;
  /** Forgets events that were delivered or dropped. */
  settle(events: HeapEvent[]): void;
  /** Persists this tab's drop counts, so they survive the tab too. */
  saveDrops(drops: ReadonlyMap<DropReport['reason'], number>): void;
  /** Takes over the events and drop counts of dead tabs (oldest first). */
  adopt(): Promise<{ events: HeapEvent[]; drops: DropReport[] }>;
  /** Marks this tab gone (page hidden for good, or runtime disposed) so others may adopt at once. */
  leave(): void;
  /** Marks this tab alive again (back from the back/forward cache). */
  rejoin(): void;
  /** Writes the segments that storage refused earlier (consent just granted, or space freed). */
  resync(): void;
  /** Forgets every segment of this tab, in storage and in memory (consent denied). */
  clear(): void;
  /** Approximate persisted bytes of the events still held. */
  readonly bytes: number;
}

interface Segment {
  key: string;
  events: HeapEvent[];
  bytes: number;
  /** False when storage refused it: then it lives in memory only. */
  persisted: boolean;
}

const VERSION = 1;
/** A tab that has not written its heartbeat for this long is taken as dead when Web Locks cannot tell. */
const STALE_MS = 15_000;
const HEARTBEAT_MS = 5_000;

const isEvent = (e: unknown): e is HeapEvent => {
  const v = e as HeapEvent;
  return typeof v === 'object' && v !== null && typeof v.id === 'string' && typeof v.type === 'string' &&
    typeof v.time === 'number' && typeof v.user_id === 'string' && typeof v.session_id === 'string' && typeof v.pageview_id === 'string';
};

/** A journal in localStorage for one env id; `storage()` returns undefined when storage is off-limits (consent, cookieless). */
export function createJournal(prefix: string, storage: () => Storage | undefined): Journal {
  const tabId = randomNumericId();
  const segPrefix = `${prefix}_q_`;
  const tabPrefix = `${prefix}_tab_`;
  const mine = `${segPrefix}${tabId}_`;
  const segments = new Map<string, Segment>();
  const segmentOf = new Map<string, Segment>();
  let seq = 0;
  let bytes = 0;
  let drops: Record<string, number> = {};
  let heartbeatAt = 0;
  let gone = false;
  let releaseLock: (() => void) | undefined;

  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (locks) {
    // Held for the life of this tab's runtime: other tabs see the tab alive while the lock is held.
    void locks.request(`${tabPrefix}${tabId}`, () => new Promise<void>((resolve) => (releaseLock = resolve))).catch(() => {});
  }

  const write = (key: string, value: string): boolean => {
    const area = storage();
    if (!area) return false;
    try {
      area.setItem(key, value);
      return true;
    } catch (err) {
      warnOnce('outbox-not-persisted', `pending events could not be saved (${(err as Error)?.name ?? err}); they are kept in memory and still sent.`);
      return false;
    }
  };
  const remove = (key: string) => {
    try {
      storage()?.removeItem(key);
    } catch {
      // Storage gone: nothing left to remove.
    }
  };
  const heartbeat = (at: number) => {
    heartbeatAt = at;
    write(`${tabPrefix}${tabId}`, JSON.stringify({ hb: at, d: drops }));
  };
  const beat = () => {
    if (!gone && Date.now() - heartbeatAt >= HEARTBEAT_MS) heartbeat(Date.now());
  };

  async function heldLocks(): Promise<Set<string> | undefined> {
    if (!locks) return undefined;
    try {
      const state = await locks.query();
      return new Set((state.held ?? []).map((l) => l.name ?? ''));
    } catch {
      return undefined;
    }
  }

  function readSegment(area: Storage, key: string): HeapEvent[] {
    const text = area.getItem(key);
    area.removeItem(key);
    if (text === null) return [];
    try {
      const value = JSON.parse(text) as { v?: unknown; e?: unknown };
      if (value.v === VERSION && Array.isArray(value.e)) {
        const valid = value.e.filter(isEvent);
        if (valid.length !== value.e.length) corrupt += value.e.length - valid.length;
        return valid;
      }
    } catch {
      // Fall through: unreadable.
    }
    corrupt += 1;
    return [];
  }
  let corrupt = 0;

  return {
    append(events) {
      if (!events.length) return;
      beat();
      const key = `${mine}${seq++}`;
      const text = JSON.stringify({ v: VERSION, e: events });
      const segment: Segment = { key, events: events.slice(), bytes: text.length, persisted: write(key, text) };
      segments.set(key, segment);
      for (const e of events) segmentOf.set(e.id, segment);
      bytes += segment.bytes;
    },
    settle(events) {
      beat();
      const touched = new Set<Segment>();
      for (const e of events) {
        const segment = segmentOf.get(e.id);
        if (!segment) continue;
        segmentOf.delete(e.id);
        touched.add(segment);
      }
      for (const segment of touched) {
        const left = segment.events.filter((e) => segmentOf.get(e.id) === segment);
        bytes -= segment.bytes;
        if (!left.length) {
          segments.delete(segment.key);
          if (segment.persisted) remove(segment.key);
          continue;
        }
        // Rewrite the rest, so a tab that dies now does not resend what was delivered.
        segment.events = left;
        const text = JSON.stringify({ v: VERSION, e: left });
        segment.bytes = text.length;
        bytes += segment.bytes;
        // A tab that left may have been adopted already: rewriting would resurrect its segment.
        if (segment.persisted && !gone) segment.persisted = write(segment.key, text);
      }
    },
    saveDrops(map) {
      drops = Object.fromEntries(map);
      heartbeat(Date.now());
    },
    async adopt() {
      const area = storage();
      const result = { events: [] as HeapEvent[], drops: [] as DropReport[] };
      if (!area) return result;
      const take = async () => {
        const held = await heldLocks();
        const now = Date.now();
        const dead = new Set<string>();
        const keys: string[] = [];
        for (let i = 0; i < area.length; i++) keys.push(area.key(i) ?? '');
        for (const key of keys) {
          if (!key.startsWith(tabPrefix)) continue;
          const id = key.slice(tabPrefix.length);
          if (id === tabId || held?.has(key)) continue;
          let info: { hb?: number; d?: Record<string, number> } = {};
          try {
            info = JSON.parse(area.getItem(key) ?? '{}');
          } catch {
            // An unreadable record counts as a dead tab.
          }
          const stale = !info.hb || now - info.hb > (held ? 2_000 : STALE_MS);
          if (!stale) continue;
          dead.add(id);
          for (const [reason, count] of Object.entries(info.d ?? {})) {
            if (typeof count === 'number' && count > 0) result.drops.push({ reason: reason as DropReport['reason'], count });
          }
          area.removeItem(key);
        }
        const orphaned = keys
          .filter((key) => key.startsWith(segPrefix) && !key.startsWith(mine))
          .filter((key) => {
            const owner = key.slice(segPrefix.length).split('_')[0]!;
            // A segment whose tab left no record at all is an orphan too (its record was lost or cleared).
            return dead.has(owner) || (area.getItem(`${tabPrefix}${owner}`) === null && !held?.has(`${tabPrefix}${owner}`));
          })
          .sort((a, b) => order(a) - order(b));
        for (const key of orphaned) result.events.push(...readSegment(area, key));
      };
      try {
        if (locks) await locks.request(`${prefix}_adopt`, { ifAvailable: true }, async (lock) => (lock ? take() : undefined));
        else await take();
      } catch {
        // Storage or locks failed mid-way: what was read is still adopted.
      }
      if (corrupt) {
        warnOnce('outbox-corrupt', 'some saved events were unreadable and were discarded; the loss is reported to the collector.');
        result.drops.push({ reason: 'storage', count: corrupt });
        corrupt = 0;
      }
      result.events.sort((a, b) => a.time - b.time);
      return result;
    },
    resync() {
      for (const segment of segments.values()) {
        if (!segment.persisted) segment.persisted = write(segment.key, JSON.stringify({ v: VERSION, e: segment.events }));
      }
      heartbeat(Date.now());
    },
    clear() {
      for (const segment of segments.values()) if (segment.persisted) remove(segment.key);
      segments.clear();
      segmentOf.clear();
      bytes = 0;
      drops = {};
    },
    leave() {
      gone = true;
      write(`${tabPrefix}${tabId}`, JSON.stringify({ hb: 0, d: drops }));
      releaseLock?.();
      releaseLock = undefined;
    },
    rejoin() {
      gone = false;
      heartbeat(Date.now());
      if (locks && !releaseLock) void locks.request(`${tabPrefix}${tabId}`, () => new Promise<void>((resolve) => (releaseLock = resolve))).catch(() => {});
    },
    get bytes() {
      return bytes;
    },
  };

  function order(key: string): number {
    return Number(key.slice(key.lastIndexOf('_') + 1)) || 0;
  }
}
