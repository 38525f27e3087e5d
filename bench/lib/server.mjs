// The bench's one loopback server: pages, SDK files, the repo's collector and a sink for the peers' requests.
// Everything a run does lives under /run/<run-id>/, so bytes and requests are counted per run whatever the SDK.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createCollector } from '../../demo/collector/handler.mjs';

const TYPES = { '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.html': 'text/html; charset=utf-8', '.json': 'application/json' };
const typeOf = (file) => TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream';

/** Bytes of an HTTP/1.1 request head as it crossed the wire (request line, headers, blank line). */
function headBytes(req) {
  let n = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`.length + 2;
  for (let i = 0; i < req.rawHeaders.length; i += 2) n += Buffer.byteLength(req.rawHeaders[i]) + 2 + Buffer.byteLength(req.rawHeaders[i + 1]) + 2;
  return n;
}

function readAll(req, limit = 16 * 1024 * 1024) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > limit) { reject(new Error('body too large')); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Turns a peer's request body into text: gzip (header or posthog's ?compression=gzip-js), base64 form bodies, or as is. */
export function decodeBody(body, url, headers) {
  let buf = body;
  const gz = (headers['content-encoding'] ?? '').includes('gzip') || /compression=gzip/.test(url);
  if (gz || (buf[0] === 0x1f && buf[1] === 0x8b)) {
    try { buf = gunzipSync(buf); } catch { /* not gzip after all */ }
  }
  let text = buf.toString('utf8');
  if (text.startsWith('data=')) {
    const data = decodeURIComponent(text.slice(5).split('&')[0].replace(/\+/g, ' '));
    text = /^[\s[{]/.test(data) ? data : Buffer.from(data, 'base64').toString('utf8');
  }
  return text;
}

/**
 * Starts the server on 127.0.0.1 (a free port). `assets` maps a name to a file; `pageFor(run)` writes a run's page;
 * `counters[sdk](text)` counts the bench's events in one decoded peer request body.
 */
export async function startServer({ assets, segmentBundles, pageFor, counters }) {
  const collector = createCollector({ testing: true, basePath: '/__collect' });
  /** @type {Map<string, any>} */
  const runs = new Map();
  let origin = '';

  const statsOf = (run) => {
    let s = runs.get(run);
    if (!s) {
      s = { posts: 0, bodyBytes: 0, headBytes: 0, scripts: {}, counts: { track: 0, click: 0, other: 0 }, lastPostAt: 0, unknown: 0 };
      runs.set(run, s);
    }
    return s;
  };

  const fileCache = new Map();
  const readCached = (file) => {
    let b = fileCache.get(file);
    if (!b) fileCache.set(file, (b = readFileSync(file)));
    return b;
  };

  function sendFile(res, file, stats) {
    const body = readCached(file);
    if (stats && /\.m?js$/.test(file)) stats.scripts[basename(file)] = body.length;
    res.writeHead(200, { 'Content-Type': typeOf(file), 'Content-Length': body.length, 'Cache-Control': 'no-store' });
    res.end(body);
  }

  async function handle(req, res) {
    const url = new URL(req.url, origin);
    const m = /^\/run\/([A-Za-z0-9_-]+)(\/.*)$/.exec(url.pathname);
    if (!m) {
      if (url.pathname === '/favicon.ico') { res.writeHead(204).end(); return; }
      if (url.pathname.startsWith('/__collect/')) return collector.handle(req, res);
      res.writeHead(404).end('not found');
      return;
    }
    const [, run, rest] = m;
    const stats = statsOf(run);

    if (rest === '/page.html') {
      const html = pageFor(run, url.searchParams);
      res.writeHead(200, { 'Content-Type': TYPES['.html'], 'Cache-Control': 'no-store' });
      res.end(html);
      return;
    }
    if (rest.startsWith('/assets/')) {
      const file = assets[rest.slice('/assets/'.length)];
      if (!file) { res.writeHead(404).end(); return; }
      sendFile(res, file, stats);
      return;
    }
    // Segment's standalone bundle: settings it would fetch from its CDN, and the chunks it loads lazily.
    if (rest.startsWith('/segment-cdn/')) {
      const sub = rest.slice('/segment-cdn'.length);
      if (/^\/v1\/projects\/[^/]+\/settings$/.test(sub)) {
        const body = JSON.stringify(segmentSettings(url.host, run));
        res.writeHead(200, { 'Content-Type': TYPES['.json'], 'Cache-Control': 'no-store' });
        res.end(body);
        return;
      }
      const chunk = /^\/analytics-next\/bundles\/([\w.-]+\.js)$/.exec(sub);
      if (chunk) {
        sendFile(res, join(segmentBundles, chunk[1]), stats);
        return;
      }
      res.writeHead(404).end();
      return;
    }
    if (rest.startsWith('/__collect/')) {
      // Ours: counted here, stored (validated, deduplicated) by the repo's collector.
      if (req.method === 'POST') {
        stats.posts++;
        stats.headBytes += headBytes(req);
        stats.bodyBytes += Number(req.headers['content-length'] ?? 0);
        stats.lastPostAt = Date.now();
      }
      req.url = rest + url.search;
      await collector.handle(req, res);
      return;
    }
    const sink = /^\/sink\/([a-z]+)(\/.*)?$/.exec(rest);
    if (sink) {
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': '*', 'Access-Control-Allow-Methods': 'POST, GET' });
        res.end();
        return;
      }
      const body = await readAll(req).catch(() => Buffer.alloc(0));
      stats.posts++;
      stats.headBytes += headBytes(req);
      stats.bodyBytes += body.length;
      stats.lastPostAt = Date.now();
      let text = '';
      try {
        text = decodeBody(body, req.url, req.headers);
        const c = counters[sink[1]]?.(text, url) ?? { track: 0, click: 0, other: 0 };
        stats.counts.track += c.track;
        stats.counts.click += c.click;
        stats.counts.other += c.other;
      } catch {
        stats.unknown++;
      }
      if (process.env.BENCH_DEBUG) console.error(`${new Date().toISOString().slice(11, 23)} [sink ${sink[1]}] ${req.method} ${req.url} ${body.length} B -> ${JSON.stringify(stats.counts)} ${text.slice(0, 300)}`);
      // A 200 each SDK reads as success (amplitude checks `code`, posthog `status`).
      const answer = JSON.stringify({ code: 200, status: 1, events_ingested: 1, payload_size_bytes: body.length, server_upload_time: Date.now() });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*' });
      res.end(answer);
      return;
    }
    if (process.env.BENCH_DEBUG) console.error(`[404] ${req.method} ${req.url}`);
    res.writeHead(404).end('not found');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;

  return {
    origin,
    /** What the collector and the sink saw for a run; ours' event counts come from the collector's store (stored once each). */
    stats(run, ours) {
      const s = statsOf(run);
      if (ours) {
        const counts = { track: 0, click: 0, other: 0 };
        for (const row of collector.store.countByName({ envId: run, bucketMs: 1e13 })) {
          if (row.name === 'bench_track') counts.track += row.count;
          else if (row.name === 'click') counts.click += row.count;
          else counts.other += row.count;
        }
        s.counts = counts;
        s.dropped = collector.store.drops(run).reduce((n, d) => n + d.count, 0);
        s.dropReasons = collector.store.drops(run);
      }
      return s;
    },
    forget(run) {
      runs.delete(run);
    },
    async close() {
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
      await collector.close();
    },
  };
}

/** The settings Segment's CDN would serve: only the Segment.io destination, pointed at this run's sink; no metrics, no remote plugins. */
function segmentSettings(host, run) {
  return {
    integrations: {
      'Segment.io': {
        apiKey: run,
        apiHost: `${host}/run/${run}/sink/segment`,
        protocol: 'http',
        unbundledIntegrations: [],
        addBundledMetadata: true,
        maybeBundledConfigIds: {},
        versionSettings: { version: '4.4.7', componentTypes: ['browser'] },
      },
    },
    plan: { track: { __default: { enabled: true, integrations: {} } }, identify: { __default: { enabled: true } }, group: { __default: { enabled: true } } },
    edgeFunction: {},
    analyticsNextEnabled: true,
    middlewareSettings: {},
    enabledMiddleware: {},
    metrics: { sampleRate: 0 },
    legacyVideoPluginsEnabled: false,
    remotePlugins: [],
  };
}
