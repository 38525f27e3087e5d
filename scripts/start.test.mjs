// `npm start` as a newcomer runs it: the script itself, in a child process, from wherever they are, stopped with Ctrl-C.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

const START = fileURLToPath(new URL('./start.mjs', import.meta.url));

/** @type {string} */
let dir;
before(() => { dir = mkdtempSync(join(tmpdir(), 'heap-start-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs start.mjs until it prints the demo's address (resolves `{ url, child }`) or exits (resolves `{ code, output }`).
 * @param {Record<string, string>} env @param {string} cwd
 * @returns {Promise<{ url?: string, child: import('node:child_process').ChildProcess, code?: number | null, output: string }>}
 */
function start(env, cwd) {
  const child = spawn(process.execPath, [START], { cwd, env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve) => {
    const read = (/** @type {Buffer} */ chunk) => {
      output += chunk;
      const url = /Demo site:\s+(\S+)/.exec(output)?.[1];
      if (url) resolve({ url, child, output });
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('exit', (code) => resolve({ child, code, output }));
  });
}

describe('npm start', () => {
  it('serves the demo when the script is run from another folder, and Ctrl-C stops it with exit code 0', async () => {
    // `node ~/heap-analytics/scripts/start.mjs` from the home folder looked for node_modules there and ran npm ci in it.
    const run = await start({ DB_FILE: join(dir, 'elsewhere.sqlite') }, dir);
    try {
      assert.ok(run.url, run.output);
      const res = await fetch(run.url);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /<heap-analytics env-id="demo"/);
      const exited = new Promise((resolve) => run.child.once('exit', (code) => resolve(code)));
      run.child.kill('SIGINT');
      assert.equal(await exited, 0);
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
    }
  });

  it('says in one line what is wrong with PORT or DB_FILE, and exits 1', async () => {
    const notADatabase = join(dir, 'notes.sqlite');
    writeFileSync(notADatabase, 'my notes, not a database\n'.repeat(200));
    for (const [env, message] of /** @type {const} */ ([
      [{ PORT: 'abc' }, /cannot start: PORT must be a port number from 0 to 65535, got "abc"/],
      [{ DB_FILE: notADatabase }, /cannot start: cannot use .*notes\.sqlite as the events database .*not a SQLite database/],
    ])) {
      const run = await start({ DB_FILE: join(dir, 'bad.sqlite'), ...env }, dir);
      if (run.url) run.child.kill('SIGKILL');
      assert.equal(run.code, 1, run.output);
      assert.match(run.output, message);
      // Not a stack trace through vite or better-sqlite3.
      assert.doesNotMatch(run.output, /^\s+at /m, run.output);
    }
  });
});
