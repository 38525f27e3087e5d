// Checks a parsed batch against PROTOCOL.md. Lengths count Unicode code points,
// so a client that measures in UTF-16 units (stricter) is always accepted.

/** @typedef {import('./store.mjs').BatchEvent} BatchEvent */
/** @typedef {import('./store.mjs').DropReport} DropReport */
/** @typedef {{ index?: number, id?: string, problem: string }} BatchError */

/** Event types the protocol knows. */
export const EVENT_TYPES = new Set(['track', 'pageview', 'click', 'submit', 'change', 'view', 'identify', 'user_properties']);
/** Most events one batch may carry. */
export const MAX_EVENTS = 1000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DIGITS = /^[0-9]{1,64}$/;
// A drop report's id and reason. Reasons are not checked against the ones this collector knows (PROTOCOL.md):
// a newer client's reason is stored as it came, rather than its batch, events and all, being refused.
const TOKEN = /^[\x21-\x7e]{1,64}$/;
const PAGE_FIELDS = ['url', 'title', 'path', 'referrer', 'previous_page'];
const SESSION_FIELDS = ['landing_page', 'referrer', 'utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'];
// Objects we store as JSON are bounded in depth so a hostile body cannot blow the stack.
const MAX_DEPTH = 8;

/**
 * Validates a parsed batch body and returns either the merged events or every problem found.
 * @param {unknown} body
 * @returns {{ ok: true, envId: string, sentAt: number, events: BatchEvent[], dropped: DropReport[] }
 *   | { ok: false, errors: BatchError[] }}
 */
export function validateBatch(body) {
  if (!isPlainObject(body)) return fail('the body must be a JSON object');
  if (body.v !== 1) return fail('v must be 1');
  if (typeof body.env_id !== 'string' || body.env_id.length === 0 || tooLong(body.env_id, 64)) {
    return fail('env_id must be a string of 1-64 chars');
  }
  if (!isTime(body.sent_at)) return fail('sent_at must be an integer of ms since epoch');
  if (body.library !== undefined && !isPlainObject(body.library)) return fail('library must be an object');
  if (body.common !== undefined && !isPlainObject(body.common)) return fail('common must be an object');
  const droppedProblem = checkDropped(body.dropped);
  if (droppedProblem) return fail(droppedProblem);
  if (!Array.isArray(body.events)) return fail('events must be an array');
  if (body.events.length > MAX_EVENTS) return fail(`events must hold at most ${MAX_EVENTS} items`);

  const common = body.common ?? {};
  /** @type {BatchError[]} */
  const errors = [];
  /** @type {BatchEvent[]} */
  const events = [];
  body.events.forEach((raw, index) => {
    if (!isPlainObject(raw)) return errors.push({ index, problem: 'the event must be an object' });
    const event = { ...common, ...raw };
    const problem = checkEvent(event);
    if (problem) {
      /** @type {BatchError} */
      const error = { index, problem };
      if (typeof event.id === 'string') error.id = event.id;
      errors.push(error);
    } else {
      events.push(/** @type {BatchEvent} */ (event));
    }
  });
  if (errors.length > 0) return { ok: false, errors };
  const dropped = /** @type {DropReport[] | undefined} */ (body.dropped) ?? [];
  return { ok: true, envId: body.env_id, sentAt: /** @type {number} */ (body.sent_at), events, dropped };
}

/**
 * Returns the first problem of a merged event, or '' when it is valid.
 * @param {Record<string, unknown>} e
 */
function checkEvent(e) {
  if (typeof e.id !== 'string' || !UUID.test(e.id)) return 'id must be a UUID string';
  if (typeof e.type !== 'string' || !EVENT_TYPES.has(e.type)) return `type must be one of ${[...EVENT_TYPES].join(', ')}`;
  if (e.type === 'track' && (e.name === undefined || e.name === '')) return 'name is required for track events';
  if (e.name !== undefined && (typeof e.name !== 'string' || tooLong(e.name, 255))) {
    return 'name must be a string of at most 255 chars';
  }
  if (!isTime(e.time)) return 'time must be an integer of ms since epoch';
  if (typeof e.user_id !== 'string' || !DIGITS.test(e.user_id)) return 'user_id must be a string of digits';
  if (e.identity !== undefined && e.identity !== null
    && (typeof e.identity !== 'string' || e.identity === '' || tooLong(e.identity, 254))) {
    return 'identity must be null or a non-empty string of fewer than 255 chars';
  }
  if (typeof e.session_id !== 'string' || e.session_id === '') return 'session_id must be a non-empty string';
  if (typeof e.pageview_id !== 'string' || e.pageview_id === '') return 'pageview_id must be a non-empty string';
  if (e.properties !== undefined) {
    const problem = checkProperties(e.properties);
    if (problem) return problem;
  }
  return checkObject('page', e.page, PAGE_FIELDS) || checkObject('session', e.session, SESSION_FIELDS)
    || checkObject('target', e.target, []);
}

/** @param {unknown} properties */
function checkProperties(properties) {
  if (!isPlainObject(properties)) return 'properties must be an object';
  for (const [key, value] of Object.entries(properties)) {
    if (tooLong(key, 511)) return 'property keys must have fewer than 512 chars';
    const ok = typeof value === 'boolean'
      || (typeof value === 'number' && Number.isFinite(value))
      || (typeof value === 'string' && !tooLong(value, 1023));
    if (!ok) return `property "${key.slice(0, 64)}" must be a boolean, a finite number or a string of fewer than 1024 chars`;
  }
  return '';
}

/**
 * Checks an optional object field whose listed fields, when set, are strings.
 * @param {string} field
 * @param {unknown} value
 * @param {string[]} stringFields
 */
function checkObject(field, value, stringFields) {
  if (value === undefined || value === null) return '';
  if (!isPlainObject(value)) return `${field} must be an object`;
  for (const key of stringFields) {
    const v = value[key];
    if (v !== undefined && v !== null && typeof v !== 'string') return `${field}.${key} must be a string`;
  }
  if (depth(value) > MAX_DEPTH) return `${field} is nested too deeply`;
  return '';
}

/** @param {unknown} dropped */
function checkDropped(dropped) {
  if (dropped === undefined) return '';
  if (!Array.isArray(dropped)) return 'dropped must be an array';
  for (const [i, drop] of dropped.entries()) {
    if (!isPlainObject(drop) || typeof drop.reason !== 'string' || !TOKEN.test(drop.reason)) {
      return `dropped[${i}].reason must be 1-64 printable ASCII characters`;
    }
    if (!Number.isSafeInteger(drop.count) || /** @type {number} */ (drop.count) < 0) {
      return `dropped[${i}].count must be a non-negative integer`;
    }
    if (drop.id !== undefined && (typeof drop.id !== 'string' || !TOKEN.test(drop.id))) {
      return `dropped[${i}].id must be 1-64 printable ASCII characters`;
    }
  }
  return '';
}

/** @param {string} problem @returns {{ ok: false, errors: BatchError[] }} */
function fail(problem) {
  return { ok: false, errors: [{ problem }] };
}

/** @param {unknown} v @returns {v is Record<string, unknown>} */
function isPlainObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** @param {unknown} v */
function isTime(v) {
  return Number.isSafeInteger(v) && /** @type {number} */ (v) >= 0;
}

/**
 * Tells whether a string has more than `max` code points; the UTF-16 length settles most cases
 * without walking the string.
 * @param {string} s
 * @param {number} max
 */
function tooLong(s, max) {
  if (s.length <= max) return false;
  let n = 0;
  for (const _ of s) if (++n > max) return true;
  return false;
}

/** @param {unknown} v @param {number} [level] @returns {number} */
function depth(v, level = 0) {
  if (typeof v !== 'object' || v === null || level > MAX_DEPTH) return level;
  let max = level + 1;
  for (const child of Object.values(v)) max = Math.max(max, depth(child, level + 1));
  return max;
}
