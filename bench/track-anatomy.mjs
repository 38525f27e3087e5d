// `node bench/track-anatomy.mjs [runs]`: where the cold `track()` loop's time goes. Each run opens a fresh page
// with ours (dist/heap-analytics.js), waits until it is ready and idle, then makes the bench's 10,000 calls as 20
// chunks of 500, timing each chunk, and prints the chunk times (ms) with their sum. A chunk that is much slower
// than its neighbours is a pause (young-generation GC, tier-up), not our code; the first chunks run before V8
// has optimized the call path, the last ones after. Also prints what one `document.cookie` read costs there,
// once a second, which is why the runtime no longer reads the cookie on the caller's stack.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.argv[2] ?? 5);

const { default: puppeteer } = await import('puppeteer-core');
const { startServer } = await import('./lib/server.mjs');
const { renderPage } = await import('./lib/page.mjs');
const { describeSdks } = await import('./lib/sdks.mjs');
const { CHROMIUM_FLAGS, CHROMIUM_PATH } = await import('../scripts/chromium.mjs');

// The bench's own install of ours: the element with an env id and endpoint, and the ES module bundle.
const sdk = describeSdks({ ours: { version: '' } }).find((s) => s.id === 'ours');
const server = await startServer({
  assets: { 'heap-analytics.js': join(ROOT, 'dist/heap-analytics.js') },
  segmentBundles: join(ROOT, 'dist'),
  counters: {},
  pageFor: (run) => renderPage({ sdk, origin: server.origin, run, kind: 'track' }),
});
const browser = await puppeteer.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_FLAGS });
try {
  for (let r = 0; r < runs; r++) {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    await page.goto(`${server.origin}/run/anatomy-${Date.now()}-${r}/page.html`);
    await page.evaluate(() => window.__bench.boot());
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const chunks = await page.evaluate(() => {
      const N = 'bench_track';
      const times = [];
      for (let c = 0; c < 20; c++) {
        const t0 = performance.now();
        for (let i = c * 500; i < (c + 1) * 500; i++) {
          const p = { plan: 'pro', price: 9.99, step: i };
          window.heap.track(N, p);
        }
        times.push(performance.now() - t0);
      }
      return times;
    });
    const cookieMs = await page.evaluate(async () => {
      const reads = [];
      for (let i = 0; i < 3; i++) {
        await new Promise((resolve) => setTimeout(resolve, 1100));
        const t0 = performance.now();
        void document.cookie;
        reads.push(performance.now() - t0);
      }
      return reads;
    });
    const sum = chunks.reduce((a, b) => a + b, 0);
    console.log(`run ${r + 1}: ${sum.toFixed(1)} ms = ${chunks.map((t) => t.toFixed(1)).join(' ')}; document.cookie reads, 1.1 s apart: ${cookieMs.map((t) => t.toFixed(2)).join(', ')} ms`);
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
}
