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

/**
 * Opens the live stream of stored events; `onEvents` gets them in arrival order, a few at a time.
 * EventSource reconnects by itself and resumes after the last event it saw (Last-Event-ID); a stream refused
 * outright is reopened here, a few seconds later.
 * @param {Record<string, string | number | undefined>} params  env_id, filters, backlog
 * @param {{ onEvents: (events: any[], live: boolean) => void, onStatus: (status: 'connecting' | 'live' | 'reconnecting') => void }} handlers
 * @returns {() => void} closes the stream
 */
export function openStream(params, { onEvents, onStatus }) {
  /** @type {EventSource} */
  let source;
  /** @type {string | undefined} */
  let lastId;
  /** @type {any[]} */
  let pending = [];
  let live = false;
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
    source = new EventSource(collectorUrl('v1/stream', sinceId ? { ...params, since_id: sinceId } : params));
    source.onmessage = (message) => {
      lastId = message.lastEventId;
      pending.push(JSON.parse(message.data));
      timer ??= setTimeout(deliver, 50);
    };
    source.addEventListener('ready', () => {
      deliver();
      live = true;
      onStatus('live');
    });
    source.onerror = () => {
      onStatus('reconnecting');
      if (source.readyState !== EventSource.CLOSED) return;
      // EventSource never retries a refused stream (a proxy's 502 while the collector restarts, a busy collector's 503):
      // reopen, after the last event seen unless that failed (a replaced database does not know it).
      reopenTimer = setTimeout(() => open(sinceId ? undefined : lastId), 3000);
    };
  };
  onStatus('connecting');
  open(undefined);
  return () => {
    clearTimeout(timer);
    clearTimeout(reopenTimer);
    source.close();
  };
}
