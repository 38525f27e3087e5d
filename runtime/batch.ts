import type { Batch, DropReport, HeapEvent } from './types.ts';

/** Library name and version sent with every batch. */
export const LIBRARY = { name: 'heap-analytics', version: '0.1.0' } as const;

/** Fields that usually repeat across a batch and travel once in `common` when they do. */
const SHARED_FIELDS = ['user_id', 'identity', 'session_id', 'pageview_id', 'page', 'session'] as const;

const same = (a: unknown, b: unknown) => a === b || (typeof a === 'object' && a !== null && JSON.stringify(a) === JSON.stringify(b));

/** Builds a request body for `events`, moving the fields every event shares into `common`. */
export function buildBatch(envId: string, events: readonly HeapEvent[], dropped: DropReport[], sentAt: number): Batch {
  const common: Partial<HeapEvent> = {};
  const first = events[0];
  const hoisted: string[] = [];
  if (first && events.length > 1) {
    for (const field of SHARED_FIELDS) {
      if (!(field in first)) continue;
      const value = first[field];
      if (events.every((e) => same(e[field], value))) {
        (common as Record<string, unknown>)[field] = value;
        hoisted.push(field);
      }
    }
  }
  const batch: Batch = {
    v: 1,
    env_id: envId,
    sent_at: sentAt,
    library: LIBRARY,
    events: hoisted.length ? events.map((e) => omit(e, hoisted)) : (events as HeapEvent[]),
  };
  if (hoisted.length) batch.common = common;
  if (dropped.length) batch.dropped = dropped;
  return batch;
}

function omit(event: HeapEvent, fields: string[]): Partial<HeapEvent> {
  const copy: Record<string, unknown> = { ...event };
  for (const field of fields) delete copy[field];
  return copy as Partial<HeapEvent>;
}
