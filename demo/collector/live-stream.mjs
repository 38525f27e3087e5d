import { HttpError, intParam, stringParam } from './http-util.mjs';
import { eventFilter } from './read-routes.mjs';

/** @typedef {import('./store.mjs').CollectorStore} CollectorStore */
/** @typedef {import('./store.mjs').EventFilter} EventFilter */
/** @typedef {import('node:http').IncomingMessage} IncomingMessage */
/** @typedef {import('node:http').ServerResponse} ServerResponse */

/** Events read from the store per pull; a longer backlog is sent in several pulls. */
const PAGE = 200;
/** How often open streams look for batches another process stored in the same database. */
const WATCH_MS = 1000;

/**
 * One connected stream.
 * @typedef {Object} StreamClient
 * @property {ServerResponse} res
 * @property {EventFilter} filter   the client's filter, without sinceId and limit
 * @property {string | undefined} lastId  the last event sent (or skipped as older than the stream)
 * @property {boolean} scheduled    a pull is queued
 */

/**
 * Options of createLiveStreams.
 * @typedef {Object} LiveStreamOptions
 * @property {CollectorStore} store
 * @property {number} [heartbeatMs]  interval of the keep-alive comment (default 15 s), which stops proxies timing out
 * @property {number} [maxClients]   streams open at once (default 100); more are refused with 503
 * @property {(message: string, err: unknown) => void} [logError]
 */

/**
 * Creates the server-sent event streams of stored events (`GET /v1/stream`). The batch route
 * calls `notify(envId)` once its transaction has committed; each stream then reads from the store
 * what was stored after the last event it sent. So a slow client never piles events up in memory,
 * a resent duplicate is never pushed twice, and a reconnecting EventSource resumes from
 * `Last-Event-ID` without a gap.
 * @param {LiveStreamOptions} options
 */
export function createLiveStreams({ store, heartbeatMs = 15_000, maxClients = 100, logError = () => {} }) {
  /** @type {Set<StreamClient>} */
  const clients = new Set();
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let heartbeat;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let watch;
  /** @type {number | undefined} */
  let version;
  let ended = false;

  /** @param {StreamClient} client */
  function drop(client) {
    clients.delete(client);
    if (clients.size === 0) stopTimers();
  }

  function stopTimers() {
    clearInterval(heartbeat);
    clearInterval(watch);
    heartbeat = watch = undefined;
  }

  /** Wakes every stream once another process has committed to the database (its batches notify no one here). */
  function lookElsewhere() {
    try {
      const now = store.dataVersion?.();
      if (now !== version) clients.forEach(schedule);
      version = now;
    } catch (err) {
      logError('live stream read failed', err);
    }
  }

  /** Writes what was stored after the client's last event, a page at a time, pausing while the socket is full. @param {StreamClient} client */
  function pull(client) {
    client.scheduled = false;
    const { res } = client;
    if (!clients.has(client) || res.writableNeedDrain) return;
    let events;
    try {
      events = store.queryEvents({ ...client.filter, sinceId: client.lastId, limit: PAGE });
    } catch (err) {
      // The event named by lastId is gone (database replaced); no resumable position is left.
      if (/** @type {{ code?: string }} */ (err).code !== 'UNKNOWN_SINCE_ID') logError('live stream read failed', err);
      res.end();
      return;
    }
    for (const event of events) res.write(`id: ${event.id}\ndata: ${JSON.stringify(event)}\n\n`);
    if (events.length > 0) client.lastId = events[events.length - 1].id;
    if (events.length === PAGE) schedule(client);
  }

  /** @param {StreamClient} client */
  function schedule(client) {
    if (client.scheduled) return;
    client.scheduled = true;
    // Off the batch request's path: its answer must not wait for stream writes.
    setImmediate(() => pull(client));
  }

  /**
   * GET /v1/stream: server-sent events, one `message` per stored event (id = event id, data = the
   * event as /v1/events returns it). Takes the /v1/events filters, `since_id` (or the `Last-Event-ID`
   * header) to resume, and `backlog=n` to start with the n newest matching events; an `event: ready`
   * message marks the end of the backlog.
   * @param {unknown} _ctx @param {IncomingMessage} req @param {ServerResponse} res @param {URLSearchParams} query
   */
  function handle(_ctx, req, res, query) {
    if (ended) {
      res.setHeader('Retry-After', '1');
      throw new HttpError(503, 'the collector is shutting down');
    }
    if (clients.size >= maxClients) {
      res.setHeader('Retry-After', '5');
      throw new HttpError(503, `too many live streams (at most ${maxClients})`);
    }
    /** @type {EventFilter} */
    const filter = eventFilter(query);
    const backlog = query.get('backlog') === '0' ? 0 : intParam(query, 'backlog', 0, 1000);
    const start = startingPoint(filter, stringParam(query, 'since_id'), header(req, 'last-event-id'), backlog);

    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      // nginx buffers proxied responses unless told otherwise; a buffered stream is not live.
      'X-Accel-Buffering': 'no',
    });
    res.write(`retry: 2000\n\n`);
    for (const event of start.backlog) res.write(`id: ${event.id}\ndata: ${JSON.stringify(event)}\n\n`);
    // Its id is where the stream stands, so an EventSource that got no event before reconnecting resumes from there.
    res.write(`event: ready\n${start.lastId ? `id: ${start.lastId}\n` : ''}data: ${JSON.stringify({ backlog: start.backlog.length })}\n\n`);

    /** @type {StreamClient} */
    const client = { res, filter, lastId: start.lastId, scheduled: false };
    clients.add(client);
    res.on('drain', () => schedule(client));
    res.once('close', () => drop(client));
    heartbeat ??= setInterval(() => {
      for (const { res: open } of clients) if (!open.writableNeedDrain) open.write(': ping\n\n');
    }, heartbeatMs).unref();
    if (!watch && store.dataVersion) {
      version = store.dataVersion();
      watch = setInterval(lookElsewhere, WATCH_MS).unref();
    }
    // Events stored between the starting point and now.
    schedule(client);
  }

  /**
   * Where a new stream starts: after Last-Event-ID when it is known, after since_id (400 when unknown),
   * or (an unknown Last-Event-ID: the database may have been replaced) at the newest event, with the
   * `backlog` newest matching events sent first.
   * @param {EventFilter} filter @param {string | undefined} sinceId @param {string | undefined} lastEventId @param {number} backlog
   * @returns {{ lastId: string | undefined, backlog: import('./store.mjs').StoredEvent[] }}
   */
  function startingPoint(filter, sinceId, lastEventId, backlog) {
    const known = (/** @type {string} */ id) => {
      try {
        store.queryEvents({ envId: filter.envId, sinceId: id, limit: 1 });
        return true;
      } catch (err) {
        if (/** @type {{ code?: string }} */ (err).code === 'UNKNOWN_SINCE_ID') return false;
        throw err;
      }
    };
    // Last-Event-ID first: an EventSource reconnects to the URL it was opened with (since_id and all), and has seen up to it.
    if (lastEventId !== undefined && known(lastEventId)) return { lastId: lastEventId, backlog: [] };
    if (sinceId !== undefined) {
      if (!known(sinceId)) throw new HttpError(400, 'since_id names no stored event');
      return { lastId: sinceId, backlog: [] };
    }
    const newest = store.queryEvents({ envId: filter.envId, limit: 1, order: 'desc' })[0]?.id;
    if (backlog === 0) return { lastId: newest, backlog: [] };
    const events = store.queryEvents({ ...filter, limit: backlog, order: 'desc' }).reverse();
    // Continue after the newest event overall: newer non-matching events need not be read again.
    return { lastId: newest, backlog: events };
  }

  return {
    handle,
    /** Tells the streams of an env id that a batch was stored; call after the transaction commits. @param {string} envId */
    notify(envId) {
      for (const client of clients) if (client.filter.envId === envId) schedule(client);
    },
    /** Ends every stream and refuses new ones; for shutdown, so open streams do not hold the server open. */
    end() {
      ended = true;
      for (const client of clients) client.res.end();
      clients.clear();
      stopTimers();
    },
    /** Number of open streams. */
    get size() {
      return clients.size;
    },
  };
}

/** @param {IncomingMessage} req @param {string} name */
function header(req, name) {
  const value = req.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
