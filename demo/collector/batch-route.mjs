import { HttpError, gunzipBody, mediaType, parseJson, readBody, sendJson } from './http-util.mjs';
import { validateBatch } from './validate.mjs';

/** @typedef {import('./handler.mjs').CollectorContext} CollectorContext */
/** @typedef {import('./request-log.mjs').LoggedRequest} LoggedRequest */

// text/plain keeps browser sends "simple" (no preflight, beacon-safe); JSON is for other clients; none at all is
// what a beacon of an untyped Blob sends. The body must be the protocol's JSON whichever it is.
const BODY_TYPES = new Set(['text/plain', 'application/json', '']);

/**
 * Handles POST /v1/batch: decode, apply test faults, validate, store, answer.
 * @param {CollectorContext} ctx
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {URLSearchParams} query
 */
export async function handleBatch(ctx, req, res, query) {
  const receivedAt = ctx.now();
  if (!BODY_TYPES.has(mediaType(req.headers['content-type']))) {
    throw new HttpError(415, 'the body must be text/plain or application/json');
  }
  const gzip = isGzip(req, query);
  const raw = await readBody(req, ctx.bodyLimit);
  const decoded = gzip ? await gunzipBody(raw, ctx.decodedLimit) : raw;
  const { text, value } = parseJson(decoded);

  // Unvalidated yet: only read to find whose fault rules and request log apply.
  const loose = /** @type {any} */ (typeof value === 'object' && value !== null ? value : {});
  const envId = typeof loose.env_id === 'string' ? /** @type {string} */ (loose.env_id) : null;
  if (!ctx.testing || envId === null) return storeBatch(ctx, res, value, receivedAt, null);

  /** @type {LoggedRequest} */
  const entry = {
    at: receivedAt,
    status: null,
    bytes: raw.length,
    encoding: gzip ? 'gzip' : null,
    events: Array.isArray(loose.events) ? loose.events.length : 0,
    body: text,
    outcome: 'pending',
    stored: false,
  };
  ctx.requestLog.add(envId, entry);
  // The log records what the client saw: no status when the socket was destroyed unanswered.
  const settle = () => { entry.status = res.headersSent ? res.statusCode : null; };
  res.once('finish', settle);
  res.once('close', settle);
  try {
    await withFaults(ctx, req, res, value, receivedAt, entry, envId);
  } catch (err) {
    entry.outcome = 'error';
    throw err;
  }
}

/**
 * @param {CollectorContext} ctx
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {any} body
 * @param {number} receivedAt
 * @param {LoggedRequest} entry
 * @param {string} envId
 */
async function withFaults(ctx, req, res, body, receivedAt, entry, envId) {
  const common = typeof body.common === 'object' && body.common !== null ? body.common : {};
  const events = Array.isArray(body.events)
    ? body.events.map((/** @type {unknown} */ e) => (typeof e === 'object' && e !== null ? { ...common, ...e } : {}))
    : [];
  const fault = ctx.faults.take(envId, { rawBytes: entry.bytes, events });
  if (fault) entry.outcome = `fault:${fault.kind}`;
  switch (fault?.kind) {
    case 'status':
    case 'random': {
      const headers = fault.kind === 'status' && fault.retryAfter !== undefined ? { 'Retry-After': fault.retryAfter } : undefined;
      if (fault.kind === 'status' && fault.html) {
        res.writeHead(fault.status, { 'Content-Type': 'text/html; charset=utf-8', ...headers });
        res.end('<!doctype html><title>Sign in</title><h1>Sign in to continue</h1>');
        return;
      }
      const ids = fault.kind === 'status' && fault.ids ? fault.ids : [undefined];
      sendJson(res, fault.status, { errors: ids.map((id) => ({ ...(id ? { id } : {}), problem: `test fault: status ${fault.status}` })) }, headers);
      return;
    }
    case 'reject':
      sendJson(res, 400, { errors: fault.errors });
      return;
    case 'max_bytes':
      sendJson(res, 413, { errors: [{ problem: `test fault: the body is larger than ${fault.bytes} bytes` }] });
      return;
    case 'reset':
      req.socket.destroy();
      return;
    case 'hang':
      await new Promise((resolve) => setTimeout(resolve, fault.ms));
      break;
  }
  await storeBatch(ctx, res, body, receivedAt, entry);
  if (fault?.kind === 'reset_after_store') req.socket.destroy();
}

/**
 * Validates and stores a batch, then answers; the answer is held back when a
 * reset_after_store fault will destroy the socket instead.
 * @param {CollectorContext} ctx
 * @param {import('node:http').ServerResponse} res
 * @param {unknown} body
 * @param {number} receivedAt
 * @param {LoggedRequest | null} entry
 */
async function storeBatch(ctx, res, body, receivedAt, entry) {
  const result = validateBatch(body);
  if (!result.ok) {
    if (entry && entry.outcome === 'pending') entry.outcome = 'invalid';
    sendJson(res, 400, { errors: result.errors });
    return;
  }
  // One offset for the whole batch: the client stamped sent_at when it sent these events.
  const skewMs = receivedAt - result.sentAt;
  const counts = ctx.store.insertBatch(result.envId, result.events, result.dropped, receivedAt, skewMs);
  if (counts.accepted > 0) ctx.streams.notify(result.envId);
  if (entry) {
    entry.stored = true;
    if (entry.outcome === 'pending') entry.outcome = 'stored';
    if (entry.outcome === 'fault:reset_after_store') return;
  }
  sendJson(res, 200, counts);
}

/**
 * Tells whether the body is gzip, from `?encoding=gzip` (what beacons can do) or Content-Encoding; x-gzip is
 * HTTP's alias of gzip.
 * @param {import('node:http').IncomingMessage} req
 * @param {URLSearchParams} query
 */
function isGzip(req, query) {
  const [param, header] = [query.get('encoding'), req.headers['content-encoding']]
    .map((value) => (value ?? '').trim().toLowerCase().replace(/^x-gzip$/, 'gzip'));
  for (const encoding of [param, header]) {
    if (encoding !== 'gzip' && encoding !== 'identity' && encoding !== '') {
      throw new HttpError(415, `unsupported encoding ${JSON.stringify(encoding)}; use gzip`);
    }
  }
  return param === 'gzip' || header === 'gzip';
}
