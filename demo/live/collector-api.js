// How the live view talks to the collector that serves it: plain JSON reads and one event stream.

/** The collector's base URL; the live view page is served at `{base}/`. */
export const BASE = new URL('.', document.baseURI);

/**
 * Builds a collector URL from a path under the base and query parameters; empty values are left out.
 * @param {string} path  e.g. 'v1/events'
 * @param {Record<string, string | number | undefined>} [params]
 */
export function collectorUrl(path, params = {}) {
  const url = new URL(path, BASE);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
  }
  return url;
}

/**
 * GETs a read endpoint and returns its JSON, throwing with the collector's problem text on failure.
 * @param {string} path @param {Record<string, string | number | undefined>} [params]
 */
export async function getJson(path, params) {
  const res = await fetch(collectorUrl(path, params));
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    throw new Error(body.errors?.[0]?.problem ?? `${path} answered ${res.status}`);
  }
  return res.json();
}

/** Wait before reopening a dropped or refused stream (the collector's own `retry:` hint). */
const RETRY_MS = 2000;

/**
 * Opens the live stream of stored events; `onEvents` gets them in arrival order, a few at a time.
 * A stream that drops or is refused (a collector restarting, a proxy's 502) is reopened here, after the last event
 * seen, so nothing stored meanwhile is skipped. Only when the collector no longer knows that event (its database was
 * replaced) does it start over, with the `refill` newest events.
 * @param {Record<string, string | number | undefined>} params  env_id and filters
 * @param {{ onEvents: (events: any[], live: boolean) => void, onStatus: (status: 'connecting' | 'live' | 'reconnecting') => void,
 *   backlog: number, refill: number }} options  backlog: events a new stream starts with; refill: the same after a lost position
 * @returns {() => void} closes the stream
 */
export function openStream(params, { onEvents, onStatus, backlog, refill }) {
  /** @type {EventSource} */
  let source;
  /** @type {string | undefined} the stream's position: the last event seen, or where the stream stood when ready */
  let lastId;
  /** @type {any[]} */
  let pending = [];
  let live = false;
  let closed = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let reopenTimer;
  // One render per burst, not per event: a batch of 50 arrives as 50 messages.
  const deliver = () => {
    timer = undefined;
    const events = pending;
    pending = [];
    if (events.length) onEvents(events, live);
  };
  /** @param {string | undefined} sinceId */
  const open = (sinceId) => {
    source = new EventSource(collectorUrl('v1/stream', sinceId ? { ...params, since_id: sinceId } : { ...params, backlog: live ? refill : backlog }));
    source.onmessage = (message) => {
      lastId = message.lastEventId;
      pending.push(JSON.parse(message.data));
      timer ??= setTimeout(deliver, 50);
    };
    source.addEventListener('ready', (message) => {
      lastId = /** @type {MessageEvent} */ (message).lastEventId || lastId;
      deliver();
      live = true;
      onStatus('live');
    });
    // Reopened here rather than by EventSource: it never retries a refused stream, and a retry of its own resumes
    // from Last-Event-ID but, once that is unknown, starts over with only the first backlog and leaves a silent gap.
    source.onerror = () => {
      source.close();
      onStatus('reconnecting');
      reopenTimer = setTimeout(async () => {
        const position = lastId !== undefined && await isKnown(lastId) ? lastId : undefined;
        if (!closed) open(position);
      }, RETRY_MS);
    };
  };
  /** Whether the collector still has the event (a refused stream does not say why). @param {string} id */
  const isKnown = async (id) => {
    try {
      return (await fetch(collectorUrl('v1/events', { env_id: params.env_id, since_id: id, limit: 1 }))).status !== 400;
    } catch {
      return true; // unreachable: the position is kept, and the next stream tries again
    }
  };
  onStatus('connecting');
  open(undefined);
  return () => {
    closed = true;
    clearTimeout(timer);
    clearTimeout(reopenTimer);
    source.close();
  };
}
