// `[ROUNDS=n] [EVENTS=n] node bench/track-ab.mjs a.js b.js ...`: the bench's cold `track()` loop (10,000 calls with a
// small property object, the first calls of a fresh page, booted and left idle a second as the bench does) on builds
// of ours (each a copy of dist/heap-analytics.js, served alone), taken in turn with the no-SDK page and a floor page:
// ours booted, its loop calling an empty function put on window.heap (what any call through window.heap costs there).
// Load on the machine falls on all of them alike. Prints per build the median loop time and its net per call (µs):
// the bench's "track(): per call, on the caller's stack" figure.
import { median as med, startAb } from './lib/ab.mjs';

const files = process.argv.slice(2);
const rounds = Number(process.env.ROUNDS ?? 10), events = Number(process.env.EVENTS ?? 10_000);
const { server, browser, ids } = await startAb(files, 'track');
const runs = [...ids, 'floor'];
const times = runs.map(() => []);
for (let r = 0; r < rounds; r++) for (let k = 0; k < runs.length; k++) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  const id = runs[k] === 'floor' ? '0' : runs[k];
  await page.goto(`${server.origin}/run/ab-${id}-${Date.now()}/page.html`);
  await page.evaluate(() => window.__bench.boot());
  if (runs[k] === 'floor') await page.evaluate(() => (window.heap.track = function () {}));
  await new Promise((res) => setTimeout(res, 1000));
  times[k].push(await page.evaluate((n) => window.__bench.trackLoop(n), events));
  await context.close();
}
const base = med(times[0]);
runs.forEach((id, k) => {
  const name = id === 'none' || id === 'floor' ? id : files[Number(id)];
  console.log(`${name}: median ${med(times[k]).toFixed(2)} ms per ${events}; net ${(((med(times[k]) - base) * 1000) / events).toFixed(3)} µs per call; all ${times[k].map((t) => t.toFixed(1)).join(' ')}`);
});
await browser.close();
server.close?.();
process.exit(0);
