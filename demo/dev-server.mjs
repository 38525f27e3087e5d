// What `npm start` runs, as a function the end-to-end test can run too.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createServer } from 'vite';
import { createCollector } from './collector/handler.mjs';
import { REPO_ROOT, demoViteConfig } from './vite.config.mjs';

/** Where `npm start` keeps its events: gitignored, kept between runs. */
export const DEFAULT_DB_FILE = join(REPO_ROOT, '.data', 'demo.sqlite');

/**
 * Starts the demo: vite serving the demo pages on `host:port` (the next free port when taken; 0 for
 * any), with the collector at /__collect storing into `dbFile` and its live view at /__collect/.
 * @param {{ port?: number, host?: string, dbFile?: string, watch?: boolean, logLevel?: 'info' | 'warn' | 'error' | 'silent' }} [options]
 *   `watch: false` for tests: no file watching, no hot reload
 */
export async function startDemo({ port = 5173, host = '127.0.0.1', dbFile = DEFAULT_DB_FILE, watch = true, logLevel = 'info' } = {}) {
  if (dbFile !== ':memory:') mkdirSync(dirname(dbFile), { recursive: true });
  const collector = createCollector({ basePath: '/__collect', dbFile });
  let vite;
  try {
    vite = await createServer(demoViteConfig(collector, { host, port, watch, logLevel }));
    await vite.listen();
  } catch (err) {
    await vite?.close();
    await collector.close();
    throw err;
  }
  const address = /** @type {import('node:net').AddressInfo} */ (vite.httpServer?.address());
  const origin = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;

  /** @type {Promise<void> | undefined} */
  let closed;
  return {
    origin,
    /** The demo site's first page. */
    url: `${origin}/demo/`,
    /** The collector's live view. */
    liveUrl: `${origin}${collector.basePath}/`,
    dbFile,
    collector,
    /**
     * Shuts down without losing an acknowledged batch: the collector first (it answers 503 to new
     * batches, ends live streams, lets batches in flight commit, closes the database), then vite.
     */
    close() {
      closed ??= (async () => {
        await collector.close();
        await vite.close();
      })();
      return closed;
    },
  };
}
