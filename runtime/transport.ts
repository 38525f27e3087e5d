/** What became of one request to the collector. */
export interface Delivery {
  /** The HTTP status, or 0 when the request failed on the network or timed out. */
  status: number;
  /** Milliseconds the collector asked us to wait (Retry-After), when it did. */
  retryAfterMs?: number;
  /** Event ids the collector refused as invalid (a 400 that names them). */
  rejectedIds?: string[];
}

/** Sends request bodies to the collector. */
export interface Transport {
  send(body: BodyInit, query: string, keepalive: boolean): Promise<Delivery>;
  /** Queues a body with sendBeacon; false when the browser refused it. */
  beacon(body: BodyInit, query: string): boolean;
}

/** Longest a request may take before it counts as failed. */
const TIMEOUT_MS = 15_000;
/** Longest Retry-After we honour, so a misconfigured collector cannot park events for days. */
const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** Reads a Retry-After header given in seconds or as an HTTP date. */
export function parseRetryAfter(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

/** A transport over fetch (keepalive when asked) and sendBeacon, for one collector URL. */
export function createFetchTransport(endpoint: string): Transport {
  const url = (query: string) => (query ? `${endpoint}${endpoint.includes('?') ? '&' : '?'}${query}` : endpoint);
  return {
    async send(body, query, keepalive) {
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
      try {
        const res = await fetch(url(query), {
          method: 'POST',
          body,
          keepalive,
          headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
          credentials: 'omit',
          signal: abort.signal,
        });
        const delivery: Delivery = { status: res.status, retryAfterMs: parseRetryAfter(res.headers.get('Retry-After'), Date.now()) };
        // Reading the body to the end releases the browser's keepalive budget held by this request.
        if (res.status === 400) delivery.rejectedIds = await readRejectedIds(res);
        else await res.text().catch(() => '');
        return delivery;
      } catch {
        return { status: 0 };
      } finally {
        clearTimeout(timer);
      }
    },
    beacon(body, query) {
      try {
        return typeof navigator !== 'undefined' && typeof navigator.sendBeacon === 'function' && navigator.sendBeacon(url(query), body);
      } catch {
        return false;
      }
    },
  };
}

async function readRejectedIds(res: Response): Promise<string[] | undefined> {
  try {
    const body = (await res.json()) as { errors?: { id?: unknown }[] };
    const ids = (body.errors ?? []).map((e) => e.id).filter((id): id is string => typeof id === 'string');
    return ids.length ? ids : undefined;
  } catch {
    return undefined;
  }
}
