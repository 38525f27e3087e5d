import { warnOnce } from './warn.ts';

/**
 * What became of one request to the collector: the HTTP status (0 when the request failed on the network or timed
 * out; 502 for a 2xx whose body is not JSON), the milliseconds the collector asked us to wait (Retry-After) when it did (else undefined, NaN, or 0 or less), and the ids its
 * answer's errors name, whatever the status (the outbox heeds them on a 400 only, and only those of the request's events).
 */
export type Delivery = [status: number, retryAfterMs?: number, namedIds?: unknown[] | void];

/** Sends a request body to the collector; `gzipped` marks a gzip body (with `encoding=gzip` in the query). */
export type Transport = (body: BodyInit, gzipped: boolean, keepalive: boolean) => Promise<Delivery>;

/** Longest a request may take before it counts as failed. */
const TIMEOUT_MS = 15_000;
/** Longest Retry-After we honour, so a misconfigured collector cannot park events for days. */
const MAX_RETRY_AFTER_MS = 10 * 60_000;

/**
 * A transport over fetch (keepalive when asked) for one collector URL (the `endpoint` setting; none, or not a string,
 * is the default). An answer that only a change to the page or the collector ends is told on the console, once.
 */
export function createFetchTransport(endpoint: unknown): Transport {
  // Spaces around the attribute's value: fetch trims a URL, but not once `?encoding=gzip` follows it, and every
  // compressed batch went to `/v1/batch%20`, a 404, while the small ones arrived. An empty attribute (a template's
  // missing value) reads as `true`, which was sent to a page named `true`: it is none.
  const url = (typeof endpoint == 'string' && endpoint.trim()) || '/__collect/v1/batch';
  return async (body, gzipped, keepalive) => {
    try {
      const res = await fetch(gzipped ? `${url}${url.includes('?') ? '&' : '?'}encoding=gzip` : url, {
        method: 'POST',
        body,
        keepalive,
        headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
        credentials: 'omit',
        // Browsers older than AbortSignal.timeout (Safari 15) wait for their own network timeout instead.
        signal: AbortSignal.timeout?.(TIMEOUT_MS),
      });
      // Retry-After in seconds or as an HTTP date. No header reads as 0 seconds, then as the date "null", which is none
      // (NaN). "0" read as a date is long past, or none where a browser cannot read it. A date read on the visitor's
      // clock is past when that clock is fast: a wait of 0 then sent twelve retries at once, and the events were
      // dropped within a second while the collector asked for seconds. No wait ahead is none: the outbox's own
      // backoff then (at most a second after a first failure).
      const header = res.headers.get('Retry-After');
      // Reading the body to the end releases the browser's keepalive budget held by this request. A 400 may name the
      // events it refused (an id that is no string names none: the outbox compares them with its events' ids); without
      // usable ids the outbox bisects the batch instead. The first problem it names goes to the console: a 400's says
      // what the collector refused.
      let problem = '';
      const ids = await res
        .json()
        .then((body: { errors?: { id?: unknown; problem?: unknown }[] }) => body.errors?.map((e) => ((problem ||= `: ${e.problem}`), e.id)) ?? [])
        .catch(() => {});
      // Without a readable Retry-After, NaN (the outbox then backs off on its own, as for a wait of 0 or less); a date's
      // wait runs from when the answer was read, where the outbox starts it. A 2xx
      // whose body is no JSON is not the collector's acknowledgement but a proxy's page, or the login page a redirect
      // ended on (a POST redirected by 301, 302 or 303 arrives as a GET): a 502, retried. Taken as delivered, its
      // events were forgotten, and no count told of them.
      const status = res.status;
      // Told on the console, as nothing else showed them: a 400, whose events are dropped (an env id the reference
      // collector does not take, over 64 characters, had every event dropped, and the counts telling of them too); and
      // an answer that is not the collector's, retried for an hour while no event arrived: a 2xx that is no JSON, any
      // other 4xx but those that ask to wait (408, 429) or to split the batch (413). A 5xx is an outage, which ends.
      if (res.ok ? !ids : status < 500 && status != 408 && status != 413 && status != 429)
        warnOnce('delivery-failed', `${url} answered ${status}${problem}. A 400 refuses events as invalid: they were dropped and counted as "rejected"; change what the collector names. Any other such answer is not the collector's: check the endpoint setting (the collector's /v1/batch URL, not one that redirects) and that the collector allows this site; the events are kept and sent again.`);
      return [res.ok && !ids ? 502 : status, Math.min(+header! * 1000 || Date.parse(header!) - Date.now(), MAX_RETRY_AFTER_MS), ids];
    } catch {
      // No answer while online: the collector is down, or the browser blocked the request, with a console error of its
      // own that does not say the events wait. Offline, none is expected.
      if (navigator.onLine)
        warnOnce('collector-unreachable', `no answer from ${url}: the collector is down or took over 15 s, or the browser blocked the request (its own error above says why: a collector that does not allow this site (CORS), an http: collector on an https: page, a Content-Security-Policy connect-src without it). The events are kept and sent again.`);
      return [0];
    }
  };
}
