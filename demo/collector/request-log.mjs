// Test-only record of every batch POST per env id, so tests can assert what
// reached the wire (retries, encodings, splits) and not only what was stored.

/**
 * One logged batch request.
 * @typedef {Object} LoggedRequest
 * @property {number} at         when it arrived, collector clock
 * @property {number | null} status  null when the socket was destroyed without an answer
 * @property {number} bytes      raw body size
 * @property {'gzip' | null} encoding
 * @property {number} events     number of items in `events`, 0 when unreadable
 * @property {string} body       the decoded body text
 * @property {string} outcome    'stored', 'invalid', 'error' or 'fault:<kind>'
 * @property {boolean} stored    whether the batch was stored (true for hang and reset_after_store too)
 */

/** Most entries kept per env id; older ones fall off first. */
export const MAX_LOGGED = 2000;

/** Creates an empty request log. */
export function createRequestLog() {
  /** @type {Map<string, LoggedRequest[]>} */
  const byEnv = new Map();
  return {
    /** Appends an entry, dropping the oldest past the cap. @param {string} envId @param {LoggedRequest} entry */
    add(envId, entry) {
      let list = byEnv.get(envId);
      if (!list) byEnv.set(envId, (list = []));
      list.push(entry);
      if (list.length > MAX_LOGGED) list.splice(0, list.length - MAX_LOGGED);
    },
    /** The entries of an env id, oldest first. @param {string} envId */
    list(envId) {
      return byEnv.get(envId) ?? [];
    },
    /** Forgets an env id. @param {string} envId */
    reset(envId) {
      byEnv.delete(envId);
    },
  };
}
