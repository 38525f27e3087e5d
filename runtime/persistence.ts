import { JOURNAL_KEYS } from './journal.ts';
import { createCookieStore, createWebStore, type KeyValueStore } from './storage.ts';
import type { HeapConfig } from './types.ts';

/** Whether the visitor allowed tracking: `pending` holds events in memory, `denied` tracks nothing. */
export type Consent = 'granted' | 'pending' | 'denied';

/** Settings that decide where the runtime keeps its state: the page's storage settings as given. */
export type PersistenceOptions = Pick<HeapConfig, 'cookieless' | 'cookieDomain' | 'secureCookie'>;

/** The user's store: the user is saved over, never removed (a wipe removes every key of the env id). */
export type UserStore = [get: KeyValueStore[0], set: KeyValueStore[1]];

/**
 * The runtime's stores, behind one consent gate, as a tuple the core destructures (no member names to ship):
 * - the user's store and the other keys' store read and write persistent storage only while allowed, else read as
 *   empty and write nothing: what they hold (user, session, properties) lives in memory with its owner all along;
 * - the Web Storage area for the outbox journal, or undefined while storage is not allowed (it throws where the browser
 *   refuses storage);
 * - the wipe, which removes every cookie and storage key of this env id.
 */
export type Persistence = [user: UserStore, local: KeyValueStore, area: () => Storage | undefined, wipe: () => void];

/** Whether state lives in a first-party cookie (mirrored to localStorage): unless cookieless, whatever else that says. */
const withCookies = (cookieless: unknown) => cookieless === undefined || cookieless === false;

/**
 * The Web Storage area for a `cookieless` setting: localStorage beside the cookie, sessionStorage, or none in "memory"
 * mode. Reading the storage object itself throws where the browser refuses storage (a sandboxed frame, cookies blocked;
 * under Node there is none): its users catch that, and the stores warn (storage-unavailable). Caught here, it went
 * unsaid, and a state kept in memory only looked saved.
 */
const webArea = (cookieless?: unknown): Storage | undefined =>
  withCookies(cookieless) ? localStorage : cookieless === 'memory' ? undefined : sessionStorage;

/** Creates the stores for one env id, whose keys are `prefix`, `_` and their name; `allowed` answers, at each write and read, whether they may persist now (consent). */
export function createPersistence(options: PersistenceOptions, prefix: string, allowed: () => boolean): Persistence {
  // No area while not allowed, and none in memory mode: state lives only with its owners, and a wipe leaves nothing behind.
  const area = () => (allowed() ? webArea(options.cookieless) : undefined);
  // Gated already by its area.
  const local = createWebStore(area);
  // The user's stores mirror each other (a cookie with a localStorage copy): a value is read from the first that has
  // it and written to all, so it survives when one of them is cleared or blocked. The cookie only while allowed: the
  // local store, gated by its area, then reads as empty and writes nothing.
  const cookies = createCookieStore(options);
  const mirrors = () => (allowed() && withCookies(options.cookieless) ? [cookies, local] : [local]);
  // This env id's keys by their exact shapes (runtime.ts, journal.ts): the keys of env ids that start with this one
  // ("abcx", "abc_q_1") start with the prefix too, and stay.
  const ours = new RegExp(`^${prefix}_(id|ses|props|typed|${JOURNAL_KEYS})$`);
  return [
    [
      (key) => mirrors().reduce<string | null | undefined>((value, [get]) => value ?? get(key), null),
      (key, value) => mirrors().map(([, set]) => set(key, value)),
    ],
    local,
    area,
    () => {
      // localStorage (no setting: cookies beside it), then sessionStorage (a cookieless setting).
      for (const cookieless of [, 1]) {
        try {
          const storage = webArea(cookieless)!;
          for (const key of Object.keys(storage)) if (ours.test(key)) storage.removeItem(key);
        } catch {
          // Blocked storage holds nothing of ours.
        }
      }
      // The user's cookie, the one cookie there is, of an earlier setting too: a cookieless page still removes the
      // cookie it left before. Removing it when there is none sets nothing.
      cookies[2](`${prefix}_id`);
    },
  ];
}
