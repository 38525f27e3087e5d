// The benchmark: each figure of issue 8 for ours, the peers and a no-SDK page, in fresh incognito contexts of the
// machine's headless Chromium, against one loopback server. Prints a table, saves bench/results.json.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';
import { renderPage } from './page.mjs';
import { prepareAssets } from './prepare.mjs';
import { report } from './report.mjs';
import { describeSdks } from './sdks.mjs';
import { startServer } from './server.mjs';

const BENCH = fileURLToPath(new URL('..', import.meta.url));
const env = process.env;
const int = (name, fallback) => (env[name] ? Math.max(1, Math.floor(Number(env[name]))) || fallback : fallback);

const CONFIG = {
  runs: int('BENCH_RUNS', 5),
  events: int('BENCH_EVENTS', 10_000),
  /** track() calls for the peers marked slow (segment: a request per event; snowplow: a queue rewritten per event). */
  slowPeerEvents: int('BENCH_SLOW_PEER_EVENTS', 1_000),
  clicks: int('BENCH_CLICKS', 1_000),
  nodes: int('BENCH_NODES', 10_000),
  /** A delivery is over when no request came for this long (for SDKs that drop or never reach the count). */
  quietMs: int('BENCH_QUIET_MS', 10_000),
  /** Longest wait for one delivery; past it the figure is taken as it stands and marked incomplete. */
  deliveryTimeoutMs: int('BENCH_DELIVERY_TIMEOUT_MS', 120_000),
  /** Longest one run (one SDK, one fresh context) may take. */
  runTimeoutMs: int('BENCH_RUN_TIMEOUT_MS', 240_000),
  settleMs: 1_000,
  figures: (env.BENCH_FIGURES ?? 'track,click,markup').split(','),
  only: env.BENCH_SDKS ? env.BENCH_SDKS.split(',') : null,
};

/** The repo's Chromium flags (scripts/chromium.mjs: loopback only, no sandbox as root), plus the bench's own. */
const { CHROMIUM_FLAGS, CHROMIUM_PATH } = await import('../../scripts/chromium.mjs').catch(() => ({
  CHROMIUM_PATH: env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  CHROMIUM_FLAGS: [
    '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-quic', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
  ],
}));
const CHROMIUM_ARGS = [
  ...CHROMIUM_FLAGS,
  '--js-flags=--expose-gc',
  // Same timer and rendering priority for every page: none of them is a background tab.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (...a) => console.error('[bench]', ...a);

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms))),
  ]);
}

/** Main-thread time so far (CDP Performance metrics, thread ticks: CPU time of the renderer's main thread), ms. */
async function mainThread(client) {
  const { metrics } = await client.send('Performance.getMetrics');
  const get = (name) => (metrics.find((m) => m.name === name)?.value ?? 0) * 1000;
  return { task: get('TaskDuration'), script: get('ScriptDuration'), layout: get('LayoutDuration') + get('RecalcStyleDuration') };
}
const delta = (a, b) => ({ task: b.task - a.task, script: b.script - a.script, layout: b.layout - a.layout });

async function heapUsed(client) {
  await client.send('HeapProfiler.collectGarbage');
  await client.send('HeapProfiler.collectGarbage');
  const { usedSize } = await client.send('Runtime.getHeapUsage');
  return usedSize;
}

/** Listeners on document and window, and live objects of the observer and element classes (after a forced GC). */
async function census(client) {
  await client.send('HeapProfiler.collectGarbage');
  const out = {};
  for (const target of ['document', 'window']) {
    const { result } = await client.send('Runtime.evaluate', { expression: target });
    const { listeners } = await client.send('DOMDebugger.getEventListeners', { objectId: result.objectId });
    out[`${target}Listeners`] = listeners.length;
    await client.send('Runtime.releaseObject', { objectId: result.objectId });
  }
  for (const cls of ['MutationObserver', 'IntersectionObserver', 'ResizeObserver', 'HTMLDivElement']) {
    const { result: proto } = await client.send('Runtime.evaluate', { expression: `${cls}.prototype` });
    const { objects } = await client.send('Runtime.queryObjects', { prototypeObjectId: proto.objectId });
    const { result } = await client.send('Runtime.callFunctionOn', { objectId: objects.objectId, functionDeclaration: 'function () { return this.length; }', returnByValue: true });
    out[cls] = result.value;
    await client.send('Runtime.releaseObject', { objectId: objects.objectId });
    await client.send('Runtime.releaseObject', { objectId: proto.objectId });
  }
  return out;
}

async function main() {
  const started = Date.now();
  const loadStart = loadavg();
  const prepared = await prepareAssets(log);
  let sdks = describeSdks({ ours: prepared.ours });
  if (CONFIG.only) sdks = sdks.filter((s) => s.id === 'none' || CONFIG.only.includes(s.id));
  const byId = Object.fromEntries(sdks.map((s) => [s.id, s]));
  const counters = Object.fromEntries(sdks.filter((s) => s.count).map((s) => [s.id, s.count]));

  const pages = new Map();
  const server = await startServer({
    assets: prepared.assets,
    segmentBundles: prepared.segmentBundles,
    counters,
    pageFor: (run) => pages.get(run) ?? '<!doctype html><title>unknown run</title>',
  });
  const browser = await puppeteer.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, protocolTimeout: CONFIG.runTimeoutMs });
  const chromium = await browser.version();
  log(`server ${server.origin}; ${chromium}; ours from ${prepared.ours.source}; ${CONFIG.runs} runs`);

  let serial = 0;
  /** One run: a fresh incognito context, the SDK's page, `fn`, then the context is closed whatever happened. */
  async function inContext(sdk, kind, fn) {
    const t0 = Date.now();
    const run = `${sdk.id}-${kind}-${++serial}-${Math.random().toString(36).slice(2, 8)}`;
    pages.set(run, renderPage({ sdk, origin: server.origin, run, kind }));
    const context = await browser.createBrowserContext();
    try {
      const page = await context.newPage();
      if (env.BENCH_DEBUG) {
        page.on('console', (m) => log(`[${sdk.id} console.${m.type()}] ${m.text().slice(0, 300)}`));
        page.on('requestfailed', (r) => log(`[${sdk.id} request failed] ${r.url().slice(0, 120)} ${r.failure()?.errorText}`));
        page.on('request', (r) => r.method() === 'POST' && log(`${new Date().toISOString().slice(11, 23)} [${sdk.id} request] ${r.url().slice(0, 100)}`));
        page.on('requestfinished', (r) => r.method() === 'POST' && log(`${new Date().toISOString().slice(11, 23)} [${sdk.id} finished] ${r.url().slice(0, 100)}`));
      }
      await page.setViewport({ width: 1280, height: 800 });
      const client = await page.createCDPSession();
      await client.send('Performance.enable', { timeDomain: 'threadTicks' });
      await client.send('Runtime.enable');
      await page.goto(`${server.origin}/run/${run}/page.html`, { waitUntil: 'load', timeout: 30_000 });
      const ctx = { sdk, run, page, client, stats: () => server.stats(run, sdk.ours) };
      const work = fn(ctx);
      // Past the timeout the context is closed under the run: its late failure is expected, not unhandled.
      work.catch(() => {});
      return await withTimeout(work, CONFIG.runTimeoutMs, `${sdk.id} ${kind}`);
    } catch (err) {
      log(`${sdk.id} ${kind}: ${err.message}`);
      return { error: err.message };
    } finally {
      log(`${sdk.id} ${kind}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      await context.close().catch(() => {});
      pages.delete(run);
      server.forget(run);
    }
  }

  /** Boots the SDK and measures it: main-thread time from injecting its script to its ready moment. */
  async function boot(ctx) {
    const before = await mainThread(ctx.client);
    const booting = ctx.page.evaluate(() => window.__bench.boot());
    booting.catch(() => {});
    const { wallMs } = await withTimeout(booting, 30_000, 'boot');
    const after = await mainThread(ctx.client);
    await sleep(CONFIG.settleMs);
    const settled = await mainThread(ctx.client);
    return { wallMs, main: delta(before, after), mainSettled: delta(before, settled) };
  }

  /**
   * Waits until the collector or sink has `target` events of `kind` for this run (ours: stored, or reported
   * dropped), or no request came for quietMs, or the timeout. Polls the server in Node: the page does nothing.
   */
  async function delivered(ctx, kind, target) {
    const t0 = Date.now();
    // A page still busy (main thread working) is not done even if it sent nothing for a while: slow SDKs on a loaded machine.
    let lastTask = (await mainThread(ctx.client)).task;
    let busyAt = t0;
    for (;;) {
      const s = ctx.stats();
      const got = s.counts[kind] + (ctx.sdk.ours && kind === 'track' ? s.dropped ?? 0 : 0);
      const task = (await mainThread(ctx.client)).task;
      if (task - lastTask > 2) busyAt = Date.now();
      lastTask = task;
      const idle = Date.now() - Math.max(s.lastPostAt, t0, busyAt);
      if (got >= target) {
        await sleep(300);
        return { complete: true, waitedMs: Date.now() - t0 };
      }
      if (idle >= CONFIG.quietMs) return { complete: false, why: 'quiet', waitedMs: Date.now() - t0 };
      if (Date.now() - t0 >= CONFIG.deliveryTimeoutMs) return { complete: false, why: 'timeout', waitedMs: Date.now() - t0 };
      await sleep(200);
    }
  }

  const snapshot = (s) => ({ posts: s.posts, bodyBytes: s.bodyBytes, headBytes: s.headBytes, track: s.counts.track, click: s.counts.click, other: s.counts.other, dropped: s.dropped ?? 0 });
  const diff = (a, b) => Object.fromEntries(Object.keys(b).map((k) => [k, b[k] - a[k]]));

  /** Figures 2, 3, 6, 7: boot, 10,000 track() calls until delivered, their wire bytes, the heap afterwards. */
  const trackRun = (sdk) =>
    inContext(sdk, 'track', async (ctx) => {
      const events = sdk.slow ? Math.min(CONFIG.events, CONFIG.slowPeerEvents) : CONFIG.events;
      const b = await boot(ctx);
      const scripts = { ...ctx.stats().scripts };
      const before = snapshot(ctx.stats());
      const m0 = await mainThread(ctx.client);
      const syncMs = await ctx.page.evaluate((n) => window.__bench.trackLoop(n), events);
      const m1 = await mainThread(ctx.client);
      const d = sdk.id === 'none' ? { complete: true, waitedMs: 0 } : await delivered(ctx, 'track', events);
      if (sdk.id === 'none') await sleep(300);
      const m2 = await mainThread(ctx.client);
      const wire = diff(before, snapshot(ctx.stats()));
      const heap = await heapUsed(ctx.client);
      return { events, boot: b, scripts, syncMs, loopMain: delta(m0, m1), untilDelivered: delta(m0, m2), delivery: d, wire, heap, dropReasons: ctx.stats().dropReasons };
    });

  /** Figure 4: 1,000 synthetic clicks dispatched in a loop, then 1,000 trusted clicks through CDP input, on ~5,000 nodes. */
  const clickRun = (sdk) =>
    inContext(sdk, 'click', async (ctx) => {
      const b = await boot(ctx);
      const points = await ctx.page.evaluate(() => window.__bench.clickTargets(200));
      const nodes = await ctx.page.evaluate(() => document.getElementsByTagName('*').length);
      const expect = sdk.id === 'none' ? 0 : CONFIG.clicks;

      const s0 = snapshot(ctx.stats());
      const m0 = await mainThread(ctx.client);
      const syncMs = await ctx.page.evaluate((n) => window.__bench.syntheticClicks(n), CONFIG.clicks);
      const m1 = await mainThread(ctx.client);
      const d1 = expect ? await delivered(ctx, 'click', expect) : (await sleep(300), { complete: true });
      const m2 = await mainThread(ctx.client);
      const s1 = snapshot(ctx.stats());
      await sleep(500);

      const m3 = await mainThread(ctx.client);
      const t0 = Date.now();
      const CHUNK = 20;
      for (let i = 0; i < CONFIG.clicks; i += CHUNK) {
        const sends = [];
        for (let j = i; j < Math.min(CONFIG.clicks, i + CHUNK); j++) {
          const { x, y } = points[j % points.length];
          sends.push(ctx.client.send('Input.dispatchMouseEvent', { type: 'mousePressed', x, y, button: 'left', buttons: 1, clickCount: 1 }));
          sends.push(ctx.client.send('Input.dispatchMouseEvent', { type: 'mouseReleased', x, y, button: 'left', buttons: 0, clickCount: 1 }));
        }
        await Promise.all(sends);
      }
      const trustedWallMs = Date.now() - t0;
      const m4 = await mainThread(ctx.client);
      const d2 = expect ? await delivered(ctx, 'click', s1.click + expect) : (await sleep(300), { complete: true });
      const m5 = await mainThread(ctx.client);
      const s2 = snapshot(ctx.stats());
      return {
        clicks: CONFIG.clicks,
        boot: b,
        nodes,
        synthetic: { syncMs, loopMain: delta(m0, m1), untilDelivered: delta(m0, m2), delivery: d1, captured: s1.click - s0.click },
        trusted: { wallMs: trustedWallMs, inputMain: delta(m3, m4), untilDelivered: delta(m3, m5), delivery: d2, captured: s2.click - s1.click },
      };
    });

  /** Figure 5: 10,000 annotated nodes (half `view`) appended at once, then removed; leftovers counted after a GC. */
  const markupRun = (sdk) =>
    inContext(sdk, 'markup', async (ctx) => {
      const b = await boot(ctx);
      // Gives the host element its JS wrapper before the first census, on every page alike.
      await ctx.page.evaluate(() => void (window.__host = document.getElementById('markup')));
      const census0 = await census(ctx.client);
      await ctx.page.evaluate((n) => window.__bench.buildMarkup(n), CONFIG.nodes);
      const m0 = await mainThread(ctx.client);
      const insertSyncMs = await ctx.page.evaluate(() => window.__bench.insertMarkup());
      const m1 = await mainThread(ctx.client);
      const removeSyncMs = await ctx.page.evaluate(() => window.__bench.removeMarkup());
      const m2 = await mainThread(ctx.client);
      // Past the default view dwell (1 s): a timer left running would fire and send by now.
      await sleep(1_500);
      const census1 = await census(ctx.client);
      return { boot: b, insertSyncMs, removeSyncMs, insert: delta(m0, m1), remove: delta(m1, m2), census0, census1, events: ctx.stats().counts };
    });

  const results = { track: {}, click: {}, markup: {} };
  for (const s of sdks) for (const f of Object.keys(results)) results[f][s.id] = [];
  try {
    for (let round = 0; round < CONFIG.runs; round++) {
      // A different order each round, so a slow spell of the machine does not always hit the same SDK.
      const order = sdks.map((_, i) => sdks[(i + round) % sdks.length]);
      log(`round ${round + 1}/${CONFIG.runs}: ${order.map((s) => s.id).join(', ')}`);
      if (CONFIG.figures.includes('track')) for (const s of order) if (s.track !== false) results.track[s.id].push({ ...(await trackRun(s)), round });
      if (CONFIG.figures.includes('click')) for (const s of order) if (s.clicks) results.click[s.id].push(await clickRun(s));
      if (CONFIG.figures.includes('markup')) for (const s of order) if (s.markup) results.markup[s.id].push(await markupRun(s));
    }
  } finally {
    await browser.close().catch(() => {});
    await server.close().catch(() => {});
  }

  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadavgStart: loadStart.map((x) => +x.toFixed(2)),
    loadavgEnd: loadavg().map((x) => +x.toFixed(2)),
    node: process.version,
    chromium,
    os: (() => {
      try {
        return execFileSync('sh', ['-c', '. /etc/os-release && echo "$PRETTY_NAME"']).toString().trim();
      } catch {
        return process.platform;
      }
    })(),
  };
  const out = report({ config: CONFIG, sdks: byId, bytes: prepared.bytes, ours: prepared.ours, results, machine, durationS: Math.round((Date.now() - started) / 1000) });
  writeFileSync(join(BENCH, 'results.json'), `${JSON.stringify(out.json, null, 2)}\n`);
  writeFileSync(join(BENCH, 'results.md'), out.markdown);
  console.log(out.text);
  log(`saved bench/results.json and bench/results.md in ${out.json.durationS} s`);
}

/** BENCH_REPORT_ONLY=1: rebuilds the table and bench/results.md from bench/results.json without running anything. */
async function reportOnly() {
  const { readFileSync } = await import('node:fs');
  const saved = JSON.parse(readFileSync(join(BENCH, 'results.json'), 'utf8'));
  const sdks = Object.fromEntries(describeSdks({ ours: saved.ours }).filter((s) => saved.sdks[s.id]).map((s) => [s.id, s]));
  const out = report({ config: saved.config, sdks, bytes: saved.bytes, ours: saved.ours, results: saved.runs, machine: saved.machine, durationS: saved.durationS });
  writeFileSync(join(BENCH, 'results.md'), out.markdown);
  console.log(out.text);
}

if (env.BENCH_REPORT_ONLY) await reportOnly();
else await main();
