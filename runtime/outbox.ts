import { backoffDelay, type BackoffOptions } from './backoff.ts';
import { eventJson, forget, takeBatch, type DropCounts } from './batch.ts';
import { gzip } from './compress.ts';
import { documentText } from './dom.ts';
import { randomNumericId } from './ids.ts';
import type { Journal } from './journal.ts';
import { createFetchTransport, type Transport } from './transport.ts';
import type { HeapConfig, HeapEvent } from './types.ts';
import { positive } from './validate.ts';
import { warnOnce } from './warn.ts';

/**
 * The delivery settings of the page's config as given (checked and defaulted here, as the README's delivery section
 * documents), and what tests inject.
 */
export interface OutboxOptions extends Pick<HeapConfig, 'endpoint' | 'batchSize' | 'flushInterval' | 'maxEvents' | 'maxBytes' | 'compress'> {
  /** Sends a request; by default a fetch to the endpoint (tests inject one). */
  transport?: Transport;
  retry?: BackoffOptions;
}

/**
 * Queues events, persists them, and delivers them in batches, retrying what fails. A tuple of functions the core
 * names rather than an object, whose member names would ship in the bundle.
 */
export type Outbox = [
  /** Accepts an event: O(1) on the caller's stack; persisting and sending happen later. */
  push: (event: HeapEvent) => void,
  /** Sends what was captured and is queued now, without waiting for the batch timer or a retry delay. */
  flush: () => void,
  /** Ends a hold once consent is granted: `relabel` changes each held event (ids settled on consent), then they are persisted and sent. */
  grant: (relabel: (event: HeapEvent) => void) => void,
  /**
   * Forgets every queued event and drop count, in memory and storage, once consent is denied; those in flight or
   * being adopted too: a request that then fails puts nothing back, so nothing from before the denial is sent after it.
   */
  deny: () => void,
  /** Counts the events captured but not yet acknowledged: it finishes the events captured so far first. */
  size: () => number,
  /** Persists and sends what it can as at unload, then stops: the journal marks this tab gone. */
  dispose: () => void,
];

/** Largest body sent in one request, and the browser's budget for keepalive requests in flight (64 KB, with margin). */
export const MAX_BODY_BYTES = 60_000;
/**
 * The most characters of one request as the page goes. The keepalive budget is the page's, other tags' requests in
 * flight included (sendBeacon's too, in Chromium): one request of up to 60 KB was refused whole once another tag's
 * took part of it, and nothing went until the visitor came back. In requests this small, the oldest events go in what
 * is left; when nothing else is in flight, the context each request repeats costs a few events.
 */
const UNLOAD_CHUNK = 8000;
/** Most events one request takes from a backlog, body size permitting. */
export const MAX_BATCH = 500;
const MAX_IN_FLIGHT = 2;
/** How often the outbox looks for events left by closed tabs. */
const ADOPT_EVERY_MS = 20_000;
/**
 * An event is dropped and counted once it failed this many attempts in this page's life and was captured at least
 * OUTAGE_MS ago, on the event clock: twelve attempts alone took 3 to 5 minutes of backoff (12 s at a Retry-After of
 * 1 s), so an outage of a few minutes lost the events of an open tab.
 */
const MAX_ATTEMPTS = 12;
const OUTAGE_MS = 3_600_000;
/** The attempt number a failed probe while offline waits as: past any ceiling, so a delay up to the retry ceiling. */
const PROBE_ATTEMPT = 99;

/**
 * Creates the outbox for one runtime; it takes over what dead tabs and earlier page loads left unsent at once, and now
 * and then, and follows the page's life (network, hiding, leaving, coming back from the back/forward cache). What the
 * core provides comes as arguments, not as members of the options, whose names would ship:
 * - `allowed`: whether the visitor's consent allows sending now, asked at each use (the core's consent, the one answer
 *   the stores ask too): until it does, events are held in memory and nothing is sent.
 * - `settleCaptures`: finishes the events captured so far (the core's settle): the page going away sends them too,
 *   and `size` counts them.
 * - `now`: the event clock, for `sent_at` (the core's). Scheduling uses the monotonic clock whatever this says: the
 *   wall clock set back an hour during a backoff stalled delivery for that hour.
 */
export function createOutbox(
  options: OutboxOptions,
  envId: string,
  journal: Journal,
  allowed: () => boolean,
  settleCaptures: () => void,
  now: () => number,
): Outbox {
  const [journalAppend, journalSettle, journalAdopt, journalLeave, journalResync, journalClear, journalBytes, journalHolds, journalLock] = journal;
  const transport = options.transport ?? createFetchTransport(options.endpoint);
  // Set, the batch size caps every request; unset, 50 queued events make a batch leave at once, and a backlog leaves
  // in batches of up to MAX_BATCH (fewer requests, within the same body cap). Rounded up: 0.4 rounded made batches of
  // no event, and saving them looped for ever, hanging the page.
  const batchSize = Math.min(1000, Math.ceil(positive(options, 'batchSize', 50)));
  const maxBatch = options.batchSize === undefined ? MAX_BATCH : batchSize;
  const flushInterval = positive(options, 'flushInterval', 1000);
  // Past either cap the oldest events held are dropped and counted.
  const maxEvents = positive(options, 'maxEvents', 1000);
  const maxBytes = positive(options, 'maxBytes', 1_000_000);
  let queue: HeapEvent[] = [];
  let fresh: HeapEvent[] = [];
  // Each request's events, which come back to the queue if it fails.
  const inFlight = new Set<HeapEvent[]>();
  // Those of them still being compressed, not sent yet: as the page leaves, they go again, uncompressed and at once.
  const compressing = new Set<HeapEvent[]>();
  const attempts = new WeakMap<HeapEvent, number>();
  // Counts not acknowledged yet, by reason and report (the tab's record saves them all): each request carries them all
  // until the collector acknowledges them, which keeps each report's largest count however often it comes.
  let drops: DropCounts = {};
  // The id of the report new drops go in, until a request is acknowledged (its count, forgotten then, must not restart
  // at nought under that id). Sent counts may grow: the collector keeps the largest. A new report per request sent
  // added one per retry through an outage in a busy tab, and every request carried them all.
  let report = randomNumericId();
  let sendTimer: ReturnType<typeof setTimeout> | undefined;
  let sendDue = Infinity;
  let notBefore = 0;
  let chunkLimit = maxBatch;
  /** Failed requests in a row that carried drop counts alone, which no event's attempts count. */
  let countsFailed = 0;
  let keepaliveBytes = 0;
  // Offline once the browser says so: one request at a time then, a probe.
  let offline = globalThis.navigator?.onLine === false;
  let disposed = false;
  /** Whether the page left (pagehide) and has not come back from the back/forward cache. */
  let left = false;
  /** How many times the queue was forgotten: an adoption under way across one brings nothing back. */
  let clears = 0;

  /**
   * Counts `count` drops for `reason`, and saves the counts in the tab's record: `events` dropped (saved, or never
   * to be: see `persist`), which the journal forgets, or counts alone (those dead tabs left). A dead tab's count comes
   * with its report (`reason` is its key), and replaces one read before: it only grew in that tab (a tab that
   * looked dead without Web Locks, asleep, may be adopted twice).
   */
  function drop(reason: string, events: HeapEvent[], count = events.length) {
    const key = reason.includes(' ') ? reason : `${reason} ${report}`;
    if (count) {
      drops[key] = (key === reason ? 0 : drops[key] ?? 0) + count;
      journalSettle(events, drops);
    }
  }

  function schedule(delay: number) {
    const due = Math.max(performance.now() + delay, notBefore);
    // A timer due as soon or sooner stands (none is due at Infinity). One set after disposal finds pump stopped.
    if (sendDue <= due) return;
    clearTimeout(sendTimer);
    sendDue = due;
    sendTimer = setTimeout(() => {
      sendDue = Infinity;
      pump();
    }, due - performance.now());
  }

  /**
   * Writes newly accepted events to storage, off the caller's stack, then enforces the caps when `capped`: they bound
   * what waits while the collector cannot be reached (or consent is pending), so a burst while delivery works is
   * kept whole, and only its part within `maxBytes` is saved (what is left of it as the page goes away is counted:
   * `leave`). Saving first leaves no unsaved event to drop: saved after its drop, an event would outlive it, and a later
   * tab would deliver it. Capped, every new event is saved before the oldest go: the newest of a burst left unsaved were
   * kept in memory alone, and lost uncounted with the tab.
   * The collector counts as unreachable from a failure to the next success (or flush), the retry's wait for an answer
   * included: events saved while a retry hung found max-bytes full, and were not saved at all.
   */
  function persist(capped: unknown = !allowed() || offline || notBefore) {
    // Segments of one batch each: an acknowledgement then removes whole segments instead of rewriting a big one.
    for (let i = 0; i < fresh.length && (capped || journalBytes() < maxBytes); i += batchSize) journalAppend(fresh.slice(i, i + batchSize));
    fresh = [];
    if (!capped) return;
    // The oldest waiting events beyond the caps go (at most two batches in flight come on top): a long outage keeps
    // the most recent activity. Counted before dropping, so storage is written once. An event larger than max-bytes
    // alone can never be held within it: it goes alone, first (counted among the oldest, it took those before along).
    const big = queue.filter((e) => eventJson(e).length > maxBytes);
    drop('cap', big);
    queue = queue.filter((e) => !big.includes(e));
    let n = 0;
    for (let over = journalBytes() - maxBytes; n < queue.length && (over > 0 || queue.length - n > maxEvents); ) {
      // What the event takes in its saved segment: its JSON and a comma.
      over -= eventJson(queue[n++]!).length + 1;
    }
    drop('cap', queue.splice(0, n));
  }

  /**
   * Sends the next batch of at most `limit` events, cut to `fit` characters; at unload only if it fits the keepalive
   * budget left, `room` (else false), and in requests of UNLOAD_CHUNK characters.
   */
  function sendNext(limit: number, unload?: boolean, room = MAX_BODY_BYTES - (unload ? keepaliveBytes : 0), fit = unload ? UNLOAD_CHUNK : room): boolean {
    const dropped = Object.entries(drops);
    const [n, body] = takeBatch(envId, queue, limit, fit, dropped, now());
    const bytes = new TextEncoder().encode(body);
    // Batches are cut by characters; the keepalive budget is in bytes, up to three per character of non-ASCII text:
    // cut again in proportion (a fraction of a character cuts the batch as its whole number does).
    if (unload && bytes.length > room) return n > 1 && sendNext(limit, unload, room, (fit * room) / bytes.length);
    const chunk = queue.splice(0, n);
    inFlight.add(chunk);
    // Sends the batch (compressed when worth it) and settles what came of it.
    void (async () => {
      // No await at unload (nothing is compressed then), so the next batch sees the keepalive budget this one took.
      // Uncompressed when compression fails.
      const payload = (options.compress !== false && bytes.length >= 1024 && !unload && (compressing.add(chunk), await gzip(bytes).catch(() => {}))) || bytes;
      compressing.delete(chunk);
      // Consent denied while it was compressed forgot the request: it does not go; nor when the page left meanwhile
      // (its events went again at once: leave).
      if (!inFlight.has(chunk)) return;
      // What this request takes of the keepalive budget: nothing when it goes without keepalive.
      const budget = unload || payload.byteLength + keepaliveBytes <= MAX_BODY_BYTES / MAX_IN_FLIGHT ? payload.byteLength : 0;
      keepaliveBytes += budget;
      const [status, retryAfterMs, ids] = await transport(payload, payload !== bytes, budget > 0);
      keepaliveBytes -= budget;
      // The events a 400 refused by name. Ids of no event the request carried (a proxy's, or a request carrying drop
      // counts alone) name none: kept as named, the request was resent at once, again and again.
      const rejectedIds = status === 400 && chunk.some((e) => ids?.includes(e.id)) && ids;

      // What came of it: nothing once consent was denied meanwhile, which forgot the request (nothing from before the
      // denial is sent after it).
      if (!inFlight.delete(chunk)) return;
      // Only a request that got no answer is a failed probe: one the collector answered (a 503) shows the network up,
      // whatever navigator.onLine says (wrong on some machines), and waiting for an online event then stalled for good.
      // A failed probe while offline counts no attempt.
      offline = !status && (offline || globalThis.navigator?.onLine === false);
      const ok = status >= 200 && status < 300;
      const refused = status === 400 || status === 413;
      // Acknowledged, or refused whole: a 400 that names no event refuses the drop counts too. Sent again, counts a page
      // made unreadable (Prototype.js's Array.prototype.toJSON turns them into a string) would sink every later batch, and
      // alone go round without a pause. A count an adoption raised meanwhile goes again.
      // The counts it carried leave the tab's record: rewritten with those still unacknowledged (one small write per
      // request), and its events once acknowledged. Refused counts left there were sent again by a tab adopting it.
      // A 413 to counts alone refuses them too: they cannot be split, and were resent at once, hundreds of times a second.
      if (ok || (refused && !rejectedIds && (status === 400 || !chunk.length))) {
        for (const [key, count] of dropped) if (drops[key] === count) delete drops[key];
        report = randomNumericId();
        journalSettle(ok ? chunk : [], drops);
      }
      if (ok) {
        notBefore = countsFailed = 0;
        chunkLimit = Math.min(maxBatch, chunkLimit * 2);
      } else {
        // Refused (400, 413): the events the collector named are dropped (named ids count only on a 400), or
        // else the one event a halving isolated. Failed otherwise: those out of attempts are.
        const kept: HeapEvent[] = [];
        const spent: HeapEvent[] = [];
        // Counts alone back off further at each failure: starting over at the first delay, an outage that outlasted the
        // retries had them sent every second or so for as long as it lasted.
        let attempt = chunk.length ? 1 : ++countsFailed;
        for (const e of chunk) {
          // Neither a failed probe (offline now) nor a send as the page hides counts an attempt: one each time the
          // visitor switched tabs dropped events within seconds of an outage, long before the backoff's attempts ran out.
          const n = (attempts.get(e) ?? 0) + (unload || refused || offline ? 0 : 1);
          attempts.set(e, n);
          ((rejectedIds ? !rejectedIds.includes(e.id) : refused ? chunk.length > 1 : n < MAX_ATTEMPTS || now() - e.time < OUTAGE_MS) ? kept : spent).push(e);
          // The backoff follows the longest-failing event, the spent ones too: the collector has been failing as long
          // for those kept, so they wait the longest delay (as the next attempt of the oldest kept soon would).
          attempt = Math.max(attempt, n);
        }
        // An event a 413 refused even alone is too large for the collector whatever it is sent with: counted apart from
        // those refused as invalid, and the page is told, since nothing else shows it (the 413 was silent).
        drop(status === 413 ? 'size' : refused ? 'rejected' : 'retries', spent);
        if (status === 413 && spent[0]) {
          warnOnce('event-too-large', `the collector refused an event of ${payload.byteLength} bytes as too large (413); it was dropped and counted (reason "size"). Many or long properties make an event this large.`);
        }
        requeue(kept);
        if (!refused) {
          // The collector's wait when it named one ahead (none reads as undefined, NaN, or 0 or less: transport.ts).
          // Offline, the next probe waits a delay at the retry ceiling: stopping until the online event stalled the tab
          // for good where navigator.onLine is wrongly false, or the event never came.
          notBefore = performance.now() + (retryAfterMs! > 0 ? retryAfterMs! : backoffDelay(offline ? PROBE_ATTEMPT : attempt, options.retry));
          persist(true);
        } else if (!rejectedIds) {
          // Halving isolates the refused event (or fits the size limit) in a few rounds; one event at least, after a
          // request that carried only drop counts.
          chunkLimit = Math.ceil(chunk.length / 2) || 1;
        }
      }
      // The pump finds whether anything is left.
      schedule(0);
    })();
    return true;
  }

  function pump() {
    if (disposed || !allowed()) return;
    // Drop counts travel even without events, so the collector learns of a loss promptly: alone, once no request is out
    // (every request carries them). While isolating a refused event (small requests) or offline (probes), one request
    // at a time; otherwise full batches, two at once.
    if ((queue.length || (!inFlight.size && Object.entries(drops).length)) && inFlight.size < (offline || chunkLimit < maxBatch ? 1 : MAX_IN_FLIGHT)) {
      // Woken before the backoff ended (timers round its fractional end): try again then, for counts as for events.
      // One reading of the clock decides: with two, a tick between them left neither a request nor a timer, and
      // the outbox stalled until the next event or the page's end.
      if (performance.now() < notBefore) return schedule(0);
      // What goes is saved first (with nothing new to save, only the caps are checked, when they apply).
      persist();
      sendNext(chunkLimit);
      pump();
    }
  }

  /** Puts events back (or adopted ones in), keeping capture order (ids sort by time) whichever came first. */
  function requeue(events: HeapEvent[]) {
    // What was queued or sent is in capture order already, which keeps the sort cheap; adopted events come in no set
    // order, and may belong between queued ones.
    // Orders events as they were captured: their ids sort by time, then by a counter.
    queue = events.concat(queue).sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /** Takes over events of dead tabs and earlier page loads. */
  async function adopt() {
    const cleared = clears;
    const [events, found] = await journalAdopt();
    if (cleared !== clears || (!events.length && !found.length)) return;
    for (const [key, count] of found) drop(key, [], count);
    journalAppend(events);
    requeue(events);
    schedule(0);
  }

  /** Persists everything and sends what the browser's keepalive budget allows, because the page may be going away. */
  const flushOnUnload = () => {
    settleCaptures();
    persist();
    // Send what fits in the keepalive budget now; the rest stays saved for the next page load.
    while (allowed() && queue.length && sendNext(maxBatch, true));
  };
  const flush = () => {
    settleCaptures();
    notBefore = 0;
    pump();
  };
  const onOnline = () => {
    offline = false;
    flush();
  };
  /**
   * Persists and sends what it can as the page or the runtime goes away. What is then neither saved nor sent is lost
   * with it, and counted (it went uncounted): a burst past max-bytes while the collector answered was saved only in part.
   * Counted, they leave the queue: the page's hiding after pagehide, or its return from the back/forward cache, would
   * send them too.
   */
  const leave = (gone?: boolean) => {
    // A request still being compressed would go after the page: its events, unsaved past max-bytes, were lost uncounted.
    for (const chunk of compressing) inFlight.delete(chunk) && requeue(chunk);
    flushOnUnload();
    drop('cap', queue.filter((e) => !journalHolds(e)));
    queue = queue.filter(journalHolds);
    journalLeave(gone);
  };
  const onPageHide = () => leave((left = true));
  // Heard on the window unless a target is named; none under Node, where there is no page. visibilitychange is heard
  // where it is fired, on the document: not every browser lets it bubble up to the window. The state is read as the DOM
  // defines it: an embed named `visibilityState` would answer (dom.ts), and the flush on hiding, the last chance on
  // mobile, would never run. Listeners are added with the window's own methods, on the document too (dom.ts).
  const hooks: [string, (e: Event) => unknown, EventTarget?][] = [
    ['online', onOnline],
    ['offline', () => (offline = true)],
    ['pagehide', onPageHide],
    ['pageshow', (e) => (e as PageTransitionEvent).persisted && journalLeave((left = false))],
    ['visibilitychange', () => (journalLock(), documentText('visibilityState') === 'hidden' && flushOnUnload()), globalThis.document],
  ];
  for (const [type, hook, target = globalThis] of hooks) globalThis.addEventListener?.call(target, type, hook);
  void adopt();
  const adoptTimer = setInterval(adopt, ADOPT_EVERY_MS);

  return [
    (event) => {
      queue.push(event);
      // The first unsaved event sets the timer; one that finds nothing left to save (persisted early) does no harm.
      // Once the page left, no timer runs again: events its own pagehide or visibilitychange listeners capture after
      // ours (a document that unloads is hidden after pagehide) are saved and sent before the task ends. A hidden tab's
      // timers wait up to a minute, and the browser may freeze or discard the tab first (a phone's, in the background):
      // its events are saved before the task ends too (no visitor waits on a hidden tab's task).
      if (fresh.push(event) === 1) left ? queueMicrotask(flushOnUnload) : (documentText('visibilityState') === 'hidden' ? queueMicrotask : setTimeout)(persist);
      schedule(queue.length >= batchSize ? 0 : flushInterval);
    },
    flush,
    (relabel) => {
      for (const e of queue) {
        relabel(e);
        // Its JSON, made when it was captured, no longer matches it.
        forget(e);
      }
      // The held segments first, then the events not in one yet: each is written once.
      journalResync();
      persist();
      void adopt();
      schedule(0);
    },
    () => {
      clears++;
      queue = [];
      fresh = [];
      drops = {};
      // A report sent before may hold counts at the collector: the new ones, counted afresh, go in a new one.
      report = randomNumericId();
      inFlight.clear();
      journalClear();
    },
    () => {
      settleCaptures();
      return [...inFlight, queue].flat().length;
    },
    () => {
      leave();
      disposed = true;
      clearTimeout(sendTimer);
      clearInterval(adoptTimer);
      for (const [type, hook, target = globalThis] of hooks) globalThis.removeEventListener?.call(target, type, hook);
    },
  ];
}
