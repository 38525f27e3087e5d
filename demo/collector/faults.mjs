import { HttpError } from './http-util.mjs';

// Test-only failure injection for POST /v1/batch, one rule list per env id.
// Every rule accepts `times` (how often it may apply) and `for_ms` (how long it
// stays active after it first applied); without either it applies forever.

/**
 * What the batch route must do for one request.
 * @typedef {{ kind: 'status', status: number, retryAfter?: string, ids?: string[], html?: boolean }
 *   | { kind: 'reject', errors: { index: number, id?: string, problem: string }[] }
 *   | { kind: 'max_bytes', bytes: number }
 *   | { kind: 'reset' } | { kind: 'reset_after_store' }
 *   | { kind: 'hang', ms: number }
 *   | { kind: 'random', status: 503 }} Fault
 */

/**
 * @typedef {Object} Rule
 * @property {string} kind
 * @property {number} times
 * @property {number} forMs
 * @property {number} uses
 * @property {number | null} firstAt
 * @property {(req: FaultRequest) => Fault | null} match
 */

/** @typedef {{ rawBytes: number, events: Record<string, unknown>[] }} FaultRequest */

/**
 * Creates the fault rule registry; `now` is the collector's clock.
 * @param {() => number} now
 */
export function createFaults(now) {
  /** @type {Map<string, Rule[]>} */
  const rulesByEnv = new Map();

  return {
    /**
     * Replaces the rules of an env id; throws a 400 HttpError on a malformed rule.
     * @param {string} envId
     * @param {unknown} rules
     */
    set(envId, rules) {
      if (!Array.isArray(rules)) throw new HttpError(400, 'rules must be an array');
      rulesByEnv.set(envId, rules.map(toRule));
    },

    /**
     * Returns the fault for this request, spending one use of the rule that applies.
     * @param {string} envId
     * @param {FaultRequest} request
     * @returns {Fault | null}
     */
    take(envId, request) {
      const at = now();
      for (const rule of rulesByEnv.get(envId) ?? []) {
        if (rule.uses >= rule.times || (rule.firstAt !== null && at - rule.firstAt >= rule.forMs)) continue;
        const fault = rule.match(request);
        if (!fault) continue;
        rule.uses++;
        rule.firstAt ??= at;
        return fault;
      }
      return null;
    },

    /** Forgets the rules of an env id. @param {string} envId */
    reset(envId) {
      rulesByEnv.delete(envId);
    },
  };
}

/** @param {unknown} raw @returns {Rule} */
function toRule(raw) {
  if (typeof raw !== 'object' || raw === null) throw new HttpError(400, 'each rule must be an object');
  const r = /** @type {Record<string, unknown>} */ (raw);
  return {
    kind: String(r.kind),
    times: optionalInt(r, 'times', Infinity),
    forMs: optionalInt(r, 'for_ms', Infinity),
    uses: 0,
    firstAt: null,
    match: matcherFor(r),
  };
}

/**
 * @param {Record<string, unknown>} r
 * @returns {(req: FaultRequest) => Fault | null}
 */
function matcherFor(r) {
  switch (r.kind) {
    case 'status': {
      const status = requiredInt(r, 'status');
      if (status < 100 || status > 599) throw new HttpError(400, 'status must be an HTTP status code');
      /** @type {Fault} */
      const fault = { kind: 'status', status };
      if (r.retry_after !== undefined) {
        if (typeof r.retry_after !== 'string' && typeof r.retry_after !== 'number') {
          throw new HttpError(400, 'retry_after must be a string or a number');
        }
        fault.retryAfter = String(r.retry_after);
      }
      // Event ids the answer's errors name whatever the request holds (a collector or proxy naming the wrong ones).
      if (r.ids !== undefined) fault.ids = stringList(r, 'ids');
      // An HTML page at that status instead of the collector's JSON: a proxy's error page, or the login page a
      // redirect to it ended on (a 200).
      if (r.html !== undefined) {
        if (typeof r.html !== 'boolean') throw new HttpError(400, 'html must be a boolean');
        fault.html = r.html;
      }
      return () => fault;
    }
    case 'reject': {
      const names = new Set(stringList(r, 'names'));
      const ids = new Set(stringList(r, 'ids'));
      if (names.size + ids.size === 0) throw new HttpError(400, 'a reject rule needs names or ids');
      return ({ events }) => {
        const errors = [];
        for (const [index, event] of events.entries()) {
          if (!names.has(/** @type {string} */ (event.name)) && !ids.has(/** @type {string} */ (event.id))) continue;
          errors.push({ index, ...(typeof event.id === 'string' ? { id: event.id } : {}), problem: 'rejected by a test fault' });
        }
        return errors.length > 0 ? { kind: 'reject', errors } : null;
      };
    }
    case 'max_bytes': {
      const bytes = requiredInt(r, 'bytes');
      return ({ rawBytes }) => (rawBytes > bytes ? { kind: 'max_bytes', bytes } : null);
    }
    case 'reset':
    case 'reset_after_store': {
      const fault = /** @type {Fault} */ ({ kind: r.kind });
      return () => fault;
    }
    case 'hang': {
      const fault = /** @type {Fault} */ ({ kind: 'hang', ms: requiredInt(r, 'ms') });
      return () => fault;
    }
    case 'random': {
      const rate = r.rate;
      if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) throw new HttpError(400, 'rate must be a number from 0 to 1');
      const next = mulberry32(r.seed === undefined ? 1 : requiredInt(r, 'seed'));
      return () => (next() < rate ? { kind: 'random', status: 503 } : null);
    }
    default:
      throw new HttpError(400, `unknown rule kind ${JSON.stringify(r.kind)}`);
  }
}

/** @param {Record<string, unknown>} r @param {string} key */
function requiredInt(r, key) {
  const v = r[key];
  if (!Number.isSafeInteger(v) || /** @type {number} */ (v) < 0) throw new HttpError(400, `${key} must be a non-negative integer`);
  return /** @type {number} */ (v);
}

/** @param {Record<string, unknown>} r @param {string} key @param {number} fallback */
function optionalInt(r, key, fallback) {
  return r[key] === undefined ? fallback : requiredInt(r, key);
}

/** @param {Record<string, unknown>} r @param {string} key @returns {string[]} */
function stringList(r, key) {
  const v = r[key];
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw new HttpError(400, `${key} must be an array of strings`);
  return v;
}

/** A small seeded PRNG, so a random rule fails the same requests on every run. @param {number} seed */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
