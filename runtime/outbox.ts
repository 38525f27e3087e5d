import { backoffDelay, type BackoffOptions } from './backoff.ts';
import { buildBatch } from './batch.ts';
import { gzip } from './compress.ts';
import type { Journal } from './journal.ts';
import type { Delivery, Transport } from './transport.ts';
import type { DropReport, HeapEvent } from './types.ts';

/** Settings for the outbox; the defaults are documented in the README's delivery section. */
export interface OutboxOptions {
  envId: string;
  transport: Transport;
  /** The event clock, for `sent_at`. Scheduling uses real time whatever this says. */
  now: () => number;
  batchSize: number;
  flushInterval: number;
  journal?: Journal;
  /** Most events held; past it the oldest are dropped and counted. Default 1000. */
  maxEvents?: number;
  /** Most persisted bytes held; past it the oldest are dropped and counted. Default 1,000,000. */
  maxBytes?: number;
  /** Gzip bodies of at least `compressMinBytes` when the browser can. Default true, 1024. */
  compress?: boolean;
  compressMinBytes?: number;
  retry?: BackoffOptions;
  /** Start held: keep events in memory and send nothing until `setHeld(false)`. */
  held?: boolean;
  /** Failed attempts after which an event is dropped and counted. Default 12. */
  maxAttempts?: number;
}

/** Queues events, persists them, and delivers them in batches, retrying what fails. */
export interface Outbox {
  /** Accepts an event: O(1) on the caller's stack; persisting and sending happen later. */
  push(event: HeapEvent): void;
  /** Sends what is queued now, without waiting for the batch timer or a retry delay. */
  flush(): void;
  /** Persists everything and sends what the browser's keepalive budget allows, because the page may be going away. */
  flushOnUnload(): void;
  /** Takes over events of dead tabs and earlier page loads. */
  adopt(): Promise<void>;
  /** While held (consent pending), events are kept in memory and nothing is sent; releasing persists and sends them. */
  setHeld(held: boolean): void;
  /** Changes the events still queued (ids settled on consent); only while held. */
  rewrite(change: (event: HeapEvent) => void): void;
  /** Forgets every queued event and drop count, in memory and storage (consent denied). */
  clear(): void;
  /** Events accepted but not yet acknowledged. */
  readonly size: number;
  dispose(): void;
}

/** Largest body sent in one request, and the browser's budget for keepalive requests in flight (64 KB, with margin). */
export const MAX_BODY_BYTES = 60_000;
const MAX_IN_FLIGHT = 2;

/** Creates the outbox for one runtime. */
export function createOutbox(options: OutboxOptions): Outbox {
  const { envId, transport, now, batchSize, flushInterval, journal } = options;
  const maxEvents = options.maxEvents ?? 1000;
  const maxBytes = options.maxBytes ?? 1_000_000;
  const maxAttempts = options.maxAttempts ?? 12;
  const compressMinBytes = options.compressMinBytes ?? 1024;
  let queue: HeapEvent[] = [];
  let fresh: HeapEvent[] = [];
  const inFlight = new Set<HeapEvent[]>();
  const attempts = new WeakMap<HeapEvent, number>();
  const drops = new Map<DropReport['reason'], number>();
  let sendTimer: ReturnType<typeof setTimeout> | undefined;
  let sendDue = Infinity;
  let persistTimer: ReturnType<typeof setTimeout> | undefined;
  let notBefore = 0;
  let chunkLimit = batchSize;
  let keepaliveBytes = 0;
  let offline = typeof navigator !== 'undefined' && navigator.onLine === false;
  let probed = false;
  let disposed = false;
  let held = options.held === true;

  const inFlightCount = () => {
    let n = 0;
    for (const chunk of inFlight) n += chunk.length;
    return n;
  };

  function drop(reason: DropReport['reason'], events: HeapEvent[] | number) {
    const count = typeof events === 'number' ? events : events.length;
    if (!count) return;
    drops.set(reason, (drops.get(reason) ?? 0) + count);
    if (typeof events !== 'number') journal?.settle(events);
    journal?.saveDrops(drops);
  }

  function takeDrops(): DropReport[] {
    const list = [...drops].map(([reason, count]) => ({ reason, count }));
    drops.clear();
    return list;
  }

  function schedule(delay: number) {
    if (disposed) return;
    const due = Math.max(Date.now() + delay, notBefore);
    if (sendTimer !== undefined && sendDue <= due) return;
    if (sendTimer !== undefined) clearTimeout(sendTimer);
    sendDue = due;
    sendTimer = setTimeout(() => {
      sendTimer = undefined;
      sendDue = Infinity;
      pump();
    }, Math.max(0, due - Date.now()));
  }

  /**
   * Writes newly accepted events to storage and enforces the caps, off the caller's stack. The caps bound what
   * waits while the collector cannot be reached (or consent is pending): a burst while delivery works is kept
   * whole, and only its part within `maxBytes` is saved.
   */
  function persist() {
    if (persistTimer !== undefined) clearTimeout(persistTimer);
    persistTimer = undefined;
    // Segments of one batch each: an acknowledgement then removes whole segments instead of rewriting a big one.
    for (let i = 0; journal && i < fresh.length && journal.bytes < maxBytes; i += batchSize) {
      journal.append(fresh.slice(i, i + batchSize));
    }
    fresh = [];
    if (held || offline || Date.now() < notBefore) enforceCaps();
  }

  /** Drops the oldest waiting events beyond the caps, counted (at most two batches in flight come on top). */
  function enforceCaps() {
    let excess = queue.length - maxEvents;
    while (queue.length && (excess > 0 || (journal && journal.bytes > maxBytes))) {
      // Oldest first: a long outage keeps the most recent activity.
      const count = Math.max(1, Math.min(excess, queue.length));
      drop('cap', queue.splice(0, count));
      excess -= count;
    }
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

  async function send(chunk: HeapEvent[], body: string, dropped: DropReport[], keepalive: boolean) {
    let payload: BodyInit = body;
    let query = '';
    if (options.compress !== false && body.length >= compressMinBytes && !keepalive) {
      const zipped = await gzip(body);
      if (zipped) {
        payload = zipped as Uint8Array<ArrayBuffer>;
        query = 'encoding=gzip';
      }
    }
    const size = typeof payload === 'string' ? payload.length : (payload as Uint8Array).byteLength;
    const useKeepalive = keepalive || size + keepaliveBytes <= MAX_BODY_BYTES / MAX_IN_FLIGHT;
    if (useKeepalive) keepaliveBytes += size;
    const delivery = await transport.send(payload, query, useKeepalive);
    if (useKeepalive) keepaliveBytes -= size;
    settle(chunk, dropped, delivery);
  }

  function pump() {
    if (disposed || held || (offline && probed)) return;
    // While isolating a refused event, one small request at a time; otherwise full batches, two at once.
    const maxInFlight = chunkLimit < batchSize ? 1 : MAX_IN_FLIGHT;
    // Drop counts travel even without events, so the collector learns of a loss promptly.
    while ((queue.length || drops.size) && inFlight.size < maxInFlight && Date.now() >= notBefore) {
      if (fresh.length) persist();
      if (offline) probed = true;
      const dropped = takeDrops();
      const { chunk, body } = nextBody(queue, chunkLimit, dropped);
      queue = queue.slice(chunk.length);
      inFlight.add(chunk);
      void send(chunk, body, dropped, false);
      if (offline) break;
    }
    if (queue.length && Date.now() < notBefore) schedule(0);
  }

  function settle(chunk: HeapEvent[], dropped: DropReport[], delivery: Delivery) {
    inFlight.delete(chunk);
    const { status } = delivery;
    if (status >= 200 && status < 300) {
      journal?.settle(chunk);
      if (dropped.length) journal?.saveDrops(drops);
      offline = false;
      probed = false;
      notBefore = 0;
      chunkLimit = Math.min(batchSize, chunkLimit * 2);
    } else {
      // The drop counts did not arrive; they go with the next batch.
      for (const d of dropped) drops.set(d.reason, (drops.get(d.reason) ?? 0) + d.count);
      if (offline || (status === 0 && typeof navigator !== 'undefined' && navigator.onLine === false)) {
        // A failed probe while offline: no attempt is counted, and nothing more is tried until the online event.
        offline = true;
        probed = true;
        requeue(chunk);
        enforceCaps();
        return;
      }
      if (status === 400 && delivery.rejectedIds) {
        const bad = new Set(delivery.rejectedIds);
        drop('rejected', chunk.filter((e) => bad.has(e.id)));
        requeue(chunk.filter((e) => !bad.has(e.id)));
      } else if (status === 400 || status === 413) {
        // Halving isolates the refused event (or fits the size limit) in a few rounds.
        if (chunk.length === 1) drop('rejected', chunk);
        else requeue(chunk);
        chunkLimit = Math.max(1, Math.ceil(chunk.length / 2));
      } else {
        const kept: HeapEvent[] = [];
        const spent: HeapEvent[] = [];
        for (const e of chunk) {
          const n = (attempts.get(e) ?? 0) + 1;
          attempts.set(e, n);
          (n < maxAttempts ? kept : spent).push(e);
        }
        drop('retries', spent);
        requeue(kept);
        const attempt = kept.reduce((max, e) => Math.max(max, attempts.get(e) ?? 1), 1);
        notBefore = Date.now() + (delivery.retryAfterMs ?? backoffDelay(attempt, options.retry));
        enforceCaps();
      }
    }
    if (queue.length || drops.size) schedule(0);
  }

  /** Puts events back, keeping capture order (ids sort by time) whichever request failed first. */
  function requeue(events: HeapEvent[]) {
    if (!events.length) return;
    queue = events.concat(queue);
    if (queue.length > events.length && queue[events.length - 1]!.id > queue[events.length]!.id) {
      queue.sort((a, b) => (a.id < b.id ? -1 : 1));
    }
  }

  const onOnline = () => {
    offline = false;
    probed = false;
    notBefore = 0;
    pump();
  };
  const onOffline = () => {
    offline = true;
    probed = false;
  };
  if (typeof addEventListener === 'function') {
    addEventListener('online', onOnline);
    addEventListener('offline', onOffline);
  }

  return {
    push(event) {
      queue.push(event);
      fresh.push(event);
      persistTimer ??= setTimeout(persist, 0);
      schedule(queue.length >= batchSize ? 0 : flushInterval);
    },
    flush() {
      notBefore = 0;
      pump();
    },
    flushOnUnload() {
      persist();
      if (held) return;
      // Send what fits in the keepalive budget now; the rest stays saved for the next page load.
      while (queue.length) {
        const dropped = takeDrops();
        const { chunk, body } = nextBody(queue, batchSize, dropped);
        if (body.length + keepaliveBytes > MAX_BODY_BYTES) {
          for (const d of dropped) drops.set(d.reason, (drops.get(d.reason) ?? 0) + d.count);
          break;
        }
        queue = queue.slice(chunk.length);
        inFlight.add(chunk);
        void send(chunk, body, dropped, true);
      }
    },
    async adopt() {
      if (!journal) return;
      const found = await journal.adopt();
      for (const d of found.drops) drops.set(d.reason, (drops.get(d.reason) ?? 0) + d.count);
      if (!found.events.length && !found.drops.length) return;
      journal.append(found.events);
      journal.saveDrops(drops);
      queue = found.events.concat(queue);
      schedule(0);
    },
    setHeld(next) {
      if (held === next) return;
      held = next;
      if (held) return;
      persist();
      journal?.resync();
      void this.adopt();
      schedule(0);
    },
    rewrite(change) {
      if (held) queue.forEach(change);
    },
    clear() {
      queue = [];
      fresh = [];
      drops.clear();
      journal?.clear();
    },
    get size() {
      return queue.length + inFlightCount();
    },
    dispose() {
      disposed = true;
      if (sendTimer !== undefined) clearTimeout(sendTimer);
      if (persistTimer !== undefined) persist();
      if (typeof removeEventListener === 'function') {
        removeEventListener('online', onOnline);
        removeEventListener('offline', onOffline);
      }
    },
  };
}
