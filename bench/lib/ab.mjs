// What the A/B scripts (bench/click-ab.mjs, bench/insert-ab.mjs) share: a loopback server with the bench's pages, where
// a run named `<prefix>-none-...` is the no-SDK page and `<prefix>-<i>-...` boots ours from the i-th file given (each
// a copy of dist/heap-analytics.js, served alone: a warning would print without its text), and the machine's Chromium.
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { oursBoot } from './sdks.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const ours = (i) => ({ id: 'ours', ours: true, boot: oursBoot({}, `b${i}.js`), call: 'heap.track(N, p)' });
const none = { id: 'none', boot: 'return;', call: '' };

/** Starts the server and the browser for `files`; `ids` are 'none' then each file's index, as the runs name them. */
export async function startAb(files, kind = 'click') {
  const { default: puppeteer } = await import('puppeteer-core');
  const { startServer } = await import('./server.mjs');
  const { renderPage } = await import('./page.mjs');
  const { CHROMIUM_FLAGS, CHROMIUM_PATH } = await import(pathToFileURL(join(ROOT, 'scripts/chromium.mjs')).href);
  const assets = Object.fromEntries(files.map((f, i) => [`b${i}.js`, f]));
  const server = await startServer({
    assets,
    segmentBundles: ROOT,
    counters: {},
    pageFor: (run) => {
      const i = run.split('-')[1];
      return renderPage({ sdk: i === 'none' ? none : ours(i), origin: server.origin, run, kind });
    },
  });
  const browser = await puppeteer.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_FLAGS });
  return { server, browser, ids: ['none', ...files.map((_, i) => String(i))] };
}

/** The median of `values`. */
export const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
