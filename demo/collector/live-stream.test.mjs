import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './server.mjs';
import { startCollector, makeBatch, makeEvent, newEnvId } from './harness.mjs';

/** @type {Awaited<ReturnType<typeof startCollector>>} */
let c;
before(async () => { c = await startCollector({ heartbeatMs: 30 }); });
after(() => c.close());

/**
 * @typedef {{ id?: string, event?: string, data?: any, comment?: string, retry?: string }} Message
 */

/**
 * Opens a server-sent event stream with fetch and parses its messages as they come.
 * @param {string} url @param {Record<string, string>} [headers]
 */
async function openStream(url, headers = {}) {
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  /** @type {Message[]} */
  const messages = [];
  /** @type {(() => void)[]} */
  let waiters = [];
  let ended = false;
  const wake = () => { waiters.forEach((w) => w()); waiters = []; };
  const body = res.ok ? res.body : null;
  if (body) {
    (async () => {
      let buffer = '';
      try {
        for await (const chunk of body.pipeThrough(new TextDecoderStream())) {
          buffer += chunk;
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            messages.push(parseMessage(buffer.slice(0, end)));
            buffer = buffer.slice(end + 2);
          }
          wake();
        }
      } catch {
        // Aborted by close().
      }
      ended = true;
      wake();
    })();
  }
  return {
    res,
    /** Event messages (not comments or control messages) received so far. */
    get events() { return messages.filter((m) => m.data !== undefined && m.event === undefined); },
    messages,
    get ended() { return ended; },
    /**
     * Waits until `ready()` holds, failing after `ms` (a second unless told).
     * @param {() => boolean} ready @param {string} what @param {number} [ms]
     */
    async until(ready, what, ms = 1000) {
      const deadline = Date.now() + ms;
      while (!ready()) {
        if (ended) assert.fail(`the stream ended before ${what}`);
        const left = deadline - Date.now();
        if (left <= 0) assert.fail(`timed out waiting for ${what}`);
        await new Promise((resolve) => { waiters.push(() => resolve(undefined)); setTimeout(resolve, left); });
      }
    },
    close() { abort.abort(); },
  };
}

/** @param {string} block @returns {Message} */
function parseMessage(block) {
  /** @type {Message} */
  const message = {};
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) { message.comment = line.slice(1).trim(); continue; }
    const [field, ...rest] = line.split(': ');
    const value = rest.join(': ');
    if (field === 'data') message.data = JSON.parse(value);
    else if (field === 'id' || field === 'event' || field === 'retry') message[field] = value;
  }
  return message;
}

/** @param {string} env @param {unknown[]} events */
async function send(env, events) {
  const res = await c.post(makeBatch(env, events));
  assert.equal(res.status, 200, await res.clone().text());
}

test('a stream pushes each stored event once, after its batch is stored, and only its own env id', async () => {
  const env = newEnvId();
  const stream = await openStream(`${c.base}/v1/stream?env_id=${env}`);
  try {
    assert.equal(stream.res.status, 200);
    assert.match(stream.res.headers.get('content-type') ?? '', /^text\/event-stream/);
    await stream.until(() => stream.messages.some((m) => m.event === 'ready'), 'the ready message');
    const first = makeEvent({ name: 'First', properties: { plan: 'pro' } });
    const second = makeEvent({ type: 'pageview', name: undefined });
    await send(env, [first, second]);
    await send(newEnvId(), [makeEvent({ name: 'Elsewhere' })]);
    await send(env, [first]); // a resend: stored once, so pushed once
    const third = makeEvent({ name: 'Third' });
    await send(env, [third]);
    await stream.until(() => stream.events.length >= 3, 'three events');
    assert.deepEqual(stream.events.map((m) => [m.id, m.data.id, m.data.name ?? m.data.type]), [
      [first.id, first.id, 'First'], [second.id, second.id, 'pageview'], [third.id, third.id, 'Third'],
    ]);
    assert.deepEqual(stream.events[0].data.properties, { plan: 'pro' });
    assert.equal(stream.events[0].data.env_id, env);
  } finally {
    stream.close();
  }
});

test('filters, backlog, since_id and Last-Event-ID choose what a stream sends', async () => {
  const env = newEnvId();
  const old = [makeEvent({ name: 'A' }), makeEvent({ name: 'B' }), makeEvent({ name: 'A' }), makeEvent({ name: 'C' })];
  await send(env, old);
  const names = (/** @type {Awaited<ReturnType<typeof openStream>>} */ s) => s.events.map((m) => m.data.name);

  const backlog = await openStream(`${c.base}/v1/stream?env_id=${env}&backlog=2`);
  const filtered = await openStream(`${c.base}/v1/stream?env_id=${env}&name=A&backlog=5`);
  const resumed = await openStream(`${c.base}/v1/stream?env_id=${env}&since_id=${old[1].id}`);
  const reconnected = await openStream(`${c.base}/v1/stream?env_id=${env}&backlog=5`, { 'Last-Event-ID': old[2].id });
  const stale = await openStream(`${c.base}/v1/stream?env_id=${env}`, { 'Last-Event-ID': 'gone' });
  // An EventSource opened with since_id reconnects to the same URL, telling the last event it got.
  const resumedAgain = await openStream(`${c.base}/v1/stream?env_id=${env}&since_id=${old[0].id}`, { 'Last-Event-ID': old[2].id });
  const streams = [backlog, filtered, resumed, reconnected, stale, resumedAgain];
  try {
    for (const s of streams) await s.until(() => s.messages.some((m) => m.event === 'ready'), 'ready');
    const after = makeEvent({ name: 'A' });
    await send(env, [after]);
    for (const s of streams) await s.until(() => s.events.some((m) => m.id === after.id), 'the new event');
    assert.deepEqual(names(backlog), ['A', 'C', 'A'], 'the 2 newest, oldest first, then live');
    assert.deepEqual(backlog.messages.find((m) => m.event === 'ready')?.data, { backlog: 2 });
    assert.deepEqual(names(filtered), ['A', 'A', 'A']);
    assert.deepEqual(names(resumed), ['A', 'C', 'A'], 'everything after since_id');
    assert.deepEqual(names(reconnected), ['C', 'A'], 'Last-Event-ID wins over backlog');
    assert.deepEqual(names(stale), ['A'], 'an unknown Last-Event-ID starts at the newest event');
    assert.deepEqual(names(resumedAgain), ['C', 'A'], 'Last-Event-ID wins over since_id: a reconnect sends nothing twice');
  } finally {
    streams.forEach((s) => s.close());
  }
  assert.equal((await fetch(`${c.base}/v1/stream?env_id=${env}&since_id=gone`)).status, 400);
  assert.equal((await fetch(`${c.base}/v1/stream`)).status, 400);
  assert.equal((await fetch(`${c.base}/v1/stream?env_id=${env}&backlog=x`)).status, 400);
});

test('a stream that has sent no event yet resumes where it began after a reconnect, missing nothing stored meanwhile', async () => {
  const env = newEnvId();
  await send(env, [makeEvent({ name: 'Before' })]);
  const first = await openStream(`${c.base}/v1/stream?env_id=${env}&name=Wanted`);
  await first.until(() => first.messages.some((m) => m.event === 'ready'), 'ready');
  first.close();
  // Stored while the connection is down (a collector restart, a proxy timeout).
  const missed = makeEvent({ name: 'Wanted' });
  await send(env, [makeEvent({ name: 'Other' }), missed]);
  // An EventSource reconnects to the same URL with the last id any message carried, if one did.
  const lastEventId = first.messages.findLast((m) => m.id !== undefined)?.id;
  const again = await openStream(`${c.base}/v1/stream?env_id=${env}&name=Wanted`, lastEventId ? { 'Last-Event-ID': lastEventId } : {});
  try {
    await again.until(() => again.messages.some((m) => m.event === 'ready'), 'ready');
    const later = makeEvent({ name: 'Wanted' });
    await send(env, [later]);
    await again.until(() => again.events.some((m) => m.id === later.id), 'the event stored after the reconnect');
    assert.deepEqual(again.events.map((m) => m.id), [missed.id, later.id]);
  } finally {
    again.close();
  }
});

test('a stream shows the events another collector stored in the same database (two processes on one file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heap-stream-'));
  const file = join(dir, 'shared.sqlite');
  const [a, b] = [await startCollector({ dbFile: file }), await startCollector({ dbFile: file })];
  const env = newEnvId();
  const stream = await openStream(`${b.base}/v1/stream?env_id=${env}`);
  try {
    await stream.until(() => stream.messages.some((m) => m.event === 'ready'), 'ready');
    const elsewhere = makeEvent({ name: 'Stored by the other collector' });
    assert.equal((await a.post(makeBatch(env, [elsewhere]))).status, 200);
    await stream.until(() => stream.events.some((m) => m.id === elsewhere.id), 'the other collector\'s event', 5000);
  } finally {
    stream.close();
    await a.close();
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an idle stream gets heartbeat comments', async () => {
  const stream = await openStream(`${c.base}/v1/stream?env_id=${newEnvId()}`);
  try {
    await stream.until(() => stream.messages.filter((m) => m.comment === 'ping').length >= 2, 'two heartbeats');
  } finally {
    stream.close();
  }
});

test('streams are capped, and a closed stream frees its place', async () => {
  const capped = await startCollector({ maxStreams: 1 });
  try {
    const env = newEnvId();
    const first = await openStream(`${capped.base}/v1/stream?env_id=${env}`);
    await first.until(() => first.messages.some((m) => m.event === 'ready'), 'ready');
    const refused = await fetch(`${capped.base}/v1/stream?env_id=${env}`);
    assert.deepEqual([refused.status, refused.headers.get('retry-after')], [503, '5']);
    first.close();
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      const again = await openStream(`${capped.base}/v1/stream?env_id=${env}`);
      status = again.res.status;
      again.close();
    }
    assert.equal(status, 200);
  } finally {
    await capped.close();
  }
});

test('shutting down ends open streams instead of waiting for them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heap-stream-'));
  const server = await startServer({ PORT: '0', DB_FILE: join(dir, 'stream.sqlite') });
  try {
    const stream = await openStream(`${server.url}/v1/stream?env_id=${newEnvId()}`);
    await stream.until(() => stream.messages.some((m) => m.event === 'ready'), 'ready');
    const started = Date.now();
    await server.close();
    assert.ok(Date.now() - started < 2000, 'close did not wait out the grace period');
    await stream.until(() => stream.ended, 'the end of the stream');
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
