import { backoffDelay } from './backoff.ts';
import { buildBatch } from './batch.ts';
import type { Delivery, Transport } from './transport.ts';
import type { DropReport, HeapEvent } from './types.ts';

/** Settings for the outbox. */
export interface OutboxOptions {
  envId: string;
  transport: Transport;
  now: () => number;
  /** Most events per request. */
  batchSize: number;
  /** How long an event may wait for companions before its batch leaves, ms. */
  flushInterval: number;
}

/** Queues events and delivers them in batches, retrying what fails. */
export interface Outbox {
  push(event: HeapEvent): void;
  /** Sends what is queued now (does not wait out a retry delay). */
  flush(): void;
  /** Hands everything queued to sendBeacon/keepalive because the page is going away. */
  flushOnUnload(): void;
  /** Number of events not yet acknowledged. */
  readonly size: number;
  dispose(): void;
}

/** Largest body sent in one request: below the browser's 64 KB budget for keepalive and beacons. */
export const MAX_BODY_BYTES = 60_000;
const MAX_IN_FLIGHT = 2;
const MAX_ATTEMPTS = 10;

/** Creates an outbox that batches by count, time and bytes, and retries with backoff. */
export function createOutbox(options: OutboxOptions): Outbox {
  const { envId, transport, now, batchSize, flushInterval } = options;
  let queue: HeapEvent[] = [];
  const inFlight = new Set<HeapEvent[]>();
  const attempts = new WeakMap<HeapEvent, number>();
  const drops = new Map<DropReport['reason'], number>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timerDue = Infinity;
  let notBefore = 0;
  let disposed = false;
  let chunkLimit = batchSize;

  const drop = (reason: DropReport['reason'], count: number) => drops.set(reason, (drops.get(reason) ?? 0) + count);
  const takeDrops = (): DropReport[] => {
    const list = [...drops].map(([reason, count]) => ({ reason, count }));
    drops.clear();
    return list;
  };

  function schedule(delay: number) {
    if (disposed) return;
    const due = Math.max(now() + delay, notBefore);
    if (timer !== undefined && timerDue <= due) return;
    if (timer !== undefined) clearTimeout(timer);
    timerDue = due;
    timer = setTimeout(() => {
      timer = undefined;
      timerDue = Infinity;
      pump();
    }, Math.max(0, due - now()));
  }

  /** Takes the next chunk of at most `limit` events whose body fits in one request. */
  function nextBody(events: HeapEvent[], limit: number, dropped: DropReport[]): { chunk: HeapEvent[]; body: string } {
    let count = Math.min(events.length, limit);
    for (;;) {
      const chunk = events.slice(0, count);
      const body = JSON.stringify(buildBatch(envId, chunk, dropped, now()));
      if (body.length <= MAX_BODY_BYTES || count === 1) return { chunk, body };
      count = Math.max(1, Math.floor(count / 2));
    }
  }

  function pump() {
    if (disposed) return;
    // While isolating a refused event, one small request at a time; otherwise full batches, two at once.
    const maxInFlight = chunkLimit < batchSize ? 1 : MAX_IN_FLIGHT;
    while (queue.length && inFlight.size < maxInFlight && now() >= notBefore) {
      const dropped = takeDrops();
      const { chunk, body } = nextBody(queue, chunkLimit, dropped);
      queue = queue.slice(chunk.length);
      inFlight.add(chunk);
      void transport.send(body, '', body.length <= MAX_BODY_BYTES / MAX_IN_FLIGHT).then((delivery) => settle(chunk, dropped, delivery));
    }
    if (queue.length && now() < notBefore) schedule(0);
  }

  function requeue(chunk: HeapEvent[]) {
    queue = chunk.concat(queue);
  }

  function settle(chunk: HeapEvent[], dropped: DropReport[], delivery: Delivery) {
    inFlight.delete(chunk);
    const { status } = delivery;
    if (status >= 200 && status < 300) {
      notBefore = 0;
      chunkLimit = Math.min(batchSize, chunkLimit * 2);
    } else {
      // The drop counts did not arrive; carry them in the next batch.
      for (const d of dropped) drop(d.reason, d.count);
      if (status === 400 && delivery.rejectedIds) {
        const bad = new Set(delivery.rejectedIds);
        const keep = chunk.filter((e) => !bad.has(e.id));
        drop('rejected', chunk.length - keep.length);
        requeue(keep);
      } else if (status === 400 || status === 413) {
        // Halving isolates the refused event (or fits the size limit) in a few rounds.
        if (chunk.length === 1) drop('rejected', 1);
        else requeue(chunk);
        chunkLimit = Math.max(1, Math.ceil(chunk.length / 2));
      } else {
        const kept = chunk.filter((e) => {
          const n = (attempts.get(e) ?? 0) + 1;
          attempts.set(e, n);
          return n < MAX_ATTEMPTS;
        });
        drop('retries', chunk.length - kept.length);
        requeue(kept);
        const attempt = Math.max(1, ...kept.map((e) => attempts.get(e) ?? 1));
        notBefore = now() + (delivery.retryAfterMs ?? backoffDelay(attempt));
      }
    }
    if (queue.length || drops.size) schedule(0);
  }

  return {
    push(event) {
      queue.push(event);
      schedule(queue.length >= batchSize ? 0 : flushInterval);
    },
    flush() {
      notBefore = 0;
      pump();
    },
    flushOnUnload() {
      // In-flight requests may die with the page: send them again; the collector dedupes by id.
      let pending = [...inFlight].flat().concat(queue);
      let dropped = takeDrops();
      while (pending.length || dropped.length) {
        const { chunk, body } = nextBody(pending, batchSize, dropped);
        if (!transport.beacon(body, '')) void transport.send(body, '', true);
        pending = pending.slice(chunk.length);
        dropped = [];
      }
      queue = [];
    },
    get size() {
      return queue.length + [...inFlight].reduce((n, c) => n + c.length, 0);
    },
    dispose() {
      disposed = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
