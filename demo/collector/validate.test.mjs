import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCollector, makeBatch, makeEvent, newEnvId } from './harness.mjs';

/** @type {Awaited<ReturnType<typeof startCollector>>} */
let c;
before(async () => { c = await startCollector(); });
after(() => c.close());

const s = (/** @type {number} */ n, ch = 'a') => ch.repeat(n);

// [what, the batch given a fresh env id, expected status]; event-level cases put the
// offending event at index 0 so the error must name index 0 and its id.
/** @type {[string, (env: string) => unknown, number][]} */
const CASES = [
  ['a valid batch', (env) => makeBatch(env, [makeEvent()]), 200],
  ['an empty events array', (env) => makeBatch(env, []), 200],
  ['the body is an array', () => [], 400],
  ['v is 2', (env) => makeBatch(env, [], { v: 2 }), 400],
  ['v is missing', (env) => makeBatch(env, [], { v: undefined }), 400],
  ['env_id is empty', () => makeBatch('', []), 400],
  ['env_id has 64 chars', () => makeBatch(s(64), []), 200],
  ['env_id has 65 chars', () => makeBatch(s(65), []), 400],
  ['env_id is a number', () => makeBatch(/** @type {any} */ (123456), []), 400],
  ['sent_at is a string', (env) => makeBatch(env, [], { sent_at: '1796040000000' }), 400],
  ['sent_at is fractional', (env) => makeBatch(env, [], { sent_at: 1.5 }), 400],
  ['events is an object', (env) => makeBatch(env, /** @type {any} */ ({})), 400],
  ['events holds 1000 items', (env) => makeBatch(env, Array.from({ length: 1000 }, () => makeEvent())), 200],
  ['events holds 1001 items', (env) => makeBatch(env, Array.from({ length: 1001 }, () => makeEvent())), 400],
  ['common is an array', (env) => makeBatch(env, [], { common: [] }), 400],
  ['library is a string', (env) => makeBatch(env, [], { library: 'heap' }), 400],
  ['dropped has a reason this collector does not know (a newer client\'s)', (env) => makeBatch(env, [makeEvent()], { dropped: [{ reason: 'bored', count: 1 }] }), 200],
  ['dropped has a reason that is a number', (env) => makeBatch(env, [], { dropped: [{ reason: 1, count: 1 }] }), 400],
  ['dropped has an empty reason', (env) => makeBatch(env, [], { dropped: [{ reason: '', count: 1 }] }), 400],
  ['dropped has a reason of 65 chars', (env) => makeBatch(env, [], { dropped: [{ reason: s(65), count: 1 }] }), 400],
  ['dropped has a negative count', (env) => makeBatch(env, [], { dropped: [{ reason: 'cap', count: -1 }] }), 400],
  ['dropped has a report id', (env) => makeBatch(env, [], { dropped: [{ reason: 'cap', count: 1, id: '4520981725143342' }] }), 200],
  ['dropped has a numeric report id', (env) => makeBatch(env, [], { dropped: [{ reason: 'cap', count: 1, id: 4520981725143342 }] }), 400],
  ['dropped has an empty report id', (env) => makeBatch(env, [], { dropped: [{ reason: 'cap', count: 1, id: '' }] }), 400],
  ['dropped has a report id of 65 chars', (env) => makeBatch(env, [], { dropped: [{ reason: 'cap', count: 1, id: s(65) }] }), 400],
  ['an event is a string', (env) => makeBatch(env, ['click']), 400],
  ['id is not a UUID', (env) => makeBatch(env, [makeEvent({ id: 'event-1' })]), 400],
  ['id is missing', (env) => makeBatch(env, [makeEvent({ id: undefined })]), 400],
  ['type is unknown', (env) => makeBatch(env, [makeEvent({ type: 'scroll' })]), 400],
  ['a track event has no name', (env) => makeBatch(env, [makeEvent({ name: undefined })]), 400],
  ['a track event has an empty name', (env) => makeBatch(env, [makeEvent({ name: '' })]), 400],
  ['a pageview has no name', (env) => makeBatch(env, [makeEvent({ type: 'pageview', name: undefined })]), 200],
  ['name has 255 chars', (env) => makeBatch(env, [makeEvent({ name: s(255) })]), 200],
  ['name has 256 chars', (env) => makeBatch(env, [makeEvent({ name: s(256) })]), 400],
  ['name has 255 astral chars (510 UTF-16 units)', (env) => makeBatch(env, [makeEvent({ name: s(255, '😀') })]), 200],
  ['name is a number', (env) => makeBatch(env, [makeEvent({ name: 42 })]), 400],
  ['time is a numeric string', (env) => makeBatch(env, [makeEvent({ time: '1796039999000' })]), 400],
  ['time is fractional', (env) => makeBatch(env, [makeEvent({ time: 1796039999000.5 })]), 400],
  ['time is missing', (env) => makeBatch(env, [makeEvent({ time: undefined })]), 400],
  ['user_id is a number', (env) => makeBatch(env, [makeEvent({ user_id: 4520981725143342 })]), 400],
  ['user_id has a letter', (env) => makeBatch(env, [makeEvent({ user_id: '45209x' })]), 400],
  ['identity is null', (env) => makeBatch(env, [makeEvent({ identity: null })]), 200],
  ['identity has 254 chars', (env) => makeBatch(env, [makeEvent({ identity: s(254) })]), 200],
  ['identity has 255 chars', (env) => makeBatch(env, [makeEvent({ identity: s(255) })]), 400],
  ['identity is a number', (env) => makeBatch(env, [makeEvent({ identity: 7 })]), 400],
  ['session_id is empty', (env) => makeBatch(env, [makeEvent({ session_id: '' })]), 400],
  ['session_id is missing', (env) => makeBatch(env, [makeEvent({ session_id: undefined })]), 400],
  ['pageview_id is missing', (env) => makeBatch(env, [makeEvent({ pageview_id: undefined })]), 400],
  ['properties is an array', (env) => makeBatch(env, [makeEvent({ properties: ['a'] })]), 400],
  ['properties hold boolean, number and string', (env) => makeBatch(env, [makeEvent({ properties: { a: true, b: -1.5, c: 'x' } })]), 200],
  ['a property key has 511 chars', (env) => makeBatch(env, [makeEvent({ properties: { [s(511)]: 1 } })]), 200],
  ['a property key has 512 chars', (env) => makeBatch(env, [makeEvent({ properties: { [s(512)]: 1 } })]), 400],
  ['a property value has 1023 chars', (env) => makeBatch(env, [makeEvent({ properties: { k: s(1023) } })]), 200],
  ['a property value has 1024 chars', (env) => makeBatch(env, [makeEvent({ properties: { k: s(1024) } })]), 400],
  ['a property value is null', (env) => makeBatch(env, [makeEvent({ properties: { k: null } })]), 400],
  ['a property value is an object', (env) => makeBatch(env, [makeEvent({ properties: { k: { n: 1 } } })]), 400],
  ['page is a string', (env) => makeBatch(env, [makeEvent({ page: '/cart' })]), 400],
  ['page.url is a number', (env) => makeBatch(env, [makeEvent({ page: { url: 1 } })]), 400],
  ['session is an array', (env) => makeBatch(env, [makeEvent({ session: [] })]), 400],
  ['target is nested too deeply', (env) => makeBatch(env, [makeEvent({ target: nest(20) })]), 400],
  ['page, session and target are objects', (env) => makeBatch(env, [makeEvent({
    type: 'click', page: { url: 'https://shop.example/cart', title: 'Cart', previous_page: null },
    session: { landing_page: 'https://shop.example/', utm_source: 'news' },
    target: { tag: 'button', classes: ['buy'], attributes: { 'data-sku': '1' } },
  })]), 200],
];

for (const [what, build, status] of CASES) {
  test(`validation: ${what} -> ${status}`, async () => {
    const env = newEnvId();
    const batch = /** @type {any} */ (build(env));
    const res = await c.post(batch);
    const body = await res.json();
    assert.equal(res.status, status, JSON.stringify(body).slice(0, 300));
    if (status === 200) {
      assert.deepEqual(body, { accepted: batch.events.length, duplicates: 0 });
      return;
    }
    assert.ok(body.errors.length > 0 && typeof body.errors[0].problem === 'string');
    const first = batch?.events?.[0];
    const eventLevel = Array.isArray(batch?.events) && batch.events.length <= 1000 && first !== undefined;
    if (eventLevel) {
      assert.equal(body.errors[0].index, 0);
      assert.equal(body.errors[0].id, typeof first === 'object' && typeof first.id === 'string' ? first.id : undefined);
    }
    if (typeof batch?.env_id === 'string' && batch.env_id !== '') assert.deepEqual(await c.events(batch.env_id), []);
  });
}

test('validation reports every invalid event by index and id, and stores none of the batch', async () => {
  const env = newEnvId();
  const good = makeEvent();
  const bad1 = makeEvent({ time: 'soon' });
  const bad2 = makeEvent({ type: 'nope' });
  const res = await c.post(makeBatch(env, [good, bad1, makeEvent(), bad2]));
  assert.equal(res.status, 400);
  const { errors } = await res.json();
  assert.deepEqual(errors.map((/** @type {any} */ e) => [e.index, e.id]), [[1, bad1.id], [3, bad2.id]]);
  assert.deepEqual(await c.events(env), []);
});

/** @param {number} levels */
function nest(levels) {
  /** @type {Record<string, unknown>} */
  let v = { leaf: 'x' };
  for (let i = 0; i < levels; i++) v = { child: v };
  return v;
}
