// The storage interface the collector talks to. Types only: the SQLite store in
// sqlite-store.mjs implements it, and any other store can replace it through
// createCollector({ store }).

/**
 * An event after `common` was merged in and validation passed.
 * @typedef {Object} BatchEvent
 * @property {string} id
 * @property {string} type
 * @property {string} [name]
 * @property {number} time
 * @property {string} user_id
 * @property {string | null} [identity]
 * @property {string} session_id
 * @property {string} pageview_id
 * @property {Record<string, string | number | boolean>} [properties]
 * @property {Record<string, unknown>} [page]
 * @property {Record<string, unknown>} [session]
 * @property {Record<string, unknown>} [target]
 */

/**
 * A report of events the client dropped before sending. With an id, the count is the whole of that report's drops
 * for that reason so far: the store keeps the largest count it got for each (id, reason), so resends are harmless.
 * @typedef {{ reason: string, count: number, id?: string }} DropReport
 */

/**
 * An event as read back: the stored columns, JSON columns parsed.
 * @typedef {Object} StoredEvent
 * @property {string} env_id
 * @property {string} id
 * @property {string} type
 * @property {string | null} name
 * @property {number} time          client clock
 * @property {number} server_time   time corrected by (received_at - sent_at), and never after received_at
 * @property {number} received_at
 * @property {string} user_id
 * @property {string | null} identity  the identity the event itself carried
 * @property {string} session_id
 * @property {string} pageview_id
 * @property {Record<string, unknown>} properties
 * @property {Record<string, unknown> | null} page
 * @property {Record<string, unknown> | null} session
 * @property {Record<string, unknown> | null} target
 */

/**
 * Filter for reading events; every field but envId is optional.
 * @typedef {Object} EventFilter
 * @property {string} envId
 * @property {string} [type]
 * @property {string} [name]
 * @property {string} [userId]
 * @property {string} [identity]   matches every user_id mapped to this identity
 * @property {string} [sessionId]
 * @property {string} [sinceId]    only events stored after the event with this id
 * @property {number} [limit]
 * @property {'asc' | 'desc'} [order]  storage order, oldest first (default) or newest first
 */

/**
 * A user row with its merged properties.
 * @typedef {Object} StoredUser
 * @property {string} env_id
 * @property {string} user_id
 * @property {string | null} identity
 * @property {Record<string, unknown>} properties
 * @property {number} first_seen   server_time of the first event
 * @property {number} last_seen    server_time of the latest event
 */

/**
 * Event counts of one name in one time bucket: `name` is the event name for track events, the type for the others.
 * @typedef {{ bucket_start: number, type: string, name: string, count: number }} CountRow
 */

/**
 * What the collector needs from storage.
 * @typedef {Object} CollectorStore
 * @property {(envId: string, events: BatchEvent[], drops: DropReport[], receivedAt: number, skewMs: number) => { accepted: number, duplicates: number }} insertBatch
 *   Stores a whole batch atomically; events whose (envId, id) exists already count as duplicates.
 * @property {(filter: EventFilter) => StoredEvent[]} queryEvents
 *   Events in insertion order (newest first with order 'desc'); throws an error with code 'UNKNOWN_SINCE_ID' for an unknown sinceId.
 * @property {(filter: { envId: string, userId?: string, identity?: string }) => { users: StoredUser[], properties?: Record<string, unknown> }} queryUsers
 *   User rows; with `identity`, also the properties merged across all its user ids.
 * @property {(filter: EventFilter & { bucketMs: number, sinceMs?: number }) => CountRow[]} countByName
 *   Counts per type and name (track) or type (others) per bucket of server_time, from sinceMs on when given, of the
 *   events that match the filter's type, name, user, identity and session.
 * @property {() => string[]} envIds
 *   The env ids that have stored events, sorted.
 * @property {(envId: string) => DropReport[]} drops
 *   Drop reports summed per reason.
 * @property {() => number} [dataVersion]  optional: a number that changes once another connection (another collector
 *   process on the same database) has committed; live streams poll it to show the batches other processes stored
 * @property {() => void} close
 */

export {};
