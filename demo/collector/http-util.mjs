import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';

const gunzipAsync = promisify(gunzip);

/** An error that becomes an HTTP answer with `{"errors":[{"problem"}]}` as its body. */
export class HttpError extends Error {
  /** @param {number} status @param {string} problem */
  constructor(status, problem) {
    super(problem);
    this.status = status;
  }
}

/**
 * Sends a JSON answer unless the response is already gone.
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {unknown} body
 * @param {Record<string, string>} [headers]
 */
export function sendJson(res, status, body, headers = {}) {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

/**
 * Sends the protocol's error shape for one problem.
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {string} problem
 */
export function sendProblem(res, status, problem) {
  sendJson(res, status, { errors: [{ problem }] });
}

/**
 * Reads the raw request body, failing with 413 past `limit` bytes.
 * @param {import('node:http').IncomingMessage} req
 * @param {number} limit
 * @returns {Promise<Buffer>}
 */
export function readBody(req, limit) {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) {
    // Node discards the unread rest once we have answered, keeping the connection usable.
    return Promise.reject(new HttpError(413, `the body is larger than ${limit} bytes`));
  }
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    let size = 0;
    let over = false;
    req.on('data', (/** @type {Buffer} */ chunk) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        reject(new HttpError(413, `the body is larger than ${limit} bytes`));
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => { if (!over) resolve(Buffer.concat(chunks)); });
    req.on('error', reject);
    req.on('close', () => { if (!req.complete && !over) reject(new HttpError(400, 'the request was aborted')); });
  });
}

/**
 * Gunzips a body, failing with 413 past `limit` decoded bytes and 400 on broken data.
 * @param {Buffer} raw
 * @param {number} limit
 */
export async function gunzipBody(raw, limit) {
  try {
    return await gunzipAsync(raw, { maxOutputLength: limit });
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new HttpError(413, `the decoded body is larger than ${limit} bytes`);
    }
    throw new HttpError(400, 'the body is not valid gzip');
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

// An escaped surrogate, `\uD800` to `\uDFFF`: half of an emoji, or an emoji written in ASCII as two of them.
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/**
 * Decodes UTF-8 and parses JSON, failing with 400. A lone surrogate in a string or a key (what is left of an emoji a
 * site cut in half, `title.slice(0, 40)`) becomes U+FFFD: kept as it came, SQLite stored bytes that are no UTF-8 in its
 * columns, and an event name or identity read back as three U+FFFD that no filter found.
 * @param {Buffer} bytes
 * @returns {{ text: string, value: unknown }}
 */
export function parseJson(bytes) {
  let text;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new HttpError(400, 'the body is not valid UTF-8');
  }
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'the body is not valid JSON');
  }
  // Undecoded UTF-8 has none: only an escape can make one.
  if (!SURROGATE_ESCAPE.test(text)) return { text, value };
  try {
    return { text, value: wellFormed(value) };
  } catch {
    // Out of stack: nested deeper than any batch the protocol allows.
    throw new HttpError(400, 'the body is nested too deeply');
  }
}

/**
 * A parsed JSON value with every lone surrogate in its strings and keys replaced by U+FFFD.
 * @param {unknown} value
 * @returns {unknown}
 */
function wellFormed(value) {
  if (typeof value === 'string') return value.toWellFormed();
  if (Array.isArray(value)) return value.map(wellFormed);
  // Defined, not assigned: a key "__proto__" stays a property, as JSON.parse made it.
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.toWellFormed(), wellFormed(v)]));
  return value;
}

/**
 * The lower-cased media type of a header value, without parameters.
 * @param {string | undefined} header
 */
export function mediaType(header) {
  return (header ?? '').split(';')[0].trim().toLowerCase();
}

/**
 * Reads an optional query parameter as an integer within bounds, failing with 400.
 * @param {URLSearchParams} query
 * @param {string} name
 * @param {number} fallback
 * @param {number} max  larger values are clamped
 */
export function intParam(query, name, fallback, max) {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new HttpError(400, `${name} must be a positive integer`);
  return Math.min(n, max);
}

/**
 * Reads an optional string query parameter; an empty value counts as absent.
 * @param {URLSearchParams} query
 * @param {string} name
 */
export function stringParam(query, name) {
  const raw = query.get(name);
  return raw === null || raw === '' ? undefined : raw;
}

/**
 * Resolves once the response has finished or its connection is gone.
 * @param {import('node:http').ServerResponse} res
 * @returns {Promise<void>}
 */
export function responseDone(res) {
  if (res.writableFinished || res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    res.once('finish', () => resolve());
    res.once('close', () => resolve());
  });
}
