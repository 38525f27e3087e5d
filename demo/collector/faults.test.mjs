import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { startCollector, makeBatch, makeEvent, newEnvId } from './harness.mjs';

/** @type {Awaited<ReturnType<typeof startCollector>>} */
let c;
before(async () => { c = await startCollector(); });
after(() => c.close());

/** Sets fault rules for a fresh env id and returns it. @param {unknown[]} rules */
async function envWithFaults(rules) {
  const env = newEnvId();
  await c.control('/_test/faults', { env_id: env, rules });
  return env;
}

/** POSTs a one-event batch and returns the status, or 'reset' when the socket died. @param {string} env */
async function sendOne(env, event = makeEvent()) {
  try {
    const res = await c.post(makeBatch(env, [event]));
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 'reset';
  }
}

test('status rule with times answers that status N times, with Retry-After, then lets batches through', async () => {
  const env = await envWithFaults([{ kind: 'status', status: 503, times: 2, retry_after: '2' }]);
  const first = await c.post(makeBatch(env, [makeEvent()]));
  assert.deepEqual([first.status, first.headers.get('retry-after')], [503, '2']);
  assert.equal(await sendOne(env), 503);
  assert.equal(await sendOne(env), 200);
  assert.equal((await c.events(env)).length, 1);
});

test('status rule with for_ms holds from the first matching request, and Retry-After may be a date', async () => {
  const date = new Date(Date.now() + 5000).toUTCString();
  // A window long enough for the second request to fall in it on a loaded machine (150 ms was not, once).
  const env = await envWithFaults([{ kind: 'status', status: 429, for_ms: 1000, retry_after: date }]);
  const first = await c.post(makeBatch(env, [makeEvent()]));
  assert.deepEqual([first.status, first.headers.get('retry-after')], [429, date]);
  assert.equal(await sendOne(env), 429);
  await new Promise((resolve) => setTimeout(resolve, 1020));
  assert.equal(await sendOne(env), 200);
});

test('status rule with ids names those event ids in its errors, whatever the request holds', async () => {
  const env = await envWithFaults([{ kind: 'status', status: 400, times: 1, ids: ['not-sent'] }]);
  const res = await c.post(makeBatch(env, []));
  assert.equal(res.status, 400);
  assert.deepEqual((await res.json()).errors.map((/** @type {any} */ e) => e.id), ['not-sent']);
  assert.equal(await sendOne(env), 200);
});

test('status rule with html answers an HTML page at that status, storing nothing', async () => {
  const env = await envWithFaults([{ kind: 'status', status: 200, times: 1, html: true }]);
  const res = await c.post(makeBatch(env, [makeEvent()]));
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
  assert.match(await res.text(), /^<!doctype html>/);
  assert.equal((await c.events(env)).length, 0);
  assert.equal(await sendOne(env), 200);
  assert.equal((await c.events(env)).length, 1);
});

test('reject rule answers 400 naming the events by name or id, storing nothing of that batch', async () => {
  const marked = makeEvent({ name: 'Fine' });
  const env = await envWithFaults([{ kind: 'reject', names: ['Bad'], ids: [marked.id] }]);
  const bad = makeEvent({ name: 'Bad' });
  const res = await c.post(makeBatch(env, [makeEvent(), bad, marked]));
  assert.equal(res.status, 400);
  const { errors } = await res.json();
  assert.deepEqual(errors.map((/** @type {any} */ e) => [e.index, e.id]), [[1, bad.id], [2, marked.id]]);
  assert.deepEqual(await c.events(env), []);
  assert.equal(await sendOne(env), 200);
});

test('max_bytes rule answers 413 only for raw bodies above the limit', async () => {
  const env = await envWithFaults([{ kind: 'max_bytes', bytes: 600 }]);
  assert.equal(await sendOne(env), 200);
  assert.equal(await sendOne(env, makeEvent({ properties: { pad: 'x'.repeat(600) } })), 413);
  // The raw size counts, so the same big batch gzipped fits.
  const zipped = gzipSync(JSON.stringify(makeBatch(env, [makeEvent({ properties: { pad: 'x'.repeat(600) } })])));
  assert.equal((await c.post(zipped, { query: '?encoding=gzip' })).status, 200);
});

test('reset rule destroys the socket unanswered and stores nothing', async () => {
  const env = await envWithFaults([{ kind: 'reset', times: 1 }]);
  const event = makeEvent();
  assert.equal(await sendOne(env, event), 'reset');
  assert.deepEqual(await c.events(env), []);
  assert.equal(await sendOne(env, event), 200);
  const { requests } = await c.get(`/_test/requests?env_id=${env}`);
  assert.deepEqual(requests.map((/** @type {any} */ r) => [r.status, r.outcome, r.stored]), [[null, 'fault:reset', false], [200, 'stored', true]]);
});

test('reset_after_store rule stores the batch but never answers; the resend counts as duplicates', async () => {
  const env = await envWithFaults([{ kind: 'reset_after_store', times: 1 }]);
  const batch = makeBatch(env, [makeEvent(), makeEvent()]);
  await assert.rejects(c.post(batch));
  assert.equal((await c.events(env)).length, 2);
  assert.deepEqual(await (await c.post(batch)).json(), { accepted: 0, duplicates: 2 });
  const { requests } = await c.get(`/_test/requests?env_id=${env}`);
  assert.deepEqual(requests.map((/** @type {any} */ r) => [r.status, r.outcome, r.stored]), [[null, 'fault:reset_after_store', true], [200, 'stored', true]]);
});

test('hang rule delays the answer, then stores normally', async () => {
  // Two requests at once: the rule holds whichever reaches it first, and the other is answered while it waits (no
  // upper bound on time, which a loaded machine broke: the quick one took over 140 ms once).
  const env = await envWithFaults([{ kind: 'hang', ms: 3000, times: 1 }]);
  const started = Date.now();
  const settled = [];
  const send = () => sendOne(env).then((status) => settled.push({ status, ms: Date.now() - started }));
  await Promise.all([send(), send()]);
  assert.deepEqual(settled.map((s) => s.status), [200, 200]);
  assert.ok(settled[1].ms >= 2900, `the held request answered after ${settled[1].ms} ms`);
  assert.ok(settled[1].ms - settled[0].ms >= 1000, `the other answered ${settled[0].ms} ms in, not while the first was held`);
  assert.equal((await c.events(env)).length, 2);
});

test('random rule fails the same requests for the same seed', async () => {
  const run = async () => {
    const env = await envWithFaults([{ kind: 'random', rate: 0.3, seed: 1 }]);
    const statuses = [];
    for (let i = 0; i < 20; i++) statuses.push(await sendOne(env));
    return statuses;
  };
  const first = await run();
  assert.deepEqual(await run(), first);
  const failed = first.filter((s) => s === 503).length;
  assert.ok(failed > 0 && failed < 20, `${failed} of 20 failed`);
  assert.ok(first.every((s) => s === 503 || s === 200));
});

test('rules are checked in order and a spent rule gives way to the next', async () => {
  const env = await envWithFaults([
    { kind: 'status', status: 500, times: 1 },
    { kind: 'reject', names: ['Bad'] },
    { kind: 'status', status: 502, times: 1 },
  ]);
  assert.equal(await sendOne(env, makeEvent({ name: 'Bad' })), 500);
  assert.equal(await sendOne(env, makeEvent({ name: 'Bad' })), 400);
  assert.equal(await sendOne(env), 502);
  assert.equal(await sendOne(env), 200);
});

test('the request log records every POST of an env id with its status, size, encoding, body and outcome', async () => {
  const env = await envWithFaults([{ kind: 'status', status: 503, times: 1 }]);
  const batch = makeBatch(env, [makeEvent(), makeEvent()]);
  const text = JSON.stringify(batch);
  await sendOne(env);
  const zipped = gzipSync(text);
  await c.post(zipped, { query: '?encoding=gzip' });
  await c.post(makeBatch(env, [makeEvent({ time: 'later' })]));
  const { requests } = await c.get(`/_test/requests?env_id=${env}`);
  assert.deepEqual(requests.map((/** @type {any} */ r) => [r.status, r.outcome, r.events, r.encoding, r.stored]), [
    [503, 'fault:status', 1, null, false],
    [200, 'stored', 2, 'gzip', true],
    [400, 'invalid', 1, null, false],
  ]);
  assert.equal(requests[1].bytes, zipped.length);
  assert.equal(requests[1].body, text);
  assert.ok(requests.every((/** @type {any} */ r) => typeof r.at === 'number'));
  const other = await c.get(`/_test/requests?env_id=${newEnvId()}`);
  assert.deepEqual(other, { requests: [] });
});

test('reset forgets an env id\'s faults and request log, but keeps its events', async () => {
  const env = await envWithFaults([{ kind: 'status', status: 503 }]);
  assert.equal(await sendOne(env), 503);
  await c.control('/_test/reset', { env_id: env });
  assert.equal(await sendOne(env), 200);
  const { requests } = await c.get(`/_test/requests?env_id=${env}`);
  assert.deepEqual(requests.map((/** @type {any} */ r) => r.outcome), ['stored']);
});

test('malformed fault rules are refused with 400', async () => {
  for (const rules of [[{ kind: 'explode' }], [{ kind: 'status' }], [{ kind: 'reject' }], [{ kind: 'random', rate: 2 }], 'all']) {
    const res = await fetch(`${c.base}/_test/faults`, { method: 'POST', body: JSON.stringify({ env_id: 'x', rules }) });
    assert.equal(res.status, 400, JSON.stringify(rules));
  }
});
