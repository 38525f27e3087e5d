import { randomNumericId } from './ids.ts';
import type { UserStore } from './persistence.ts';
import { readJson } from './storage.ts';

/** The user as stored: the user id and the identity. */
export interface StoredUser {
  u: string;
  i: string | null;
}

// A parsed JSON value: `?.` is enough to turn away null, and no primitive has a string `u`.
const isStoredUser = (v: unknown): v is StoredUser =>
  typeof (v as StoredUser | null)?.u === 'string' && /^\d{1,16}$/.test((v as StoredUser).u) &&
  ((v as StoredUser).i === null || typeof (v as StoredUser).i === 'string');

/**
 * The user: an anonymous id made at first visit, and the identity set by `identify`. Four functions, in a tuple that
 * the core names as it takes it apart: the bundle then ships no method names.
 */
export type Identity = [
  /** The user as last saved or read: a new object at every save or re-read, never changed in place. */
  current: () => StoredUser,
  /**
   * Sets a different identity: an anonymous user takes it; an identified one is someone else, a new user (with
   * null, a new anonymous user; with undefined, a new anonymous user whatever it was: a denial). Returns true when it
   * made a new user.
   */
  identify: (identity?: string | null) => boolean,
  /** Re-reads the stored user, picking up a change made by another tab; returns it. */
  sync: () => StoredUser,
  /**
   * Takes over the user an earlier visit saved (in storage the gate kept closed until now) when it can be the
   * same person, else saves the current one over it. Returns the user id that was replaced, if any; null when the
   * earlier user is someone else: identified as another identity, or identified at all once `loggedOut` (this page
   * reset the identity while it could not read the earlier user).
   */
  merge: (loggedOut: boolean) => string | null | undefined,
];

/** Loads the user from the store (cookie with a localStorage mirror), creating one on first visit. */
export function createIdentity(store: UserStore, key: string): Identity {
  let user = readJson(store, key, isStoredUser) ?? { u: randomNumericId(), i: null };
  const save = (u = user.u, i = user.i) => {
    store[1](key, JSON.stringify((user = { u, i })));
    return user;
  };
  save();
  return [
    () => user,
    // The id before the save, read first, against the one saved (random ids do not repeat).
    (identity) => user.u !== save(user.i === null && identity !== undefined ? user.u : randomNumericId(), identity ?? null).u,
    // Gone or unreadable: saved again from memory.
    () => (user = readJson(store, key, isStoredUser) ?? save()),
    (loggedOut) => {
      const earlier = readJson(store, key, isStoredUser);
      const replaced = user.u;
      if (earlier && earlier.u !== replaced) {
        // Once logged out here, an earlier identified user is someone else too: continued, the logout was undone.
        if (earlier.i !== null && earlier.i !== (user.i ?? (loggedOut || earlier.i))) return save(), null;
        save(earlier.u, user.i ?? earlier.i);
        return replaced;
      }
      save();
    },
  ];
}
