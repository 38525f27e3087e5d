// `npm start`: installs what a fresh clone lacks, then serves the demo site with the collector and its live view.
// Environment: PORT (default 5173, the next free one when taken), HOST (default 127.0.0.1),
// DB_FILE (default .data/demo.sqlite).
import { ensureDependencies } from './ensure.mjs';

ensureDependencies();
// Imported only now: vite and better-sqlite3 exist once ensureDependencies has run.
const { startDemo } = await import('../demo/dev-server.mjs');
const { portOf } = await import('../demo/collector/server.mjs');

let demo;
try {
  demo = await startDemo({
    port: portOf(process.env.PORT, 5173),
    host: process.env.HOST || undefined,
    dbFile: process.env.DB_FILE || undefined,
  });
} catch (err) {
  // A bad PORT, HOST or DB_FILE: say which in one line (a stack trace through vite or better-sqlite3 hid it).
  console.error(`\n  heap-analytics demo: cannot start: ${err instanceof Error ? err.message : err}\n`);
  process.exit(1);
}

console.log(`
  heap-analytics demo

  Demo site:  ${demo.url}
  Live view:  ${demo.liveUrl}
  Events in:  ${demo.dbFile} (SQLite)

  Open the demo site, click around, and watch the events arrive in the live view.
  Press Ctrl-C to stop.
`);

let stopping = false;
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.on(signal, () => {
    if (stopping) {
      console.log('Stopping now.');
      process.exit(1);
    }
    stopping = true;
    console.log('\nStopping: letting batches in flight finish (Ctrl-C again to force)...');
    demo.close().then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
}
