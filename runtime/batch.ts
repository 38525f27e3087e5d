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
const PARTS = Symbol('json');
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

/** Drops the cached JSON of an event that was changed after capture. */
export function forget(event: HeapEvent) {
  delete (event as Encoded)[PARTS];
  lastFields = [];
}

/** The whole event as JSON. */
export function eventJson(event: HeapEvent): string {
  const [own, context] = encode(event);
  return `${own.slice(0, -1)},${context.slice(1)}`;
}
