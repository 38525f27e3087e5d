import { handleBatch } from './batch-route.mjs';
import { answerPreflight, createOriginCheck, setCorsHeaders } from './cors.mjs';
import { createFaults } from './faults.mjs';
import { HttpError, responseDone, sendProblem } from './http-util.mjs';
import { handleLiveAsset, handleLivePage, handleLiveRedirect } from './live-route.mjs';
import { createLiveStreams } from './live-stream.mjs';
import { handleCounts, handleDrops, handleEnvs, handleEvents, handleUsers } from './read-routes.mjs';
import { createRequestLog } from './request-log.mjs';
import { createSqliteStore } from './sqlite-store.mjs';
import { handleRequests, handleReset, handleSetFaults } from './test-routes.mjs';

/** @typedef {import('node:http').IncomingMessage} IncomingMessage */
/** @typedef {import('node:http').ServerResponse} ServerResponse */
/** @typedef {import('./store.mjs').CollectorStore} CollectorStore */

/**
 * Options of createCollector; every field is optional.
 * @typedef {Object} CollectorOptions
 * @property {string} [basePath]   path prefix the collector answers under (default '/__collect'; its leading slash may be left out)
 * @property {CollectorStore} [store]  default: a SQLite store on `dbFile`
 * @property {string} [dbFile]     SQLite file for the default store (default ':memory:')
 * @property {string[] | '*'} [allowedOrigins]  origins allowed by CORS (default '*')
 * @property {number} [bodyLimit]   max raw body bytes (default 1 MiB), 413 past it
 * @property {number} [decodedLimit]  max gunzipped bytes (default 5 MiB), 413 past it
 * @property {boolean} [testing]   enables the /_test/* endpoints (default false)
 * @property {number} [maxStreams]  live streams (GET /v1/stream) open at once (default 100)
 * @property {number} [heartbeatMs] keep-alive comment interval of live streams (default 15 s)
 * @property {() => number} [now]  clock in ms (default Date.now)
 * @property {(message: string, err: unknown) => void} [logError]  where unexpected errors go (default console.error)
 */

/**
 * What routes get from the collector.
 * @typedef {Object} CollectorContext
 * @property {CollectorStore} store
 * @property {() => number} now
 * @property {number} bodyLimit
 * @property {number} decodedLimit
 * @property {boolean} testing
 * @property {ReturnType<typeof createFaults>} faults
 * @property {ReturnType<typeof createRequestLog>} requestLog
 * @property {ReturnType<typeof createLiveStreams>} streams
 */

/** @typedef {(ctx: CollectorContext, req: IncomingMessage, res: ServerResponse, query: URLSearchParams, path: string) => unknown} Route */

/** @type {Record<string, Record<string, Route>>} */
const ROUTES = {
  '': { GET: handleLiveRedirect, HEAD: handleLiveRedirect },
  '/': { GET: handleLivePage, HEAD: handleLivePage },
  '/v1/batch': { POST: handleBatch },
  '/v1/stream': { GET: (ctx, req, res, query) => ctx.streams.handle(ctx, req, res, query) },
  '/v1/envs': { GET: handleEnvs },
  '/v1/events': { GET: handleEvents },
  '/v1/users': { GET: handleUsers },
  '/v1/counts': { GET: handleCounts },
  '/v1/drops': { GET: handleDrops },
};

/** The live view's files: every path under /live/. */
const LIVE_ASSETS = { GET: handleLiveAsset, HEAD: handleLiveAsset };

/** @type {Record<string, Record<string, Route>>} */
const TEST_ROUTES = {
  '/_test/faults': { POST: handleSetFaults },
  '/_test/requests': { GET: handleRequests },
  '/_test/reset': { POST: handleReset },
};

/**
 * Creates the reference collector: one connect-style `handle` shared by vite, the
 * test runner and the standalone server.
 * @param {CollectorOptions} [options]
 */
export function createCollector(options = {}) {
  // One leading slash and none at the end: BASE_PATH=collect matched no request path, and every request got a 404.
  const basePath = (options.basePath ?? '/__collect').replace(/^\/*/, '/').replace(/\/+$/, '');
  const now = options.now ?? Date.now;
  const logError = options.logError ?? ((message, err) => console.error(`[heap-analytics collector] ${message}`, err));
  const store = options.store ?? createSqliteStore({ file: options.dbFile ?? ':memory:' });
  const originAllowed = createOriginCheck(options.allowedOrigins ?? '*');
  const testing = options.testing === true;
  /** @type {CollectorContext} */
  const ctx = {
    store,
    now,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    decodedLimit: options.decodedLimit ?? 5 * 1024 * 1024,
    testing,
    faults: createFaults(now),
    requestLog: createRequestLog(),
    streams: createLiveStreams({ store, maxClients: options.maxStreams, heartbeatMs: options.heartbeatMs, logError }),
  };
  /** @type {Set<Promise<void>>} */
  const inFlight = new Set();
  let closing = false;

  /**
   * Answers requests under basePath and passes the rest to `next` (404 without one);
   * resolves once the response is finished.
   * @param {IncomingMessage} req
   * @param {ServerResponse} res
   * @param {(err?: unknown) => unknown} [next]
   * @returns {Promise<void>}
   */
  function handle(req, res, next) {
    const own = locate(req);
    if (!own) {
      if (next) return Promise.resolve(next()).then(() => {});
      sendProblem(res, 404, 'not found');
      return responseDone(res);
    }
    const work = serve(req, res, own.path, own.query);
    inFlight.add(work);
    return work.finally(() => inFlight.delete(work));
  }

  /**
   * The path under basePath and the query of a request to the collector; null for other requests.
   * @param {IncomingMessage} req
   */
  function locate(req) {
    let url;
    try {
      url = new URL(req.url?.startsWith('/') ? `http://collector${req.url}` : (req.url ?? '/'));
    } catch {
      return null;
    }
    if (url.pathname !== basePath && !url.pathname.startsWith(`${basePath}/`)) return null;
    return { path: url.pathname.slice(basePath.length), query: url.searchParams };
  }

  /**
   * @param {IncomingMessage} req
   * @param {ServerResponse} res
   * @param {string} path
   * @param {URLSearchParams} query
   */
  async function serve(req, res, path, query) {
    // An aborted upload emits 'error' on the request; unhandled it would end the process.
    req.on('error', () => {});
    const done = responseDone(res);
    try {
      await route(req, res, path, query);
    } catch (err) {
      if (err instanceof HttpError) {
        sendProblem(res, err.status, err.message);
      } else {
        try {
          logError(`${req.method} ${req.url} failed`, err);
        } catch {
          // A broken logger must not take the answer down with it.
        }
        if (res.headersSent) res.destroy();
        else sendProblem(res, 500, 'internal error');
      }
    }
    if (!res.headersSent && !res.destroyed && !res.socket?.destroyed) sendProblem(res, 500, 'no answer');
    await done;
  }

  /**
   * @param {IncomingMessage} req
   * @param {ServerResponse} res
   * @param {string} path
   * @param {URLSearchParams} query
   */
  async function route(req, res, path, query) {
    const allowed = originAllowed(req);
    if (req.method === 'OPTIONS') {
      if (!allowed) throw new HttpError(403, 'origin not allowed');
      answerPreflight(req, res);
      return;
    }
    if (!allowed) throw new HttpError(403, 'origin not allowed');
    setCorsHeaders(req, res);
    if (closing) {
      res.setHeader('Retry-After', '1');
      throw new HttpError(503, 'the collector is shutting down');
    }
    const methods = ROUTES[path]
      ?? (testing ? TEST_ROUTES[path] : undefined)
      ?? (path.startsWith('/live/') ? LIVE_ASSETS : undefined);
    if (!methods) throw new HttpError(404, 'not found');
    const handler = methods[req.method ?? 'GET'];
    if (!handler) {
      res.setHeader('Allow', Object.keys(methods).join(', '));
      throw new HttpError(405, `use ${Object.keys(methods).join(' or ')}`);
    }
    await handler(ctx, req, res, query, path);
  }

  return {
    handle,
    store,
    basePath,
    /**
     * Makes a Node http server answer `Expect: 100-continue` itself: a request to the collector declaring a body past
     * bodyLimit gets its 413 at once, so the client never uploads it (Node would say 100 Continue first); every other
     * request gets its 100 Continue and goes on to the server's 'request' listeners.
     * @param {import('node:http').Server} server
     */
    answerExpectContinue(server) {
      server.on('checkContinue', (req, res) => {
        if (Number(req.headers['content-length']) > ctx.bodyLimit && locate(req)) {
          // Its body never comes: the connection cannot carry another request after this one.
          res.shouldKeepAlive = false;
          handle(req, res);
        } else {
          res.writeContinue();
          server.emit('request', req, res);
        }
      });
    },
    /** Ends the live streams and refuses new ones; hosts that wait for connections to close call this first. */
    endStreams() {
      ctx.streams.end();
    },
    /** Stops answering, ends the live streams, waits for in-flight requests, then closes the store. */
    async close() {
      closing = true;
      ctx.streams.end();
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      store.close();
    },
  };
}

/**
 * Wraps a collector as Koa middleware, for @web/test-runner and other Koa hosts.
 * @param {{ handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>, basePath: string }} collector
 * @returns {(ctx: any, next: () => Promise<unknown>) => Promise<unknown>}
 */
export function koaMiddleware(collector) {
  const base = collector.basePath;
  return async (ctx, next) => {
    if (!ctx.url.startsWith(base)) return next();
    ctx.respond = false;
    await collector.handle(ctx.req, ctx.res);
  };
}
