import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';

/** @typedef {import('./store.mjs').CollectorStore} CollectorStore */
/** @typedef {import('./store.mjs').BatchEvent} BatchEvent */
/** @typedef {import('./store.mjs').EventFilter} EventFilter */

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  env_id TEXT NOT NULL,
  id TEXT NOT NULL,
  type TEXT NOT NULL,
  name TEXT,
  time INTEGER NOT NULL,
  server_time INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  user_id TEXT NOT NULL,
  identity TEXT,
  session_id TEXT NOT NULL,
  pageview_id TEXT NOT NULL,
  properties TEXT NOT NULL,
  page TEXT,
  session TEXT,
  target TEXT,
  UNIQUE (env_id, id)
);
CREATE INDEX IF NOT EXISTS events_env_seq ON events (env_id, seq);
CREATE INDEX IF NOT EXISTS events_env_type ON events (env_id, type, seq);
CREATE INDEX IF NOT EXISTS events_env_name ON events (env_id, name, seq);
CREATE INDEX IF NOT EXISTS events_env_user ON events (env_id, user_id, seq);
CREATE INDEX IF NOT EXISTS events_env_identity ON events (env_id, identity, seq);
CREATE INDEX IF NOT EXISTS events_env_session ON events (env_id, session_id, seq);
CREATE INDEX IF NOT EXISTS events_env_time ON events (env_id, server_time, type, name);

CREATE TABLE IF NOT EXISTS users (
  env_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  properties TEXT NOT NULL DEFAULT '{}',
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  PRIMARY KEY (env_id, user_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS user_props (
  env_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  time INTEGER NOT NULL,
  PRIMARY KEY (env_id, user_id, key)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS identities (
  env_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  identity TEXT NOT NULL,
  time INTEGER NOT NULL,
  PRIMARY KEY (env_id, user_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS identities_identity ON identities (env_id, identity);

CREATE TABLE IF NOT EXISTS drops (
  env_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  count INTEGER NOT NULL,
  received_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS drops_env ON drops (env_id, reason);
`;

// Drop reports with an id (PROTOCOL.md): one row per (env_id, report, reason). Run after SCHEMA, which leaves the
// drops table of an older file as it was.
const REPORTS = `
CREATE UNIQUE INDEX IF NOT EXISTS drops_report ON drops (env_id, report, reason) WHERE report IS NOT NULL;
`;

const EVENT_COLUMNS = `env_id, id, type, name, time, server_time, received_at, user_id, identity,
  session_id, pageview_id, properties, page, session, target`;

const USER_COLUMNS = `u.env_id, u.user_id, i.identity, u.properties, u.first_seen, u.last_seen`;

/**
 * Opens `file` for writing with the schema in place, or throws an error that names the file and what to do about it.
 * @param {string} file
 */
function openDatabase(file) {
  /** @type {import('better-sqlite3').Database | undefined} */
  let db;
  try {
    db = new Database(file);
    if (file !== ':memory:' && file !== '') db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.exec(SCHEMA);
    if (!db.pragma('table_info(drops)').some((/** @type {{ name: string }} */ column) => column.name === 'report')) {
      db.exec('ALTER TABLE drops ADD COLUMN report TEXT');
    }
    db.exec(REPORTS);
    // SQLite opens a file it may not write read-only, and says nothing: the collector started, and then answered
    // every batch with a 500. Writing the header's user_version back as it is finds that out now.
    db.pragma(`user_version = ${Number(db.pragma('user_version', { simple: true }))}`);
    return db;
  } catch (err) {
    db?.close();
    const code = /** @type {{ code?: unknown }} */ (err).code;
    const hint = typeof code !== 'string' ? ''
      : code.startsWith('SQLITE_READONLY') ? ': the file or its folder is read-only (the collector writes it, and its -wal and -shm files beside it)'
      // DB_FILE=.data/, taken for the folder to keep the data in: that folder existed and could be written.
      : code.startsWith('SQLITE_CANTOPEN') && statSync(file, { throwIfNoEntry: false })?.isDirectory() ? `: it is a folder; name a file in it, such as ${join(file, 'events.sqlite')}`
      : code.startsWith('SQLITE_CANTOPEN') ? ': its folder must exist and be writable'
      : code === 'SQLITE_NOTADB' ? ': the file exists and is not a SQLite database'
      : '';
    throw Object.assign(new Error(`cannot use ${file} as the events database (${err instanceof Error ? err.message : err})${hint}`, { cause: err }), { code });
  }
}

/**
 * Opens (or creates) a SQLite store; use ':memory:' (the default) for tests. Throws when `file` cannot be written.
 * A file deleted or moved away while the store is open is made again at `file` (its folder too) on the next call: left
 * open, the deleted file took batches that were acknowledged and gone at the next start, and a moved one left its newest
 * commits behind in the `-wal` file at the old name. Closed first, the old file gets its commits from the `-wal`.
 * @param {{ file?: string }} [options]
 * @returns {CollectorStore}
 */
export function createSqliteStore({ file = ':memory:' } = {}) {
  if (file === ':memory:' || file === '') return openStore(file);
  let store = openStore(file);
  let opened = fileId(file);
  const current = () => {
    if (fileId(file) !== opened) {
      store.close();
      mkdirSync(dirname(file), { recursive: true });
      store = openStore(file);
      opened = fileId(file);
    }
    return store;
  };
  return {
    insertBatch: (...args) => current().insertBatch(...args),
    queryEvents: (filter) => current().queryEvents(filter),
    queryUsers: (filter) => current().queryUsers(filter),
    countByName: (filter) => current().countByName(filter),
    envIds: () => current().envIds(),
    drops: (envId) => current().drops(envId),
    dataVersion: () => current().dataVersion?.() ?? 0,
    close: () => store.close(),
  };
}

/** Which file is at `path` now (undefined when none). @param {string} path */
function fileId(path) {
  const info = statSync(path, { throwIfNoEntry: false });
  return info && `${info.dev}:${info.ino}`;
}

/** @param {string} file @returns {CollectorStore} */
function openStore(file) {
  const db = openDatabase(file);

  // Only the (env_id, id) conflict is a duplicate; OR IGNORE would also swallow NOT NULL failures.
  const insertEvent = db.prepare(`INSERT INTO events (${EVENT_COLUMNS})
    VALUES (@env_id, @id, @type, @name, @time, @server_time, @received_at, @user_id, @identity,
      @session_id, @pageview_id, @properties, @page, @session, @target)
    ON CONFLICT (env_id, id) DO NOTHING`);
  const upsertUser = db.prepare(`INSERT INTO users (env_id, user_id, first_seen, last_seen)
    VALUES (?, ?, ?, ?) ON CONFLICT (env_id, user_id) DO UPDATE SET
      first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen)`);
  // Last write wins by event time, so a late-arriving older batch cannot undo a newer identify.
  const upsertIdentity = db.prepare(`INSERT INTO identities (env_id, user_id, identity, time)
    VALUES (?, ?, ?, ?) ON CONFLICT (env_id, user_id) DO UPDATE SET
      identity = excluded.identity, time = excluded.time WHERE excluded.time >= identities.time`);
  const upsertProp = db.prepare(`INSERT INTO user_props (env_id, user_id, key, value, time)
    VALUES (?, ?, ?, ?, ?) ON CONFLICT (env_id, user_id, key) DO UPDATE SET
      value = excluded.value, time = excluded.time WHERE excluded.time >= user_props.time`);
  // Written out with json_quote rather than json_group_object, which reads a key only up to a NUL: "a\0b" became "a",
  // overwriting the user's own "a". Values are stored as JSON text already.
  const refreshUserProps = db.prepare(`UPDATE users SET properties = (
      SELECT coalesce('{' || group_concat(json_quote(key) || ':' || value, ',') || '}', '{}') FROM user_props WHERE env_id = @env AND user_id = @user)
    WHERE env_id = @env AND user_id = @user`);
  const insertDrop = db.prepare('INSERT INTO drops (env_id, reason, count, received_at) VALUES (?, ?, ?, ?)');
  // A report's count for a reason only grows on the client, also after a request carried it (a tab adopting another's
  // may send a smaller one it read earlier): the largest is the whole.
  const upsertReport = db.prepare(`INSERT INTO drops (env_id, reason, count, received_at, report) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (env_id, report, reason) WHERE report IS NOT NULL DO UPDATE SET count = max(count, excluded.count)`);
  const seqOfId = db.prepare('SELECT seq FROM events WHERE env_id = ? AND id = ?').pluck();
  const selectUsers = {
    all: db.prepare(`SELECT ${USER_COLUMNS} FROM users u LEFT JOIN identities i USING (env_id, user_id)
      WHERE u.env_id = ? ORDER BY u.first_seen, u.user_id LIMIT 10000`),
    byUser: db.prepare(`SELECT ${USER_COLUMNS} FROM users u LEFT JOIN identities i USING (env_id, user_id)
      WHERE u.env_id = ? AND u.user_id = ?`),
    byIdentity: db.prepare(`SELECT ${USER_COLUMNS} FROM users u JOIN identities i USING (env_id, user_id)
      WHERE u.env_id = ? AND i.identity = ? ORDER BY u.first_seen, u.user_id`),
  };
  const propsOfIdentity = db.prepare(`SELECT key, value FROM user_props WHERE env_id = @env AND user_id IN
      (SELECT user_id FROM identities WHERE env_id = @env AND identity = @identity) ORDER BY time, user_id`);
  // Walks the (env_id, seq) index from one env id to the next: O(envs * log n), not a scan of every event.
  const envIdsStatement = db.prepare(`WITH RECURSIVE envs(env_id) AS (
      SELECT min(env_id) FROM events
      UNION ALL SELECT (SELECT min(env_id) FROM events WHERE env_id > envs.env_id) FROM envs WHERE env_id IS NOT NULL)
    SELECT env_id FROM envs WHERE env_id IS NOT NULL LIMIT 1000`).pluck();
  // total(), not sum(): sum() throws once the counts pass 2^63, and every later read of the env id's drops would fail.
  const dropsStatement = db.prepare(`SELECT reason, total(count) AS count FROM drops
    WHERE env_id = ? GROUP BY reason ORDER BY reason`);
  // Changes when another connection commits (never for this one's own commits, which notify the streams directly).
  const dataVersionStatement = db.prepare('PRAGMA data_version').pluck();
  /** @type {Map<string, import('better-sqlite3').Statement>} */
  const statements = new Map();

  const insertBatch = db.transaction(
    /** @type {CollectorStore['insertBatch']} */
    (envId, events, drops, receivedAt, skewMs) => {
      let accepted = 0;
      const propsChanged = new Set();
      for (const event of events) {
        // Never after the batch arrived: an event timed after the batch's sent_at was captured before the client's clock
        // was set back (an hour fast, then set right while the event waited), and stored in the future it came first in
        // the user's timeline, and the user properties it set outweighed (last write by time) those set after it.
        const serverTime = Math.min(event.time + skewMs, receivedAt);
        const row = toRow(envId, event, serverTime, receivedAt);
        if (insertEvent.run(row).changes === 0) continue;
        accepted++;
        upsertUser.run(envId, event.user_id, serverTime, serverTime);
        if (typeof event.identity === 'string') upsertIdentity.run(envId, event.user_id, event.identity, serverTime);
        if (event.type === 'user_properties' && event.properties) {
          for (const [key, value] of Object.entries(event.properties)) {
            upsertProp.run(envId, event.user_id, key, JSON.stringify(value), serverTime);
          }
          propsChanged.add(event.user_id);
        }
      }
      for (const userId of propsChanged) refreshUserProps.run({ env: envId, user: userId });
      const duplicates = events.length - accepted;
      // Reports with an id are stored once per (id, reason), however often they come. Without one (older clients),
      // a batch whose events were all stored before is taken as a resend, whose drop reports were counted then.
      const isResend = events.length > 0 && accepted === 0;
      for (const drop of drops) {
        if (drop.count <= 0) continue;
        if (drop.id !== undefined) upsertReport.run(envId, drop.reason, drop.count, receivedAt, drop.id);
        else if (!isResend) insertDrop.run(envId, drop.reason, drop.count, receivedAt);
      }
      return { accepted, duplicates };
    },
  );

  /** @param {EventFilter} filter */
  function queryEvents(filter) {
    const where = ['env_id = @envId'];
    /** @type {Record<string, unknown>} */
    const params = { envId: filter.envId, limit: filter.limit ?? 1000, afterSeq: 0 };
    if (filter.sinceId !== undefined) {
      const seq = seqOfId.get(filter.envId, filter.sinceId);
      if (seq === undefined) throw Object.assign(new Error('unknown since_id'), { code: 'UNKNOWN_SINCE_ID' });
      params.afterSeq = seq;
    }
    const sql = `SELECT ${EVENT_COLUMNS} FROM events WHERE ${[...where, ...filterWhere(filter, params)].join(' AND ')} AND seq > @afterSeq
      ORDER BY seq ${filter.order === 'desc' ? 'DESC' : 'ASC'} LIMIT @limit`;
    return statementFor(sql).all(params).map(fromRow);
  }

  /** @type {CollectorStore['countByName']} */
  function countByName(filter) {
    /** @type {Record<string, unknown>} */
    const params = { envId: filter.envId, bucket: filter.bucketMs, since: filter.sinceMs ?? Number.MIN_SAFE_INTEGER };
    // The type goes with the name: a track event named "pageview" is not a pageview.
    const sql = `SELECT server_time - server_time % @bucket AS bucket_start, type,
        CASE WHEN type = 'track' THEN name ELSE type END AS name, count(*) AS count
      FROM events WHERE ${['env_id = @envId', ...filterWhere(filter, params)].join(' AND ')} AND server_time >= @since
      GROUP BY 1, 3, 2 ORDER BY 1, 3, 2`;
    return statementFor(sql).all(params);
  }

  /** Statements vary by which filters are set; one per shape, made once. @param {string} sql */
  function statementFor(sql) {
    let statement = statements.get(sql);
    if (!statement) { statement = db.prepare(sql); statements.set(sql, statement); }
    return statement;
  }

  /** @type {CollectorStore['queryUsers']} */
  function queryUsers({ envId, userId, identity }) {
    if (identity !== undefined) {
      const users = selectUsers.byIdentity.all(envId, identity).map(fromUserRow);
      // fromEntries defines keys, so "__proto__" is a property like any other; assigned, it was lost. Later rows win.
      const properties = Object.fromEntries(propsOfIdentity.all({ env: envId, identity })
        .map((/** @type {{ key: string, value: string }} */ { key, value }) => [key, JSON.parse(value)]));
      return { users, properties };
    }
    const rows = userId !== undefined ? selectUsers.byUser.all(envId, userId) : selectUsers.all.all(envId);
    return { users: rows.map(fromUserRow) };
  }

  return /** @type {CollectorStore} */ ({
    insertBatch,
    queryEvents,
    queryUsers,
    countByName,
    envIds: () => envIdsStatement.all(),
    drops: (envId) => dropsStatement.all(envId),
    dataVersion: () => dataVersionStatement.get(),
    close: () => {
      if (!db.open) return;
      // Written out here: SQLite skips the checkpoint of closing when the file was moved, and left the WAL to the next
      // database made at the old name, which read its pages as its own. One that fails (a full disk) keeps the WAL.
      try {
        db.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        // The next start reads it back.
      }
      db.close();
    },
  });
}

/**
 * The WHERE terms of an event filter's type, name, user, identity and session, adding their values to `params`.
 * @param {Omit<EventFilter, 'envId'>} filter @param {Record<string, unknown>} params @returns {string[]}
 */
function filterWhere(filter, params) {
  const where = [];
  for (const [key, column] of [['type', 'type'], ['name', 'name'], ['userId', 'user_id'], ['sessionId', 'session_id']]) {
    const value = /** @type {Record<string, unknown>} */ (filter)[key];
    if (value !== undefined) { where.push(`${column} = @${key}`); params[key] = value; }
  }
  if (filter.identity !== undefined) {
    where.push(`(user_id IN (SELECT user_id FROM identities WHERE env_id = @envId AND identity = @identity)
      OR identity = @identity)`);
    params.identity = filter.identity;
  }
  return where;
}

/**
 * @param {string} envId
 * @param {BatchEvent} event
 * @param {number} serverTime
 * @param {number} receivedAt
 */
function toRow(envId, event, serverTime, receivedAt) {
  return {
    env_id: envId,
    id: event.id,
    type: event.type,
    name: event.name ?? null,
    time: event.time,
    server_time: serverTime,
    received_at: receivedAt,
    user_id: event.user_id,
    identity: event.identity ?? null,
    session_id: event.session_id,
    pageview_id: event.pageview_id,
    properties: JSON.stringify(event.properties ?? {}),
    page: event.page ? JSON.stringify(event.page) : null,
    session: event.session ? JSON.stringify(event.session) : null,
    target: event.target ? JSON.stringify(event.target) : null,
  };
}

/** @param {any} row */
function fromRow(row) {
  row.properties = JSON.parse(row.properties);
  for (const key of ['page', 'session', 'target']) row[key] = row[key] === null ? null : JSON.parse(row[key]);
  return row;
}

/** @param {any} row */
function fromUserRow(row) {
  row.properties = JSON.parse(row.properties);
  return row;
}
