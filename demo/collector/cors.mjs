/** @typedef {import('node:http').IncomingMessage} IncomingMessage */
/** @typedef {import('node:http').ServerResponse} ServerResponse */

/**
 * Builds the origin check: `'*'` allows every origin, a list allows exactly those
 * (plus the collector's own origin, which a browser also names on same-origin POSTs).
 * @param {string[] | '*'} allowedOrigins
 * @returns {(req: IncomingMessage) => boolean}
 */
export function createOriginCheck(allowedOrigins) {
  if (allowedOrigins === '*') return () => true;
  const allowed = new Set(allowedOrigins.map(normalize));
  if (allowed.has('*')) return () => true;
  return (req) => {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    if (allowed.has(normalize(origin))) return true;
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  };
}

/**
 * Adds the CORS answer headers for an allowed request; `Retry-After` is exposed so a
 * cross-origin client can honour it. Credentials are never allowed: the element sends none, and
 * behind a proxy's login they would let any allowed page read the events with a team member's login.
 * @param {IncomingMessage} req
 * @param {ServerResponse} res
 */
export function setCorsHeaders(req, res) {
  res.setHeader('Vary', 'Origin');
  const origin = req.headers.origin;
  if (origin === undefined) return;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
}

/**
 * Answers a CORS preflight for an allowed origin.
 * @param {IncomingMessage} req
 * @param {ServerResponse} res
 */
export function answerPreflight(req, res) {
  setCorsHeaders(req, res);
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
  res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? 'Content-Type, Content-Encoding');
  res.setHeader('Access-Control-Max-Age', '600');
  res.writeHead(204);
  res.end();
}

/** @param {string} origin */
function normalize(origin) {
  return origin.trim().replace(/\/+$/, '').toLowerCase();
}
