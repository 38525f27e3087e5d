import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore } from './sqlite-store.mjs';
import { makeEvent, T0 } from './harness.mjs';

test('insertBatch is all or nothing: a failure midway stores no event, user or drop', () => {
  const store = createSqliteStore();
  try {
    const broken = /** @type {any} */ (makeEvent({ session_id: null }));
    assert.throws(() => store.insertBatch('env', [makeEvent(), broken], [{ reason: 'cap', count: 1 }], T0, 0));
    assert.deepEqual(store.queryEvents({ envId: 'env' }), []);
    assert.deepEqual(store.queryUsers({ envId: 'env' }), { users: [] });
    assert.deepEqual(store.drops('env'), []);
  } finally {
    store.close();
  }
});

test('a file store survives reopening, and close is safe to repeat', () => {
  const dir = mkdtempSync(join(tmpdir(), 'heap-store-'));
  try {
    const file = join(dir, 'events.sqlite');
    const first = createSqliteStore({ file });
    const event = makeEvent();
    assert.deepEqual(first.insertBatch('env', [event], [], T0, 250), { accepted: 1, duplicates: 0 });
    first.close();
    first.close();
    const second = createSqliteStore({ file });
    try {
      const [stored] = second.queryEvents({ envId: 'env' });
      assert.deepEqual([stored.id, stored.server_time, stored.received_at], [event.id, event.time + 250, T0]);
      assert.deepEqual(second.insertBatch('env', [event], [], T0, 0), { accepted: 0, duplicates: 1 });
    } finally {
      second.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a user property key holding NUL is kept whole, beside the key it starts with', () => {
  const store = createSqliteStore();
  try {
    // SQLite's json_group_object reads a key only up to NUL: "a\0b" became "a", and overwrote the user's real "a".
    const properties = { a: 'kept', 'a\u0000b': 'nul', 'c\u0000': 1 };
    store.insertBatch('env', [makeEvent({ type: 'user_properties', name: undefined, user_id: '1', properties })], [], T0, 0);
    assert.deepEqual(store.queryUsers({ envId: 'env', userId: '1' }).users[0].properties, properties);
    // A record of no properties (another client's) leaves none.
    store.insertBatch('env', [makeEvent({ type: 'user_properties', name: undefined, user_id: '2', properties: {} })], [], T0, 0);
    assert.deepEqual(store.queryUsers({ envId: 'env', userId: '2' }).users[0].properties, {});
  } finally {
    store.close();
  }
});
