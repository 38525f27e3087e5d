import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { startServer } from './server.mjs';
import { expectContinue, makeBatch, makeEvent, newEnvId } from './harness.mjs';

/** @type {string} */
let dir;
before(() => { dir = mkdtempSync(join(tmpdir(), 'heap-collector-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

test('startServer listens on the given port and stores into DB_FILE', async () => {
  const server = await startServer({ PORT: '0', DB_FILE: join(dir, 'basic.sqlite'), ALLOWED_ORIGINS: 'https://a.example, https://b.example' });
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/__collect$/);
    const env = newEnvId();
    const res = await fetch(`${server.url}/v1/batch`, {
      method: 'POST', headers: { Origin: 'https://b.example' }, body: JSON.stringify(makeBatch(env, [makeEvent()])),
    });
    assert.equal(res.status, 200);
    const denied = await fetch(`${server.url}/v1/batch`, {
      method: 'POST', headers: { Origin: 'https://c.example' }, body: JSON.stringify(makeBatch(env, [makeEvent()])),
    });
    assert.equal(denied.status, 403);
    assert.equal((await fetch(`${server.url}/_test/requests?env_id=${env}`)).status, 404);
  } finally {
    await server.close();
  }
});

test('close lets an in-flight upload finish and store, refuses new connections, and leaves an intact db', async () => {
  const file = join(dir, 'graceful.sqlite');
  const server = await startServer({ PORT: '0', DB_FILE: file });
  const env = newEnvId();
  const body = JSON.stringify(makeBatch(env, [makeEvent(), makeEvent()]));
  const half = Math.floor(body.length / 2);

  // A slow client: half the body now, the rest once shutdown has begun.
  /** @type {(value: unknown) => void} */
  let resolveAnswer = () => {};
  const answered = new Promise((resolve) => { resolveAnswer = resolve; });
  const req = request(`${server.url}/v1/batch`, {
    // 100-continue: the server's 100 Continue shows it has the request, so shutdown cannot take its connection for an
    // idle one (under load, a fixed wait sometimes ended before the server had read the headers).
    method: 'POST', headers: { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body), Expect: '100-continue' },
  }, (res) => {
    let text = '';
    res.on('data', (chunk) => { text += chunk; });
    res.on('end', () => resolveAnswer({ status: res.statusCode, body: JSON.parse(text) }));
  });
  req.on('error', (err) => resolveAnswer(err));
  req.flushHeaders();
  await new Promise((resolve) => req.once('continue', resolve));
  req.write(body.slice(0, half));
  await new Promise((resolve) => setTimeout(resolve, 50));
  const closed = server.close();
  let closedYet = false;
  closed.then(() => { closedYet = true; });
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(closedYet, false, 'close must wait for the in-flight request');
  await assert.rejects(fetch(`${server.url}/v1/drops?env_id=${env}`), 'no new connections during shutdown');
  req.end(body.slice(half));
  assert.deepEqual(await answered, { status: 200, body: { accepted: 2, duplicates: 0 } });
  await closed;

  assert.equal(existsSync(`${file}-wal`), false, 'closing checkpoints the WAL into the db file');
  const db = new Database(file, { readonly: true });
  try {
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    assert.equal(db.prepare('SELECT count(*) FROM events WHERE env_id = ?').pluck().get(env), 2);
  } finally {
    db.close();
  }
});

test('SIGTERM shuts the standalone server down with exit code 0', async () => {
  const script = fileURLToPath(new URL('./server.mjs', import.meta.url));
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, PORT: '0', DB_FILE: join(dir, 'signal.sqlite') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const url = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk) => {
        out += chunk;
        const match = /listening on (\S+)/.exec(out);
        if (match) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
    });
    const res = await fetch(`${url}/v1/batch`, { method: 'POST', body: JSON.stringify(makeBatch(newEnvId(), [makeEvent()])) });
    assert.equal(res.status, 200);
    const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('Expect: 100-continue with a declared body past BODY_LIMIT gets 413 without 100 Continue; one within gets both', async () => {
  const server = await startServer({ PORT: '0', DB_FILE: join(dir, 'expect.sqlite'), BODY_LIMIT: '2000' });
  try {
    const env = newEnvId();
    const fits = JSON.stringify(makeBatch(env, [makeEvent()]));
    assert.deepEqual(await expectContinue(`${server.url}/v1/batch`, 5000, 'x'.repeat(5000)), { continued: false, status: 413 });
    assert.deepEqual(await expectContinue(`${server.url}/v1/batch`, Buffer.byteLength(fits), fits), { continued: true, status: 200 });
  } finally {
    await server.close();
  }
});

test('a database file the collector may not write stops it at start with one line, where it answered 500 to every batch', async () => {
  // SQLite opens a file it may not write read-only, without an error; the folder stays writable (its -wal and -shm
  // files can be made), as in /tmp or a shared data folder. Root writes any file, so the server runs as nobody then.
  const folder = join(dir, 'shared');
  mkdirSync(folder);
  const file = join(folder, 'events.sqlite');
  const created = await startServer({ PORT: '0', DB_FILE: file });
  await created.close();
  chmodSync(folder, 0o1777);
  chmodSync(file, 0o444);
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chmodSync(dir, 0o711);
  const child = spawn(process.execPath, [fileURLToPath(new URL('./server.mjs', import.meta.url))], {
    env: { ...process.env, PORT: '0', DB_FILE: file },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
  });
  try {
    let output = '';
    const outcome = await new Promise((resolve) => {
      const read = (/** @type {Buffer} */ chunk) => {
        output += chunk;
        if (/listening on/.test(output)) resolve('listening');
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
      child.once('exit', (code) => resolve(code));
    });
    assert.equal(outcome, 1, output);
    assert.match(output, /^\[heap-analytics collector\] cannot start: cannot use .*events\.sqlite as the events database \(attempt to write a readonly database\): the file or its folder is read-only/m);
    assert.doesNotMatch(output, /^\s+at /m, output);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('a BASE_PATH written without its leading slash serves under it, where every request got 404 at "http://127.0.0.1:8787collect"', async () => {
  const server = await startServer({ PORT: '0', DB_FILE: join(dir, 'base.sqlite'), BASE_PATH: 'collect/' });
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/collect$/);
    const res = await fetch(`${server.url}/v1/batch`, { method: 'POST', body: JSON.stringify(makeBatch(newEnvId(), [makeEvent()])) });
    assert.equal(res.status, 200);
    assert.equal((await fetch(`${server.url}/`)).status, 200, 'the live view');
  } finally {
    await server.close();
  }
});

test('a DB_FILE naming a folder stops the server with a line that says so, not that the folder must exist', async () => {
  await assert.rejects(startServer({ PORT: '0', DB_FILE: dir }), {
    message: `cannot use ${dir} as the events database (unable to open database file): it is a folder; name a file in it, such as ${join(dir, 'events.sqlite')}`,
  });
});

test('ALLOWED_ORIGINS listing a host without its scheme stops the server with a line that says so, where every batch got 403', async () => {
  const file = join(dir, 'origins.sqlite');
  for (const entry of ['www.example.com', 'localhost:8080', 'https://a.example https://b.example']) {
    // Closed when it starts after all, so the failure ends the test.
    await assert.rejects(startServer({ PORT: '0', DB_FILE: file, ALLOWED_ORIGINS: `https://ok.example,${entry}` }).then((server) => server.close()), {
      message: `ALLOWED_ORIGINS must list origins such as https://www.example.com, separated by commas; got ${JSON.stringify(entry)}`,
    });
  }
  // Written with its default port or a path, an origin is still the one browsers send.
  const server = await startServer({ PORT: '0', DB_FILE: file, ALLOWED_ORIGINS: 'https://www.example.com:443/, HTTP://LOCALHOST:8080/' });
  try {
    for (const origin of ['https://www.example.com', 'http://localhost:8080']) {
      const res = await fetch(`${server.url}/v1/batch`, { method: 'POST', headers: { Origin: origin }, body: JSON.stringify(makeBatch(newEnvId(), [makeEvent()])) });
      assert.equal(res.status, 200, origin);
    }
  } finally {
    await server.close();
  }
});

test('a PORT that is no port number stops startServer before it opens the database', async () => {
  const file = join(dir, 'port.sqlite');
  for (const PORT of ['abc', '70000', '-1', '80.5']) {
    await assert.rejects(startServer({ PORT, DB_FILE: file }), { message: `PORT must be a port number from 0 to 65535, got ${JSON.stringify(PORT)}` });
  }
  assert.equal(existsSync(file), false);
});
