// `[COLD=1] [ROUNDS=n] node bench/click-ab.mjs a.js b.js ...`: the bench's 1,000 synthetic clicks on builds of ours
// (each a copy of dist/heap-analytics.js, served alone: a warning would print without its text), taken in turn with the no-SDK
// page, so load on the machine falls on all of them alike. Prints per 1,000 clicks the min and median loop time and
// both net of the no-SDK page. COLD=1 opens a fresh context for every loop (the bench's own reading: the first 1,000
// clicks of a page); without it each build keeps one page and the loops are warm.
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const files = process.argv.slice(2);
const rounds = Number(process.env.ROUNDS ?? 15), clicks = 1000;
const { default: puppeteer } = await import('puppeteer-core');
const { startServer } = await import('./lib/server.mjs');
const { renderPage } = await import('./lib/page.mjs');
const { CHROMIUM_FLAGS, CHROMIUM_PATH } = await import(pathToFileURL(join(ROOT, 'scripts/chromium.mjs')).href);
const assets = Object.fromEntries(files.map((f, i) => [`b${i}.js`, f]));
const sdkFor = (i) => ({ id: 'ours', ours: true, boot: `
    const el = document.createElement('heap-analytics');
    el.setAttribute('env-id', R.run);
    el.setAttribute('endpoint', '/run/' + R.run + '/__collect/v1/batch');
    const ready = new Promise((resolve) => el.addEventListener('heap-ready', resolve, { once: true }));
    document.body.append(el);
    R.script(R.asset('b${i}.js'), 'module');
    return ready;`, call: 'heap.track(N, p)' });
const none = { id: 'none', boot: 'return;', call: '' };
const server = await startServer({ assets, segmentBundles: ROOT, counters: {}, pageFor: (run) => { const i = run.split('-')[1]; return renderPage({ sdk: i === 'none' ? none : sdkFor(i), origin: server.origin, run, kind: 'click' }); } });
const browser = await puppeteer.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_FLAGS });
const ids = ['none', ...files.map((_, i) => String(i))];
const pages = [];
async function open(id) {
  const page = await (await browser.createBrowserContext()).newPage();
  await page.setViewport({ width: 1280, height: 800 });
  await page.goto(`${server.origin}/run/ab-${id}-${Date.now()}/page.html`);
  await page.evaluate(() => window.__bench.boot());
  await page.evaluate(() => window.__bench.clickTargets(200));
  await new Promise((res) => setTimeout(res, 500));
  return page;
}
if (!process.env.COLD) for (const id of ids) {
  const page = await (await browser.createBrowserContext()).newPage();
  await page.setViewport({ width: 1280, height: 800 });
  await page.goto(`${server.origin}/run/ab-${id}-${Date.now()}/page.html`);
  await page.evaluate(() => window.__bench.boot());
  await page.evaluate(() => window.__bench.clickTargets(200));
  pages.push(page);
}
const times = ids.map(() => []);
for (let r = 0; r < rounds; r++) for (let k = 0; k < ids.length; k++) {
  const page = process.env.COLD ? await open(ids[k]) : pages[k];
  times[k].push(await page.evaluate((n) => window.__bench.syntheticClicks(n), clicks));
  if (process.env.COLD) await page.browserContext().close();
  await new Promise((res) => setTimeout(res, 300));
}
const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const base = { min: Math.min(...times[0]), med: med(times[0]) };
ids.forEach((id, k) => console.log(`${id === 'none' ? 'none' : files[Number(id)]}: min ${(Math.min(...times[k])).toFixed(1)} ms, median ${med(times[k]).toFixed(1)} ms per ${clicks}; net min ${(Math.min(...times[k]) - base.min).toFixed(1)}, net median ${(med(times[k]) - base.med).toFixed(1)}`));
await browser.close(); server.close?.();
process.exit(0);
