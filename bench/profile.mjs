// `node bench/profile.mjs [track|click|markup] [count]`: CPU profile of our SDK on one bench scenario, built
// unminified (readable names) into bench/.build/profile. Prints the functions with the most self time and saves
// bench/.build/<scenario>.cpuprofile (open it in Chromium's DevTools, Performance panel). PROFILE_INTERVAL sets the
// sampling interval in µs (100 by default; 25 resolves a single click's parts), PROFILE_TAIL_MS how long delivery runs on.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BENCH = fileURLToPath(new URL('.', import.meta.url));
const ROOT = join(BENCH, '..');
const scenario = process.argv[2] ?? 'track';
const count = Number(process.argv[3] ?? (scenario === 'click' ? 1000 : 10_000));
const attributes = process.env.PROFILE_ATTRIBUTES ? JSON.parse(process.env.PROFILE_ATTRIBUTES) : {};

const { default: puppeteer } = await import('puppeteer-core');
const { startServer } = await import('./lib/server.mjs');
const { renderPage } = await import('./lib/page.mjs');
const { oursBoot } = await import('./lib/sdks.mjs');

const out = join(BENCH, '.build', 'profile');
mkdirSync(out, { recursive: true });
const vite = await import(pathToFileURL(join(ROOT, 'node_modules/vite/dist/node/index.js')).href);
await vite.build({
  root: ROOT, configFile: join(ROOT, 'vite.config.mjs'), logLevel: 'error',
  build: { outDir: out, emptyOutDir: true, sourcemap: false, minify: false, lib: { entry: 'components/heap-analytics-define.ts', formats: ['es'], fileName: () => 'heap-analytics.js' }, rolldownOptions: { output: { minify: false } } },
});

const sdk = {
  id: 'ours', ours: true,
  boot: oursBoot(attributes),
  call: 'heap.track(N, p)',
};
const server = await startServer({ assets: { 'heap-analytics.js': join(out, 'heap-analytics.js') }, segmentBundles: out, counters: {}, pageFor: (run) => renderPage({ sdk, origin: server.origin, run, kind: scenario }) });
const { CHROMIUM_FLAGS, CHROMIUM_PATH } = await import('../scripts/chromium.mjs');
const browser = await puppeteer.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_FLAGS });
try {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  const client = await page.createCDPSession();
  const run = `profile-${Date.now()}`;
  await page.goto(`${server.origin}/run/${run}/page.html`);
  await page.evaluate(() => window.__bench.boot());
  await new Promise((r) => setTimeout(r, 1000));
  await client.send('Profiler.enable');
  await client.send('Profiler.setSamplingInterval', { interval: Number(process.env.PROFILE_INTERVAL ?? 100) });
  await client.send('Profiler.start');
  let sync;
  if (scenario === 'track') sync = await page.evaluate((n) => window.__bench.trackLoop(n), count);
  if (scenario === 'click') {
    await page.evaluate(() => window.__bench.clickTargets(200));
    sync = await page.evaluate((n) => window.__bench.syntheticClicks(n), count);
  }
  if (scenario === 'markup') {
    await page.evaluate((n) => window.__bench.buildMarkup(n), count);
    sync = await page.evaluate(() => window.__bench.insertMarkup());
    sync += await page.evaluate(() => window.__bench.removeMarkup());
  }
  // Let batching and delivery run inside the profile too.
  await new Promise((r) => setTimeout(r, Number(process.env.PROFILE_TAIL_MS ?? 4000)));
  const { profile } = await client.send('Profiler.stop');
  writeFileSync(join(BENCH, '.build', `${scenario}.cpuprofile`), JSON.stringify(profile));

  const self = new Map();
  const total = profile.samples.length;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const counts = new Map();
  for (const s of profile.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
  for (const [id, n] of counts) {
    const node = byId.get(id);
    const f = node.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + n);
  }
  const ms = (profile.endTime - profile.startTime) / 1000;
  console.log(`${scenario} x${count}: synchronous part ${sync.toFixed(1)} ms; profile ${ms.toFixed(0)} ms, ${total} samples`);
  console.log('self time:');
  for (const [key, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${((n / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
  // Inclusive time: each sample counts once for every distinct function on its stack.
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (node) => `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.split('/').pop()}:${node.callFrame.lineNumber + 1}`;
  const inclusive = new Map();
  for (const [id, n] of counts) {
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) seen.add(keyOf(byId.get(cur)));
    for (const key of seen) inclusive.set(key, (inclusive.get(key) ?? 0) + n);
  }
  console.log('inclusive time:');
  for (const [key, n] of [...inclusive].filter(([k]) => !k.startsWith('(root)')).sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${((n / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
} finally {
  await browser.close();
  await server.close();
}
