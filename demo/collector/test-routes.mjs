import { HttpError, parseJson, readBody, sendJson, stringParam } from './http-util.mjs';

/** @typedef {import('./handler.mjs').CollectorContext} CollectorContext */
/** @typedef {import('node:http').IncomingMessage} IncomingMessage */
/** @typedef {import('node:http').ServerResponse} ServerResponse */

/**
 * POST /_test/faults: replaces the fault rules of an env id.
 * @param {CollectorContext} ctx @param {IncomingMessage} req @param {ServerResponse} res
 */
export async function handleSetFaults(ctx, req, res) {
  const body = await readJsonObject(ctx, req);
  ctx.faults.set(requireEnvId(body.env_id), body.rules);
  sendJson(res, 200, { ok: true });
}

/**
 * GET /_test/requests: the logged batch POSTs of an env id, oldest first.
 * @param {CollectorContext} ctx @param {IncomingMessage} _req @param {ServerResponse} res @param {URLSearchParams} query
 */
export function handleRequests(ctx, _req, res, query) {
  sendJson(res, 200, { requests: ctx.requestLog.list(requireEnvId(stringParam(query, 'env_id'))) });
}

/**
 * POST /_test/reset: forgets the fault rules and request log of an env id (stored events stay).
 * @param {CollectorContext} ctx @param {IncomingMessage} req @param {ServerResponse} res
 */
export async function handleReset(ctx, req, res) {
  const envId = requireEnvId((await readJsonObject(ctx, req)).env_id);
  ctx.faults.reset(envId);
  ctx.requestLog.reset(envId);
  sendJson(res, 200, { ok: true });
}

/** @param {CollectorContext} ctx @param {IncomingMessage} req @returns {Promise<Record<string, unknown>>} */
async function readJsonObject(ctx, req) {
  const { value } = parseJson(await readBody(req, ctx.bodyLimit));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(400, 'the body must be a JSON object');
  return /** @type {Record<string, unknown>} */ (value);
}

/** @param {unknown} envId */
function requireEnvId(envId) {
  if (typeof envId !== 'string' || envId === '') throw new HttpError(400, 'env_id is required');
  return envId;
}
