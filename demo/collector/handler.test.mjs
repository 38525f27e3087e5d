import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request, createServer } from 'node:http';
import { gzipSync } from 'node:zlib';
import Koa from 'koa';
import { createCollector, koaMiddleware } from './handler.mjs';
import { startCollector, makeBatch, makeEvent, newEnvId, T0 } from './harness.mjs';

/** @type {Awaited<ReturnType<typeof startCollector>>} */
let c;
before(async () => { c = await startCollector(); });
after(() => c.close());

test('a batch is stored with common fields merged under each event', async () => {
  const env = newEnvId();
  const common = { user_id: '77', session_id: 'common-session', pageview_id: 'common-pv', identity: null };
  const own = makeEvent({ user_id: undefined, session_id: undefined, pageview_id: 'own-pv', properties: { dollars: 50 } });
  const bare = { id: makeEvent().id, type: 'pageview', time: T0 - 500 };
  const res = await c.post(makeBatch(env, [own, bare], { common }));
  assert.deepEqual([res.status, await res.json()], [200, { accepted: 2, duplicates: 0 }]);
  const events = await c.events(env);
  assert.deepEqual(events.map((/** @type {any} */ e) => [e.id, e.user_id, e.session_id, e.pageview_id, e.identity]), [
    [own.id, '77', 'common-session', 'own-pv', null],
    [bare.id, '77', 'common-session', 'common-pv', null],
  ]);
  assert.deepEqual(events[0].properties, { dollars: 50 });
  assert.deepEqual(events[1].properties, {});
  assert.equal(events[1].name, null);
});

test('application/json bodies are accepted too', async () => {
  const res = await c.post(makeBatch(newEnvId(), [makeEvent()]), { headers: { 'Content-Type': 'application/json' } });
  assert.equal(res.status, 200);
});

test('a body with no Content-Type is read as the protocol\'s JSON: a beacon of an untyped Blob is stored', async () => {
  const env = newEnvId();
  // fetch sends no Content-Type for a Blob without a type, as sendBeacon does.
  const untyped = new Blob([JSON.stringify(makeBatch(env, [makeEvent()]))]);
  const res = await fetch(`${c.base}/v1/batch`, { method: 'POST', body: untyped });
  assert.deepEqual([res.status, await res.json()], [200, { accepted: 1, duplicates: 0 }]);
  const zipped = new Blob([gzipSync(JSON.stringify(makeBatch(env, [makeEvent()])))]);
  assert.equal((await fetch(`${c.base}/v1/batch?encoding=gzip`, { method: 'POST', body: zipped })).status, 200);
  assert.equal((await c.post('not json', { headers: { 'Content-Type': '' } })).status, 400);
  assert.equal((await c.events(env)).length, 2);
});

test('other content types are refused with 415', async () => {
  for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'image/png']) {
    const res = await c.post(makeBatch(newEnvId(), [makeEvent()]), { headers: { 'Content-Type': type } });
    assert.equal(res.status, 415, type);
  }
});

test('the same batch sent twice is stored once and the resend counts duplicates', async () => {
  const env = newEnvId();
  const batch = makeBatch(env, [makeEvent(), makeEvent()]);
  assert.deepEqual(await (await c.post(batch)).json(), { accepted: 2, duplicates: 0 });
  assert.deepEqual(await (await c.post(batch)).json(), { accepted: 0, duplicates: 2 });
  const again = makeEvent();
  assert.deepEqual(await (await c.post(makeBatch(env, [again, again, batch.events[0]]))).json(), { accepted: 1, duplicates: 2 });
  assert.equal((await c.events(env)).length, 3);
});

test('event ids are unique per env id, not globally', async () => {
  const event = makeEvent();
  for (const env of [newEnvId(), newEnvId()]) {
    assert.deepEqual(await (await c.post(makeBatch(env, [event]))).json(), { accepted: 1, duplicates: 0 });
  }
});

test('gzip bodies are decoded when the query says encoding=gzip', async () => {
  const env = newEnvId();
  const body = gzipSync(JSON.stringify(makeBatch(env, [makeEvent({ name: 'Zipped' })])));
  const res = await c.post(body, { query: '?encoding=gzip' });
  assert.equal(res.status, 200);
  assert.deepEqual((await c.events(env)).map((/** @type {any} */ e) => e.name), ['Zipped']);
});

test('gzip bodies are decoded when Content-Encoding says gzip', async () => {
  const env = newEnvId();
  const body = gzipSync(JSON.stringify(makeBatch(env, [makeEvent()])));
  const res = await c.post(body, { headers: { 'Content-Encoding': 'gzip' } });
  assert.equal(res.status, 200);
  assert.equal((await c.events(env)).length, 1);
});

test('Content-Encoding: x-gzip is read as gzip, its alias in HTTP', async () => {
  const env = newEnvId();
  const body = gzipSync(JSON.stringify(makeBatch(env, [makeEvent()])));
  const res = await c.post(body, { headers: { 'Content-Encoding': 'x-gzip' } });
  assert.equal(res.status, 200);
  assert.equal((await c.events(env)).length, 1);
});

test('broken gzip is a 400 and an unknown encoding a 415', async () => {
  assert.equal((await c.post('not gzip at all', { query: '?encoding=gzip' })).status, 400);
  assert.equal((await c.post('{}', { headers: { 'Content-Encoding': 'br' } })).status, 415);
});

test('a gzip bomb past decodedLimit is refused with 413', async () => {
  const bomb = gzipSync(Buffer.alloc(5 * 1024 * 1024 + 1, 0x20));
  assert.ok(bomb.length < 10_000);
  const res = await c.post(bomb, { query: '?encoding=gzip' });
  assert.equal(res.status, 413);
  assert.ok((await res.json()).errors[0].problem.includes('decoded'));
});

test('a body past bodyLimit is refused with 413, whether its length is declared or streamed', async () => {
  const small = await startCollector({ bodyLimit: 2000 });
  try {
    const env = newEnvId();
    const fits = JSON.stringify(makeBatch(env, [makeEvent()]));
    assert.equal((await small.post(fits)).status, 200);
    const big = JSON.stringify(makeBatch(env, [makeEvent({ properties: { pad: 'x'.repeat(1000) } }), makeEvent({ properties: { pad: 'y'.repeat(1000) } })]));
    assert.equal((await small.post(big)).status, 413);
    const streamed = await new Promise((resolve, reject) => {
      const req = request(`${small.base}/v1/batch`, { method: 'POST', headers: { 'Content-Type': 'text/plain' } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      for (let i = 0; i < 5; i++) req.write('x'.repeat(1000));
      req.end();
    });
    assert.equal(streamed, 413);
    assert.equal((await small.events(env)).length, 1);
  } finally {
    await small.close();
  }
});

test('bad JSON and bad UTF-8 are 400', async () => {
  for (const body of ['{"v":1,', Buffer.from([0x7b, 0xff, 0x7d])]) {
    const res = await c.post(body);
    assert.equal(res.status, 400);
    assert.equal(typeof (await res.json()).errors[0].problem, 'string');
  }
});

test('half of an emoji is stored as U+FFFD, so an event name or identity reads back as sent and filters find it', async () => {
  const env = newEnvId();
  // A site's own cut of a string (`title.slice(0, 40)`) leaves a lone surrogate; JSON carries it as an escape. Stored
  // as it came, SQLite held bytes that are no UTF-8: the name and identity read back as three U+FFFD each, found by no
  // filter, and user property keys alike.
  const event = makeEvent({ name: 'Liked \ud83d', identity: 'ana\ude00', properties: { 'k\ud83d': 'v\ud83d', pair: '\ud83d\ude00' } });
  const props = makeEvent({ type: 'user_properties', name: undefined, identity: 'ana\ude00', properties: { 'plan\ud83d': 'pro' } });
  // Escaped as a client that writes ASCII only sends it, an emoji is two escapes in a row: kept whole.
  const text = JSON.stringify(makeBatch(env, [event, props])).replace('"pair":"\u{1F600}"', '"pair":"\\ud83d\\ude00"');
  assert.equal((await c.post(text)).status, 200);
  const [stored] = await c.events(env, `&name=${encodeURIComponent('Liked \ufffd')}`);
  assert.deepEqual([stored?.name, stored?.identity, stored?.properties], ['Liked \ufffd', 'ana\ufffd', { 'k\ufffd': 'v\ufffd', pair: '\u{1F600}' }]);
  assert.equal((await c.events(env, `&identity=${encodeURIComponent('ana\ufffd')}`)).length, 2);
  const { users } = await c.get(`/v1/users?env_id=${env}`);
  assert.deepEqual([users[0].identity, users[0].properties], ['ana\ufffd', { 'plan\ufffd': 'pro' }]);
});

test('event times are corrected by received_at - sent_at', async () => {
  const serverNow = T0 + 60_000;
  const skewed = await startCollector({ now: () => serverNow });
  try {
    const env = newEnvId();
    // The client clock runs 60 s behind: it sent at T0 while the server read T0 + 60 s.
    await skewed.post(makeBatch(env, [makeEvent({ time: T0 - 5000 })], { sent_at: T0 }));
    const [event] = await skewed.events(env);
    assert.deepEqual([event.time, event.received_at, event.server_time], [T0 - 5000, serverNow, serverNow - 5000]);
  } finally {
    await skewed.close();
  }
});

test('an event captured before the client clock was set back is not stored in the future, and what the user set after it wins', async () => {
  let serverNow = T0;
  const collector = await startCollector({ now: () => serverNow });
  try {
    const env = newEnvId();
    // The visitor's clock was an hour fast when the plan was set, and was set right (NTP) before the batch went out:
    // the event's time is an hour after the batch's sent_at.
    const free = makeEvent({ type: 'user_properties', name: undefined, properties: { plan: 'free' }, time: T0 + 3_600_000 });
    await collector.post(makeBatch(env, [free], { sent_at: T0 }));
    serverNow += 60_000;
    const pro = makeEvent({ type: 'user_properties', name: undefined, properties: { plan: 'pro' }, time: T0 + 60_000 });
    await collector.post(makeBatch(env, [pro], { sent_at: T0 + 60_000 }));
    const events = await collector.events(env);
    assert.ok(events.every((e) => e.server_time <= e.received_at), JSON.stringify(events.map((e) => [e.server_time - T0, e.received_at - T0])));
    const { users } = await collector.get(`/v1/users?env_id=${env}`);
    assert.deepEqual(users[0].properties, { plan: 'pro' });
  } finally {
    await collector.close();
  }
});

test('CORS: allowed origins are echoed, others get 403, preflights are answered', async () => {
  const cors = await startCollector({ allowedOrigins: ['https://shop.example'] });
  try {
    const env = newEnvId();
    const ok = await cors.post(makeBatch(env, [makeEvent()]), { headers: { Origin: 'https://shop.example' } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://shop.example');
    assert.equal(ok.headers.get('vary'), 'Origin');
    assert.match(ok.headers.get('access-control-expose-headers') ?? '', /Retry-After/);

    const denied = await cors.post(makeBatch(env, [makeEvent()]), { headers: { Origin: 'https://evil.example' } });
    assert.equal(denied.status, 403);
    assert.equal(denied.headers.get('access-control-allow-origin'), null);
    assert.equal((await cors.events(env)).length, 1);

    const preflight = await fetch(`${cors.base}/v1/batch`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://shop.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://shop.example');
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.equal(preflight.headers.get('access-control-allow-headers'), 'content-type');
    const deniedPreflight = await fetch(`${cors.base}/v1/batch`, { method: 'OPTIONS', headers: { Origin: 'https://evil.example' } });
    assert.equal(deniedPreflight.status, 403);
  } finally {
    await cors.close();
  }
  const any = await c.post(makeBatch(newEnvId(), [makeEvent()]), { headers: { Origin: 'https://anything.example' } });
  assert.equal(any.headers.get('access-control-allow-origin'), 'https://anything.example');
});

test('CORS never allows credentialed requests: another site cannot read events with a team member\'s login', async () => {
  // Behind a proxy's basic auth (docs/collector.md), a browser that logged in attaches that login to a page's
  // fetch(..., { credentials: 'include' }); the answer is the page's to read only with Allow-Credentials: true.
  const env = newEnvId();
  await c.post(makeBatch(env, [makeEvent()]));
  const headers = { Origin: 'https://evil.example' };
  const read = await fetch(`${c.base}/v1/events?env_id=${env}`, { headers });
  const preflight = await fetch(`${c.base}/v1/events`, {
    method: 'OPTIONS',
    headers: { ...headers, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
  });
  const sent = await c.post(makeBatch(env, [makeEvent()]), { headers });
  for (const res of [read, preflight, sent]) {
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://evil.example');
    assert.equal(res.headers.get('access-control-allow-credentials'), null);
  }
});

test('unknown paths are 404, a wrong method is 405, and test endpoints need testing: true', async () => {
  assert.equal((await fetch(`${c.base}/v2/batch`)).status, 404);
  const wrong = await fetch(`${c.base}/v1/batch`);
  assert.deepEqual([wrong.status, wrong.headers.get('allow')], [405, 'POST']);
  const plain = await startCollector({ testing: false });
  try {
    assert.equal((await fetch(`${plain.base}/_test/requests?env_id=x`)).status, 404);
  } finally {
    await plain.close();
  }
});

test('handle passes other paths to next, answers 404 without next, and resolves when the response is done', async () => {
  const collector = createCollector();
  let passed = 0;
  /** @type {Promise<void> | undefined} */
  let handled;
  const server = createServer((req, res) => {
    if (req.url === '/no-next') return void collector.handle(req, res);
    handled = collector.handle(req, res, () => { passed++; res.end('app'); });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const origin = `http://127.0.0.1:${/** @type {any} */ (server.address()).port}`;
  try {
    assert.equal(await (await fetch(`${origin}/index.html`)).text(), 'app');
    assert.equal(await (await fetch(`${origin}/__collectX`)).text(), 'app');
    assert.equal(passed, 2);
    assert.equal((await fetch(`${origin}/no-next`)).status, 404);
    const res = await fetch(`${origin}/__collect/v1/drops?env_id=x`);
    assert.equal(res.status, 200);
    await handled;
  } finally {
    server.closeAllConnections();
    server.close();
    await collector.close();
  }
});

test('koaMiddleware serves the collector inside a Koa app and leaves other paths to Koa', async () => {
  const collector = createCollector();
  const app = new Koa();
  app.use(koaMiddleware(collector));
  app.use((ctx) => { ctx.body = 'koa'; });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const origin = `http://127.0.0.1:${/** @type {any} */ (server.address()).port}`;
  try {
    const env = newEnvId();
    const res = await fetch(`${origin}/__collect/v1/batch`, { method: 'POST', body: JSON.stringify(makeBatch(env, [makeEvent()])) });
    assert.deepEqual(await res.json(), { accepted: 1, duplicates: 0 });
    assert.equal(await (await fetch(`${origin}/page`)).text(), 'koa');
    const read = await (await fetch(`${origin}/__collect/v1/events?env_id=${env}`)).json();
    assert.equal(read.events.length, 1);
  } finally {
    server.closeAllConnections();
    server.close();
    await collector.close();
  }
});

test('an unexpected store failure is a logged 500 and the collector keeps serving', async () => {
  const real = c.collector.store;
  const failing = await startCollector({
    store: { ...real, insertBatch: () => { throw new Error('disk on fire'); }, close: () => {} },
  });
  try {
    const res = await failing.post(makeBatch(newEnvId(), [makeEvent()]));
    assert.equal(res.status, 500);
    assert.equal(/** @type {Error} */ (failing.errors[0]).message, 'disk on fire');
    assert.equal((await fetch(`${failing.base}/v1/drops?env_id=x`)).status, 200);
  } finally {
    await failing.close();
  }
});
