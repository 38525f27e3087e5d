import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector, makeBatch, makeEvent, newEnvId, T0 } from './harness.mjs';

// The server clock equals the client's sent_at, so server_time === time here.
/** @type {Awaited<ReturnType<typeof startCollector>>} */
let c;
before(async () => { c = await startCollector({ now: () => T0 }); });
after(() => c.close());

/** @param {string} env @param {unknown[]} events @param {Record<string, unknown>} [fields] */
async function send(env, events, fields) {
  const res = await c.post(makeBatch(env, events, fields));
  assert.equal(res.status, 200, await res.clone().text());
  return res.json();
}

const names = (/** @type {any[]} */ events) => events.map((e) => e.name ?? e.type);

test('identify merges a user id\'s earlier anonymous events into the identity', async () => {
  const env = newEnvId();
  await send(env, [makeEvent({ user_id: '1', name: 'Browse', time: T0 - 300 })]);
  await send(env, [makeEvent({ user_id: '2', name: 'Other device', time: T0 - 250 })]);
  await send(env, [makeEvent({ user_id: '3', name: 'Stranger', time: T0 - 240 })]);
  await send(env, [makeEvent({ user_id: '1', type: 'identify', name: undefined, identity: 'alice', time: T0 - 200 })]);
  await send(env, [makeEvent({ user_id: '2', type: 'identify', name: undefined, identity: 'alice', time: T0 - 100 })]);
  const { events } = await c.get(`/v1/events?env_id=${env}&identity=alice`);
  assert.deepEqual(names(events), ['Browse', 'Other device', 'identify', 'identify']);
  assert.deepEqual(events.map((/** @type {any} */ e) => e.user_id), ['1', '2', '1', '2']);

  const users = await c.get(`/v1/users?env_id=${env}&identity=alice`);
  assert.deepEqual(users.users.map((/** @type {any} */ u) => [u.user_id, u.identity]), [['1', 'alice'], ['2', 'alice']]);
  const stranger = await c.get(`/v1/users?env_id=${env}&user_id=3`);
  assert.deepEqual(stranger.users.map((/** @type {any} */ u) => [u.user_id, u.identity, u.first_seen, u.last_seen]), [['3', null, T0 - 240, T0 - 240]]);
});

test('two devices identified as one identity are one user, whichever collector process stores which batch, in any order, resent', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heap-users-'));
  const file = join(dir, 'shared.sqlite');
  const [a, b] = [await startCollector({ now: () => T0, dbFile: file }), await startCollector({ now: () => T0, dbFile: file })];
  try {
    const env = newEnvId();
    const event = (/** @type {Record<string, unknown>} */ fields) => makeEvent({ name: undefined, ...fields });
    // Device 1 (user 1) browses, sets a property, signs in, buys, signs out (a new anonymous user 3); device 2 (user 2)
    // signs in later and overwrites the property.
    const batches = [
      [event({ user_id: '1', type: 'track', name: 'Browse', time: T0 - 600 }), event({ user_id: '1', type: 'user_properties', properties: { plan: 'free', seats: 1 }, time: T0 - 550 })],
      [event({ user_id: '1', type: 'identify', identity: 'alice', time: T0 - 500 }), event({ user_id: '1', type: 'track', name: 'Buy', identity: 'alice', time: T0 - 450 })],
      [event({ user_id: '3', type: 'track', name: 'After logout', time: T0 - 400 })],
      [event({ user_id: '2', type: 'identify', identity: 'alice', time: T0 - 300 }), event({ user_id: '2', type: 'user_properties', identity: 'alice', properties: { plan: 'pro' }, time: T0 - 250 })],
    ];
    // Newest first, each sent to one process and resent to the other (an acknowledgement lost on the way).
    const answers = [];
    for (const [i, events] of [...batches.entries()].reverse()) {
      for (const collector of i % 2 ? [a, b] : [b, a]) {
        const res = await collector.post(makeBatch(env, events));
        assert.equal(res.status, 200, await res.clone().text());
        answers.push(await res.json());
      }
    }
    assert.deepEqual(answers, [...batches].reverse().flatMap(({ length }) => [{ accepted: length, duplicates: 0 }, { accepted: 0, duplicates: length }]));
    for (const reader of [a, b]) {
      const { events } = await reader.get(`/v1/events?env_id=${env}&identity=alice`);
      assert.deepEqual(events.map((/** @type {any} */ e) => e.name ?? e.type).sort(), ['Browse', 'Buy', 'identify', 'identify', 'user_properties', 'user_properties']);
      const alice = await reader.get(`/v1/users?env_id=${env}&identity=alice`);
      assert.deepEqual(alice.users.map((/** @type {any} */ u) => [u.user_id, u.first_seen, u.last_seen]), [['1', T0 - 600, T0 - 450], ['2', T0 - 300, T0 - 250]]);
      assert.deepEqual(alice.properties, { plan: 'pro', seats: 1 });
      const after = await reader.get(`/v1/users?env_id=${env}&user_id=3`);
      assert.deepEqual(after.users.map((/** @type {any} */ u) => [u.user_id, u.identity]), [['3', null]]);
    }
  } finally {
    await a.close();
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('user properties merge per key, last write by event time winning', async () => {
  const env = newEnvId();
  const props = (/** @type {string} */ userId, /** @type {number} */ time, /** @type {object} */ properties) =>
    makeEvent({ user_id: userId, type: 'user_properties', name: undefined, time, properties });
  await send(env, [props('1', T0 - 100, { plan: 'pro', seats: 3 })]);
  // Arrives later but happened earlier: must not override plan.
  await send(env, [props('1', T0 - 500, { plan: 'free', country: 'NL' })]);
  const one = await c.get(`/v1/users?env_id=${env}&user_id=1`);
  assert.deepEqual(one.users[0].properties, { plan: 'pro', seats: 3, country: 'NL' });

  await send(env, [props('2', T0 - 50, { seats: 5, vip: true }), makeEvent({ user_id: '2', type: 'identify', name: undefined, identity: 'bob' })]);
  await send(env, [makeEvent({ user_id: '1', type: 'identify', name: undefined, identity: 'bob' })]);
  const merged = await c.get(`/v1/users?env_id=${env}&identity=bob`);
  assert.deepEqual(merged.properties, { plan: 'pro', seats: 5, country: 'NL', vip: true });
  assert.equal(merged.users.length, 2);
});

test('a user property named __proto__ is kept in an identity\'s merged properties, as in its user row', async () => {
  const env = newEnvId();
  // Written as JSON text: an object literal's __proto__ would set the prototype, not a key.
  const event = JSON.stringify(makeEvent({ type: 'user_properties', name: undefined, identity: 'carol' }))
    .replace(/}$/, ',"properties":{"__proto__":"x","plan":"pro"}}');
  const res = await c.post(`{"v":1,"env_id":"${env}","sent_at":${T0},"events":[${event}]}`);
  assert.equal(res.status, 200, await res.clone().text());
  const expected = JSON.parse('{"__proto__":"x","plan":"pro"}');
  const { users, properties } = await c.get(`/v1/users?env_id=${env}&identity=carol`);
  assert.deepEqual(users[0].properties, expected);
  assert.deepEqual(properties, expected);
});

test('events filter by type, name, user_id, session_id, since_id and limit, oldest first', async () => {
  const env = newEnvId();
  const a = makeEvent({ name: 'A', session_id: 's1' });
  const b = makeEvent({ type: 'click', name: undefined, user_id: '9', target: { tag: 'button' } });
  const c2 = makeEvent({ name: 'A', session_id: 's2', page: { url: 'https://shop.example/' } });
  await send(env, [a, b]);
  await send(env, [c2]);
  const get = async (/** @type {string} */ q) => (await c.get(`/v1/events?env_id=${env}${q}`)).events.map((/** @type {any} */ e) => e.id);
  assert.deepEqual(await get(''), [a.id, b.id, c2.id]);
  assert.deepEqual(await get('&type=click'), [b.id]);
  assert.deepEqual(await get('&name=A'), [a.id, c2.id]);
  assert.deepEqual(await get('&user_id=9'), [b.id]);
  assert.deepEqual(await get('&session_id=s2'), [c2.id]);
  assert.deepEqual(await get(`&since_id=${a.id}`), [b.id, c2.id]);
  assert.deepEqual(await get('&limit=2'), [a.id, b.id]);
  assert.deepEqual(await get('&name=A&session_id=s1'), [a.id]);

  const [stored] = (await c.get(`/v1/events?env_id=${env}&type=click`)).events;
  assert.deepEqual(Object.keys(stored).sort(), ['env_id', 'id', 'identity', 'name', 'page', 'pageview_id', 'properties',
    'received_at', 'server_time', 'session', 'session_id', 'target', 'time', 'type', 'user_id']);
  assert.deepEqual(stored.target, { tag: 'button' });
  assert.equal((await fetch(`${c.base}/v1/events?env_id=${env}&since_id=unknown`)).status, 400);
  assert.equal((await fetch(`${c.base}/v1/events?env_id=${env}&limit=0`)).status, 400);
  assert.equal((await fetch(`${c.base}/v1/events`)).status, 400);
  assert.equal((await c.get(`/v1/events?env_id=${env}&limit=99999`)).events.length, 3);
});

test('counts group by track name or other type per minute and hour bucket', async () => {
  const env = newEnvId();
  const hour = 3_600_000;
  const start = Math.floor(T0 / hour) * hour - hour; // T0 - 1h rounded: every event below sits in two hour buckets
  await send(env, [
    makeEvent({ name: 'Buy', time: start + 1_000 }),
    makeEvent({ name: 'Buy', time: start + 2_000 }),
    makeEvent({ type: 'pageview', name: undefined, time: start + 61_000 }),
    makeEvent({ name: 'Buy', time: start + hour + 5_000 }),
  ]);
  const minute = await c.get(`/v1/counts?env_id=${env}&bucket=minute`);
  assert.deepEqual(minute, { bucket: 'minute', counts: [
    { bucket_start: start, type: 'track', name: 'Buy', count: 2 },
    { bucket_start: start + 60_000, type: 'pageview', name: 'pageview', count: 1 },
    { bucket_start: start + hour, type: 'track', name: 'Buy', count: 1 },
  ], now: T0 });
  const hourly = await c.get(`/v1/counts?env_id=${env}&bucket=hour`);
  assert.deepEqual(hourly.counts, [
    { bucket_start: start, type: 'track', name: 'Buy', count: 2 },
    { bucket_start: start, type: 'pageview', name: 'pageview', count: 1 },
    { bucket_start: start + hour, type: 'track', name: 'Buy', count: 1 },
  ]);
  assert.equal((await fetch(`${c.base}/v1/counts?env_id=${env}&bucket=day`)).status, 400);
});

test('counts keep a track event named like a type apart from the events of that type', async () => {
  const env = newEnvId();
  await send(env, [
    makeEvent({ name: 'pageview' }),
    makeEvent({ name: 'pageview' }),
    makeEvent({ type: 'pageview', name: undefined }),
  ]);
  const minute = Math.floor((T0 - 1000) / 60_000) * 60_000;
  assert.deepEqual((await c.get(`/v1/counts?env_id=${env}&bucket=minute`)).counts, [
    { bucket_start: minute, type: 'pageview', name: 'pageview', count: 1 },
    { bucket_start: minute, type: 'track', name: 'pageview', count: 2 },
  ]);
});

test('counts take the /v1/events filters, so a chart beside a filtered table counts the events it shows', async () => {
  const env = newEnvId();
  await send(env, [
    makeEvent({ user_id: '1', session_id: 'a', name: 'Buy' }),
    makeEvent({ user_id: '1', session_id: 'b', name: 'Browse' }),
    makeEvent({ user_id: '2', session_id: 'c', name: 'Buy' }),
    makeEvent({ user_id: '2', session_id: 'c', type: 'pageview', name: undefined }),
    makeEvent({ user_id: '1', type: 'identify', name: undefined, identity: 'alice' }),
  ]);
  const minute = Math.floor((T0 - 1000) / 60_000) * 60_000;
  const counts = async (/** @type {string} */ filters) => (await c.get(`/v1/counts?env_id=${env}&bucket=minute&${filters}`)).counts
    .map((/** @type {any} */ row) => [row.name, row.count, row.bucket_start === minute]);
  assert.deepEqual(await counts('user_id=2'), [['Buy', 1, true], ['pageview', 1, true]]);
  assert.deepEqual(await counts('type=track&name=Buy'), [['Buy', 2, true]]);
  assert.deepEqual(await counts('session_id=b'), [['Browse', 1, true]]);
  assert.deepEqual(await counts('identity=alice'), [['Browse', 1, true], ['Buy', 1, true], ['identify', 1, true]]);
  assert.deepEqual(await counts('type=click'), []);
});

test('drop reports are summed per reason, and a pure resend does not count them twice', async () => {
  const env = newEnvId();
  const events = [makeEvent()];
  const dropped = [{ reason: 'cap', count: 3 }, { reason: 'retries', count: 1 }];
  await send(env, events, { dropped });
  await send(env, events, { dropped });
  await send(env, [], { dropped: [{ reason: 'cap', count: 2 }, { reason: 'storage', count: 0 }] });
  assert.deepEqual(await c.get(`/v1/drops?env_id=${env}`), { drops: [{ reason: 'cap', count: 5 }, { reason: 'retries', count: 1 }] });
});

test('a drop reason the collector does not know is stored under its name, and the batch\'s events with it', async () => {
  const env = newEnvId();
  const answer = await send(env, [makeEvent()], { dropped: [{ reason: 'cap', count: 1, id: '1' }, { reason: 'quota', count: 2, id: '1' }] });
  assert.deepEqual(answer, { accepted: 1, duplicates: 0 });
  assert.deepEqual(await c.get(`/v1/drops?env_id=${env}`), { drops: [{ reason: 'cap', count: 1 }, { reason: 'quota', count: 2 }] });
});

test('drop reports with an id count once per id and reason, whatever rides with them, their largest count winning', async () => {
  const env = newEnvId();
  const events = [makeEvent()];
  const first = [{ reason: 'cap', count: 3, id: '1' }, { reason: 'retries', count: 1, id: '1' }];
  await send(env, events, { dropped: first });
  // Its acknowledgement lost: resent alone, then with a new event and a new report, then as counts alone.
  await send(env, events, { dropped: [...first, { reason: 'cap', count: 2, id: '2' }] });
  await send(env, [...events, makeEvent()], { dropped: [...first, { reason: 'cap', count: 2, id: '2' }] });
  await send(env, [], { dropped: first });
  // A tab that read report 3 early sends less of it than the tab that made it: the larger is the whole.
  await send(env, [], { dropped: [{ reason: 'rejected', count: 4, id: '3' }] });
  await send(env, [], { dropped: [{ reason: 'rejected', count: 1, id: '3' }] });
  // An older client's report, without an id, in the same env id.
  await send(env, [], { dropped: [{ reason: 'cap', count: 1 }] });
  assert.deepEqual(await c.get(`/v1/drops?env_id=${env}`), {
    drops: [{ reason: 'cap', count: 6 }, { reason: 'rejected', count: 4 }, { reason: 'retries', count: 1 }],
  });
});

test('drop counts past what SQLite can sum still read: one client cannot break the drop counter of its env id', async () => {
  const env = newEnvId();
  // Each count is valid; together they pass 2^63, where SQLite's sum() throws.
  const dropped = Array.from({ length: 1100 }, (_, i) => ({ reason: 'cap', count: Number.MAX_SAFE_INTEGER, id: `r${i}` }));
  await send(env, [], { dropped });
  const res = await fetch(`${c.base}/v1/drops?env_id=${env}`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { drops: [{ reason: 'cap', count: 1100 * Number.MAX_SAFE_INTEGER }] });
});

test('order=desc lists events newest first; since limits counts; envs lists the env ids with events', async () => {
  const env = newEnvId();
  const [a, b, c2] = [makeEvent({ name: 'A' }), makeEvent({ name: 'B' }), makeEvent({ name: 'A', time: T0 - 10 * 60_000 })];
  await send(env, [a, b, c2]);
  const ids = async (/** @type {string} */ q) => (await c.get(`/v1/events?env_id=${env}${q}`)).events.map((/** @type {any} */ e) => e.id);
  assert.deepEqual(await ids('&order=desc'), [c2.id, b.id, a.id]);
  assert.deepEqual(await ids('&order=desc&limit=2'), [c2.id, b.id]);
  assert.deepEqual(await ids('&order=desc&name=A'), [c2.id, a.id]);
  assert.deepEqual(await ids(`&order=desc&since_id=${a.id}`), [c2.id, b.id]);
  assert.equal((await fetch(`${c.base}/v1/events?env_id=${env}&order=up`)).status, 400);

  const minute = Math.floor((T0 - 1000) / 60_000) * 60_000;
  const { counts } = await c.get(`/v1/counts?env_id=${env}&bucket=minute&since=${minute}`);
  assert.deepEqual(counts, [{ bucket_start: minute, type: 'track', name: 'A', count: 1 }, { bucket_start: minute, type: 'track', name: 'B', count: 1 }]);
  assert.equal((await fetch(`${c.base}/v1/counts?env_id=${env}&since=soon`)).status, 400);

  const other = newEnvId();
  await send(other, [makeEvent()]);
  const { envs } = await c.get('/v1/envs');
  assert.ok(envs.includes(env) && envs.includes(other));
  assert.deepEqual(envs, [...envs].sort());
});
