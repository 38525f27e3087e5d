import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
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

test('a database deleted while the collector runs is made again at the next batch, where batches were acknowledged into the deleted file and lost', () => {
  const dir = mkdtempSync(join(tmpdir(), 'heap-store-'));
  try {
    // What a site owner does to start over ("delete .data/") without stopping `npm start` first.
    const file = join(dir, 'data', 'events.sqlite');
    mkdirSync(join(dir, 'data'));
    const store = createSqliteStore({ file });
    try {
      store.insertBatch('env', [makeEvent()], [], T0, 0);
      rmSync(join(dir, 'data'), { recursive: true });
      const later = makeEvent();
      assert.deepEqual(store.insertBatch('env', [later], [], T0, 0), { accepted: 1, duplicates: 0 });
      assert.deepEqual(store.queryEvents({ envId: 'env' }).map((e) => e.id), [later.id]);
    } finally {
      store.close();
    }
    const reopened = createSqliteStore({ file });
    try {
      assert.equal(reopened.queryEvents({ envId: 'env' }).length, 1, 'the batch acknowledged after the delete is in the file');
    } finally {
      reopened.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a database moved away while the collector runs keeps every event stored before the move; later ones go to a new file at DB_FILE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'heap-store-'));
  try {
    const file = join(dir, 'events.sqlite');
    const moved = join(dir, 'events-2026-12.sqlite');
    const store = createSqliteStore({ file });
    const before = makeEvent();
    const after = makeEvent();
    try {
      store.insertBatch('env', [before], [], T0, 0);
      // The recent commits are in events.sqlite-wal, which stays behind: the moved file alone lacked them.
      renameSync(file, moved);
      store.insertBatch('env', [after], [], T0, 0);
    } finally {
      store.close();
    }
    for (const [path, id] of [[moved, before.id], [file, after.id]]) {
      const db = new Database(path, { readonly: true });
      try {
        assert.deepEqual(db.prepare('SELECT id FROM events').pluck().all(), [id], path);
      } finally {
        db.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
