// `node bench/delivery-floor.mjs [runs]`: what delivering the bench's 1,000 synthetic clicks costs ours on the main
// thread, against the least any tracker must spend to deliver the same events durably and compressed.
//
// Ours: the bench's click page (dist/heap-analytics.js), 1,000 synthetic clicks in one loop, then main-thread CPU
// from the end of the loop task until the collector stored all 1,000 events ("delivery"); the loop task itself
// (listeners and the microtasks that finish each event) is printed beside it.
// Bare delivery: the same 1,000 events (as ours built them, taken from a separate page), handed to a page with no SDK
// that makes only the platform calls of ours' delivery design: JSON.stringify of each event's own fields and of the
// context they share (once), the whole events saved in localStorage in segments of 50, bodies of at most 60,000
// characters with the context once, TextEncoder, CompressionStream('gzip'), fetch with keepalive (two requests at a
// time), each answer read, the segments removed. No timers, retries, caps, drop counts or ids: the floor of the design.
// Main-thread CPU is CDP's TaskDuration (thread ticks), as in the bench. Medians of the runs are printed.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.argv[2] ?? 5);
const CLICKS = 1000;

const { default: puppeteer } = await import('puppeteer-core');
const { startServer } = await import('./lib/server.mjs');
const { renderPage } = await import('./lib/page.mjs');
const { describeSdks } = await import('./lib/sdks.mjs');
const { CHROMIUM_FLAGS, CHROMIUM_PATH } = await import('../scripts/chromium.mjs');

const sdks = describeSdks({ ours: { version: '' } });
const ours = sdks.find((s) => s.id === 'ours');
const none = sdks.find((s) => s.id === 'none');
const kinds = new Map();
const server = await startServer({
  assets: { 'heap-analytics.js': join(ROOT, 'dist/heap-analytics.js'), 'noop.js': join(ROOT, 'bench/peers/noop.js') },
  segmentBundles: join(ROOT, 'dist'),
  counters: {},
  pageFor: (run) => renderPage({ sdk: kinds.get(run) ?? ours, origin: server.origin, run, kind: 'click' }),
});
const browser = await puppeteer.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_FLAGS });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Opens a fresh context on a run's page; `fn(page, cpu)` gets the page and a reader of main-thread CPU (ms). */
async function inPage(sdk, fn) {
  const run = `floor-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  kinds.set(run, sdk);
  const context = await browser.createBrowserContext();
  try {
    const page = await context.newPage();
    await page.setViewport({ width: 1280, height: 800 });
    const client = await page.createCDPSession();
    await client.send('Performance.enable', { timeDomain: 'threadTicks' });
    await page.goto(`${server.origin}/run/${run}/page.html`);
    const cpu = async () => (await client.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value * 1000;
    return await fn(page, cpu, run);
  } finally {
    await context.close();
  }
}

/** Boots ours on the click page and waits until it is idle. */
async function bootOurs(page) {
  await page.evaluate(() => window.__bench.boot());
  await sleep(1500);
  await page.evaluate(() => window.__bench.clickTargets(200));
}

/** Waits until the collector stored `target` clicks of this run. */
async function delivered(run, target) {
  for (const t0 = Date.now(); Date.now() - t0 < 60_000; await sleep(100)) if (server.stats(run, true).counts.click >= target) return sleep(300);
  throw new Error(`${run}: clicks not delivered`);
}

// The events ours makes for these clicks, as it hands them to its subscribers (a page of its own, not measured).
const events = await inPage(ours, async (page) => {
  await bootOurs(page);
  return page.evaluate((n) => {
    const seen = [];
    document.querySelector('heap-analytics').runtime.subscribe((e) => e.type === 'click' && seen.push(e));
    window.__bench.syntheticClicks(n);
    return new Promise((resolve) => setTimeout(() => resolve(JSON.stringify(seen)), 100));
  }, CLICKS);
});
const parsed = JSON.parse(events);
const average = (list) => (list.reduce((a, b) => a + b, 0) / list.length).toFixed(0);
// Ours sends the context its events share (user, session, pageview, page) once per batch: what is left per event.
const own = parsed.map(({ user_id, identity, session_id, pageview_id, page, session, ...rest }) => JSON.stringify(rest).length);
console.log(`${parsed.length} click events: ${average(parsed.map((e) => JSON.stringify(e).length))} characters of JSON each on average, ${average(own)} without the shared context`);

const figures = { loop: [], delivery: [], floor: [], save: [], send: [], remove: [] };
for (let r = 0; r < runs; r++) {
  await inPage(ours, async (page, cpu, run) => {
    await bootOurs(page);
    const m0 = await cpu();
    await page.evaluate((n) => window.__bench.syntheticClicks(n), CLICKS);
    const m1 = await cpu();
    await delivered(run, CLICKS);
    const m2 = await cpu();
    figures.loop.push(m1 - m0);
    figures.delivery.push(m2 - m1);
  });
  await inPage(none, async (page, cpu, run) => {
    await page.evaluate((text) => void (window.__events = JSON.parse(text)), events);
    await sleep(500);
    // Three steps, each timed: stringify and save; encode, compress and send; remove the saved segments.
    const m0 = await cpu();
    await page.evaluate(() => {
      // As ours does: each event's own fields once, the context the events share once, whole events saved.
      const own = (window.__own = window.__events.map(({ user_id, identity, session_id, pageview_id, page, session, ...rest }) => JSON.stringify(rest)));
      const { user_id, identity, session_id, pageview_id, page, session } = window.__events[0];
      const context = (window.__context = JSON.stringify({ user_id, identity, session_id, pageview_id, page, session }));
      const whole = own.map((o) => `${o.slice(0, -1)},${context.slice(1)}`);
      for (let i = 0; i < whole.length; i += 50) localStorage.setItem(`floor_${i}`, `{"v":1,"e":[${whole.slice(i, i + 50)}]}`);
    });
    const m1 = await cpu();
    await page.evaluate(async (sink) => {
      const bodies = [];
      let body = [];
      let length = 0;
      for (const j of window.__own) {
        if (body.length && length + j.length > 59_900) bodies.push(body), (body = []), (length = 0);
        body.push(j);
        length += j.length + 1;
      }
      bodies.push(body);
      const send = async (list) => {
        const bytes = new TextEncoder().encode(`{"v":1,"context":${window.__context},"events":[${list}]}`);
        const gz = new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer());
        await (await fetch(sink, { method: 'POST', body: gz, keepalive: true, headers: { 'Content-Type': 'text/plain;charset=UTF-8' }, credentials: 'omit' })).text();
      };
      for (let i = 0; i < bodies.length; i += 2) await Promise.all(bodies.slice(i, i + 2).map(send));
    }, `/run/${run}/sink/floor`);
    const m2 = await cpu();
    await page.evaluate(() => {
      for (let i = 0; i < window.__own.length; i += 50) localStorage.removeItem(`floor_${i}`);
    });
    await sleep(300);
    const m3 = await cpu();
    figures.save.push(m1 - m0);
    figures.send.push(m2 - m1);
    figures.remove.push(m3 - m2);
    figures.floor.push(m3 - m0);
  });
  console.log(`run ${r + 1}: ours loop task ${figures.loop[r].toFixed(1)} ms, ours delivery ${figures.delivery[r].toFixed(1)} ms, bare delivery ${figures.floor[r].toFixed(1)} ms (save ${figures.save[r].toFixed(1)}, send ${figures.send[r].toFixed(1)}, remove ${figures.remove[r].toFixed(1)})`);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const perClick = (ms) => `${((ms * 1000) / CLICKS).toFixed(0)} µs`;
const [loop, delivery, floor] = [median(figures.loop), median(figures.delivery), median(figures.floor)];
console.log(`median per click: ours loop task ${perClick(loop)}, ours delivery ${perClick(delivery)}, bare delivery ${perClick(floor)} (save ${perClick(median(figures.save))}, send ${perClick(median(figures.send))}, remove ${perClick(median(figures.remove))}); ours ${(delivery / floor).toFixed(2)}x the bare delivery`);
await browser.close();
await server.close();
