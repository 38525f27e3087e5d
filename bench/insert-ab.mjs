// `[ROUNDS=n] [ANNOTATED=k] [MODE=fragment|each|remove] node bench/insert-ab.mjs a.js b.js ...`: what an app-like
// insertion costs builds of ours (each a copy of dist/heap-analytics.js), against the no-SDK page. A fresh page per
// build and round, taken in turn, so load on the machine falls on all alike. Each page appends, five times, a
// fragment of 500 cards of 12 elements (6,000 elements; `k` in 100 cards carry a `data-heap-event`, 10 by default)
// and times the append until a microtask queued after it, which runs after the tracker's MutationObserver callback. Prints the median (of the rounds' medians) and
// that median net of the no-SDK page. MODE=each appends the cards one by one (500 mutation records, as a framework
// rendering a list may), MODE=remove times removing them one by one instead. The bench's markup figure inserts
// 10,000 annotated leaves instead.
import { median, startAb } from './lib/ab.mjs';

const files = process.argv.slice(2);
const rounds = Number(process.env.ROUNDS ?? 10);
const annotated = Number(process.env.ANNOTATED ?? 10);
const mode = process.env.MODE ?? 'fragment';
const { server, browser, ids } = await startAb(files, 'click');

/** In the page: five insertions of the cards; the median time (ms) from the append to the microtask after it. */
async function insertions([k, mode]) {
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const times = [];
  for (let rep = 0; rep < 5; rep++) {
    const host = document.createElement('main');
    document.body.append(host);
    const frag = document.createDocumentFragment();
    for (let i = 0; i < 500; i++) {
      const card = document.createElement('article');
      card.className = `card card-${i}`;
      card.innerHTML = `<header><h3 class="t">Item ${i}</h3><span class="badge">new</span></header><div class="body"><p>Text <a href="/i/${i}">more</a></p><ul><li>a</li><li>b</li></ul></div><footer><button class="btn"${i % 100 < k ? ' data-heap-event="Buy"' : ''}>Buy</button></footer>`;
      frag.append(card);
    }
    await sleep(50);
    const cards = [...frag.children];
    const t0 = performance.now();
    if (mode === 'each') for (const card of cards) host.append(card);
    else host.append(frag);
    const t1 = await new Promise((resolve) => queueMicrotask(() => resolve(performance.now())));
    if (mode !== 'remove') times.push(t1 - t0);
    await sleep(50);
    const t2 = performance.now();
    for (const card of cards) card.remove();
    const t3 = await new Promise((resolve) => queueMicrotask(() => resolve(performance.now())));
    if (mode === 'remove') times.push(t3 - t2);
    host.remove();
    await sleep(50);
  }
  return times.sort((a, b) => a - b)[2];
}

const times = ids.map(() => []);
try {
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < ids.length; k++) {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      await page.setViewport({ width: 1280, height: 800 });
      await page.goto(`${server.origin}/run/ins-${ids[k]}-${Date.now()}/page.html`);
      await page.evaluate(() => window.__bench.boot());
      await new Promise((resolve) => setTimeout(resolve, 300));
      times[k].push(await page.evaluate(insertions, [annotated, mode]));
      await context.close();
    }
  }
} finally {
  await browser.close();
  await server.close?.();
}
const base = median(times[0]);
ids.forEach((id, k) => console.log(`${id === 'none' ? 'no SDK' : files[Number(id)]}: median ${median(times[k]).toFixed(2)} ms, net ${(median(times[k]) - base).toFixed(2)} ms`));
