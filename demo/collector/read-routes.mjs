import { HttpError, intParam, sendJson, stringParam } from './http-util.mjs';

/** @typedef {import('./handler.mjs').CollectorContext} CollectorContext */
/** @typedef {import('node:http').IncomingMessage} IncomingMessage */
/** @typedef {import('node:http').ServerResponse} ServerResponse */

const BUCKETS = { minute: 60_000, hour: 3_600_000 };

/**
 * The event filter both the events read and the live stream take from a query: env (required), type, name, user, identity, session.
 * @param {URLSearchParams} query
 */
export function eventFilter(query) {
  return {
    envId: requireEnvId(query),
    type: stringParam(query, 'type'),
    name: stringParam(query, 'name'),
    userId: stringParam(query, 'user_id'),
    identity: stringParam(query, 'identity'),
    sessionId: stringParam(query, 'session_id'),
  };
}

/**
 * GET /v1/events: stored events oldest first (newest first with order=desc), filtered by the query.
 * @param {CollectorContext} ctx @param {IncomingMessage} _req @param {ServerResponse} res @param {URLSearchParams} query
 */
export function handleEvents(ctx, _req, res, query) {
  const filter = {
    ...eventFilter(query),
    sinceId: stringParam(query, 'since_id'),
    limit: intParam(query, 'limit', 1000, 10_000),
    order: orderParam(query),
  };
  try {
    sendJson(res, 200, { events: ctx.store.queryEvents(filter) });
  } catch (err) {
    if (/** @type {{ code?: string }} */ (err).code === 'UNKNOWN_SINCE_ID') throw new HttpError(400, 'since_id names no stored event');
    throw err;
  }
}

/**
 * GET /v1/users: user rows by user_id or identity (or all of the env).
 * @param {CollectorContext} ctx @param {IncomingMessage} _req @param {ServerResponse} res @param {URLSearchParams} query
 */
export function handleUsers(ctx, _req, res, query) {
  const filter = { envId: requireEnvId(query), userId: stringParam(query, 'user_id'), identity: stringParam(query, 'identity') };
  sendJson(res, 200, ctx.store.queryUsers(filter));
}

/**
 * GET /v1/counts: events per name per minute or hour of corrected time, of the events that match the /v1/events filters.
 * @param {CollectorContext} ctx @param {IncomingMessage} _req @param {ServerResponse} res @param {URLSearchParams} query
 */
export function handleCounts(ctx, _req, res, query) {
  const filter = eventFilter(query);
  const bucket = query.get('bucket') ?? 'hour';
  if (bucket !== 'minute' && bucket !== 'hour') throw new HttpError(400, 'bucket must be minute or hour');
  const since = stringParam(query, 'since');
  const sinceMs = since === undefined ? undefined : Number(since);
  if (sinceMs !== undefined && !Number.isSafeInteger(sinceMs)) throw new HttpError(400, 'since must be a time in ms since the epoch');
  // The collector's clock too: a viewer whose own is off finds the last minutes of the collector's, where event times are.
  sendJson(res, 200, { bucket, counts: ctx.store.countByName({ ...filter, bucketMs: BUCKETS[bucket], sinceMs }), now: ctx.now() });
}

/**
 * GET /v1/envs: the env ids that have stored events.
 * @param {CollectorContext} ctx @param {IncomingMessage} _req @param {ServerResponse} res
 */
export function handleEnvs(ctx, _req, res) {
  sendJson(res, 200, { envs: ctx.store.envIds() });
}

/**
 * GET /v1/drops: the client drop reports summed per reason.
 * @param {CollectorContext} ctx @param {IncomingMessage} _req @param {ServerResponse} res @param {URLSearchParams} query
 */
export function handleDrops(ctx, _req, res, query) {
  sendJson(res, 200, { drops: ctx.store.drops(requireEnvId(query)) });
}

/**
 * Reads `order` (asc or desc), failing with 400.
 * @param {URLSearchParams} query
 * @returns {'asc' | 'desc'}
 */
export function orderParam(query) {
  const order = query.get('order') ?? 'asc';
  if (order !== 'asc' && order !== 'desc') throw new HttpError(400, 'order must be asc or desc');
  return order;
}

/** @param {URLSearchParams} query */
export function requireEnvId(query) {
  const envId = stringParam(query, 'env_id');
  if (envId === undefined) throw new HttpError(400, 'env_id is required');
  return envId;
}
