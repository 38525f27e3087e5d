import type { HeapEvent } from './types.ts';

/** Library name and version sent with every batch. */
export const LIBRARY = { name: 'heap-analytics', version: '0.1.0' } as const;

/**
 * Events dropped for one reason in one report, as the outbox and journal count them: keyed `<reason> <report id>` (a
 * bare reason, saved by an older version, has none yet). A batch reports them as `{reason, count, id}`.
 */
export type DropCount = [key: string, count: number];

/** Drop counts by reason and report, as the outbox holds them until acknowledged and a tab's record saves them. */
export type DropCounts = Record<string, number>;

/** An event's JSON in two parts: its own fields, and its context (user, session, pageview, page), which neighbours usually share. */
type Parts = [own: string, context: string];

// Each event is serialized once, for the journal and for every request that carries it. The JSON rides on the
// event under a symbol (JSON.stringify skips it) rather than in a WeakMap: a burst of 20,000 events grew a
// WeakMap's table to 260 KB, which V8 kept after the events were gone.
const PARTS = Symbol();
type Encoded = HeapEvent & { [PARTS]?: Parts };
let lastFields: unknown[] = [];
let lastContext = '';

/** The serialized parts of `event`, made on first use. */
export function encode(event: HeapEvent): Parts {
  let parts = (event as Encoded)[PARTS];
  if (!parts) {
    const { user_id, identity, session_id, pageview_id, page, session, ...own } = event;
    const fields = [user_id, identity, session_id, pageview_id, page, session];
    // Events of one page share these objects: their context is serialized once for all of them.
    if (fields.some((v, i) => v !== lastFields[i])) {
      lastFields = fields;
      lastContext = JSON.stringify({ user_id, identity, session_id, pageview_id, page, session });
    }
    (event as Encoded)[PARTS] = parts = [JSON.stringify(own), lastContext];
  }
  return parts;
}

/**
 * Drops the cached JSON of an event that was changed after capture. The shared context needs no reset: it is made again
 * for any field that differs from the last ones, and no context object changes once made.
 */
export function forget(event: HeapEvent) {
  delete (event as Encoded)[PARTS];
}

/** The whole event as JSON. */
export function eventJson(event: HeapEvent): string {
  const [own, context] = encode(event);
  return `${own.slice(0, -1)},${context.slice(1)}`;
}

/**
 * Builds the request body for the first events of `events` (at most `limit`) that fit in `room` characters, at least
 * one; returns how many it took. Their context travels once in `common` when all of them share it.
 */
export function takeBatch(envId: string, events: readonly HeapEvent[], limit: number, room: number, dropped: DropCount[], sentAt: number): [count: number, body: string] {
  // The counts' array is joined here, like the events': a page's Array.prototype.toJSON (Prototype.js) would make
  // JSON.stringify write it as a string, which the collector refuses.
  const head = `${JSON.stringify({ v: 1, env_id: envId, sent_at: sentAt, library: LIBRARY }).slice(0, -1)}${
    dropped.length
      ? `,"dropped":[${dropped.map(([key, count]) => {
          const [reason, id] = key.split(' ');
          return JSON.stringify({ reason, count, id });
        })}]`
      : ''
  }`;
  let context: string | undefined;
  let n = 0;
  let own = 0;
  let all = 0;
  let shared = true;
  // Sums of the lengths bound the body from above: `,"common":`, `,"events":[` and `]}` take 23 more.
  room -= head.length + 23;
  for (; n < events.length && n < limit; n++) {
    const [o, c] = encode(events[n]!);
    // The first event's context is the one the others may share.
    context ??= c;
    const same: boolean = shared && c === context;
    own += o.length + 1;
    all += o.length + c.length;
    if (n && (same ? own + c.length : all) > room) break;
    shared = same;
  }
  const hoist = n > 1 && shared;
  const list = events.slice(0, n).map((e) => (hoist ? encode(e)[0] : eventJson(e)));
  return [n, `${head}${hoist ? `,"common":${context}` : ''},"events":[${list}]}`];
}
