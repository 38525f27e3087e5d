// `[COLD=1] [ROUNDS=n] node bench/click-ab.mjs a.js b.js ...`: the bench's 1,000 synthetic clicks on builds of ours
// (each a copy of dist/heap-analytics.js, served alone: a warning would print without its text), taken in turn with the no-SDK
// page, so load on the machine falls on all of them alike. Prints per 1,000 clicks the min and median loop time and
// both net of the no-SDK page. COLD=1 opens a fresh context for every loop (the bench's own reading: the first 1,000
// clicks of a page); without it each build keeps one page and the loops are warm.
import { median as med, startAb } from './lib/ab.mjs';

const files = process.argv.slice(2);
const rounds = Number(process.env.ROUNDS ?? 15), clicks = 1000;
const { server, browser, ids } = await startAb(files, 'click');
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
const base = { min: Math.min(...times[0]), med: med(times[0]) };
ids.forEach((id, k) => console.log(`${id === 'none' ? 'none' : files[Number(id)]}: min ${(Math.min(...times[k])).toFixed(1)} ms, median ${med(times[k]).toFixed(1)} ms per ${clicks}; net min ${(Math.min(...times[k]) - base.min).toFixed(1)}, net median ${(med(times[k]) - base.med).toFixed(1)}`));
await browser.close(); server.close?.();
process.exit(0);
