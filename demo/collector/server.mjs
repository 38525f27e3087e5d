import { createServer } from 'node:http';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createCollector } from './handler.mjs';

// Past this, shutdown stops waiting for slow clients and cuts their connections.
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * Starts the standalone collector configured like the process environment
 * (PORT, HOST, DB_FILE, ALLOWED_ORIGINS, BODY_LIMIT, DECODED_LIMIT, BASE_PATH, TESTING);
 * use PORT=0 in tests.
 * @param {Record<string, string | undefined>} [env]
 * @returns {Promise<{ url: string, close: () => Promise<void>, collector: ReturnType<typeof createCollector> }>}
 */
export async function startServer(env = process.env) {
  const port = portOf(env.PORT, 8787);
  const collector = createCollector({
    basePath: env.BASE_PATH || undefined,
    dbFile: env.DB_FILE || './heap-analytics.sqlite',
    allowedOrigins: parseOrigins(env.ALLOWED_ORIGINS),
    bodyLimit: positiveInt(env.BODY_LIMIT, 'BODY_LIMIT'),
    decodedLimit: positiveInt(env.DECODED_LIMIT, 'DECODED_LIMIT'),
    testing: env.TESTING === '1' || env.TESTING === 'true',
  });
  let closing = false;
  /** @type {Set<import('node:http').ServerResponse>} */
  const active = new Set();
  const server = createServer((req, res) => {
    // Keep-alive sockets would hold shutdown open until they time out.
    if (closing) res.shouldKeepAlive = false;
    active.add(res);
    res.once('close', () => active.delete(res));
    collector.handle(req, res);
  });
  collector.answerExpectContinue(server);
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, env.HOST || '127.0.0.1', () => resolve(undefined));
  }).catch(async (err) => {
    // The port is taken or the host is not this machine's: the database opened for nothing is closed again.
    await collector.close();
    throw err;
  });
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  /** @type {Promise<void> | undefined} */
  let closed;
  return {
    url: `http://${host}:${address.port}${collector.basePath}`,
    collector,
    /** Stops accepting, lets in-flight requests finish, then closes the database. */
    close() {
      closed ??= (async () => {
        closing = true;
        // Live streams never finish on their own; ended now, their connections close like the rest.
        collector.endStreams();
        for (const res of active) if (!res.headersSent) res.shouldKeepAlive = false;
        const stopped = new Promise((resolve) => server.close(() => resolve(undefined)));
        server.closeIdleConnections();
        const timer = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
        await stopped;
        clearTimeout(timer);
        await collector.close();
      })();
      return closed;
    },
  };
}

/**
 * The origins ALLOWED_ORIGINS lists, as browsers send them (`https://www.example.com:443/` is `https://www.example.com`);
 * throws on an entry that is no origin: `www.example.com` matched no browser's Origin, and every batch got 403.
 * @param {string | undefined} value @returns {string[] | '*'}
 */
function parseOrigins(value) {
  if (value === undefined || value.trim() === '' || value.trim() === '*') return '*';
  return value.split(',').map((entry) => entry.trim()).filter(Boolean).map((entry) => {
    let origin = 'null';
    try {
      origin = entry === '*' ? entry : new URL(entry).origin;
    } catch {
      // Not a URL at all: said below.
    }
    if (origin === 'null') throw new Error(`ALLOWED_ORIGINS must list origins such as https://www.example.com, separated by commas; got ${JSON.stringify(entry)}`);
    return origin;
  });
}

/**
 * The port PORT names (0 for any free one), or `fallback` when it is unset or blank; throws on anything else, which
 * Node's listen() reported as a stack trace about `options.port` (`PORT=abc`), or took as port 0 (`PORT=" "`).
 * @param {string | undefined} value @param {number} fallback
 */
export function portOf(value, fallback) {
  if (value === undefined || value.trim() === '') return fallback;
  const port = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || port > 65535) throw new Error(`PORT must be a port number from 0 to 65535, got ${JSON.stringify(value)}`);
  return port;
}

/** @param {string | undefined} value @param {string} name */
function positiveInt(value, name) {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

function isMain() {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  const running = await startServer().catch((/** @type {unknown} */ err) => {
    // A setting or the database file is wrong: one line that says which, not a stack trace through better-sqlite3.
    console.error(`[heap-analytics collector] cannot start: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  });
  console.log(`[heap-analytics collector] listening on ${running.url}`);
  console.log(`[heap-analytics collector] live view: ${running.url}/`);
  const stop = async (/** @type {string} */ signal) => {
    console.log(`[heap-analytics collector] ${signal}: finishing in-flight requests`);
    await running.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
