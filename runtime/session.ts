import { documentText } from './dom.ts';
import { randomNumericId } from './ids.ts';
import { pageUrl } from './page.ts';
import { scrub } from './redact.ts';
import { readJson, type KeyValueStore } from './storage.ts';
import type { SessionContext } from './types.ts';
import { cleanValue } from './validate.ts';

/** A session as every tab of the site stores it. */
export interface StoredSession {
  id: string;
  /** When an event last kept the session alive. */
  last: number;
  props: SessionContext;
}

// A parsed JSON value: `?.` is enough to turn away null, and no primitive has a string `id`.
const isStoredSession = (v: unknown): v is StoredSession =>
  typeof (v as StoredSession | null)?.id === 'string' &&
  typeof (v as StoredSession).last === 'number' && typeof (v as StoredSession).props === 'object';

const UTM_KEYS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'];
/** How often (ms) the session is re-read from and written back to the shared store. */
const SYNC_MS = 1000;

/**
 * A session: shared by every tab of the site, ended by a stretch of inactivity. Three functions, in a tuple that the
 * core names as it takes it apart: the bundle then ships no method names.
 */
export type Session = [
  /**
   * The session for an event at `now`, starting a new one after the inactivity timeout. `read` (a page asking for the
   * id) is no activity: it starts a session that timed out, so the id is the next event's, but extends none.
   */
  touch: (now: number, read?: boolean) => StoredSession,
  /** Ends the current session, so the next event starts a new one. */
  restart: (now: number) => void,
  /**
   * Continues a session an earlier page saved (in storage the gate kept closed until now) if it is still alive and
   * not `apart` (another user's); returns the replaced session id. Touch it next: that extends the continued session to now.
   */
  merge: (now: number, apart: boolean) => string | undefined,
];

/**
 * Creates the session tracker; `timeoutMs` of inactivity ends a session. `synced` is called at each re-read of the
 * shared store: the core re-reads the user every tab shares on the same once-a-second beat.
 */
export function createSession(store: KeyValueStore, key: string, timeoutMs: number, synced: () => void): Session {
  let current: StoredSession | undefined;
  let syncedAt = -Infinity;
  const save = (s: StoredSession) => store[1](key, JSON.stringify(s));
  // A new session, starting at `now`: the current one from then on.
  const restart = (now: number) => {
    // The session properties (landing page, referrer, UTM parameters), from the current page.
    const props: SessionContext = {};
    try {
      // The UTM values are read from the landing page scrubbed, as it is sent: an email or a card number in utm_term is
      // no more sent than in the landing page. Read before the landing page is cut, they are cut like property values.
      const params = new URL(scrub(location.href)).searchParams;
      props.landing_page = pageUrl(location.href);
      const referrer = documentText('referrer');
      if (referrer) props.referrer = pageUrl(referrer);
      // Cut like any string property value.
      for (const key of UTM_KEYS) if (params.get(key)) props[key] = cleanValue(params.get(key)) as string;
    } catch {
      // Without a DOM, reading location throws: no landing context.
    }
    save((current = { id: randomNumericId(), last: now, props }));
  };
  return [
    (now, read) => {
      // The shared store is read and written back at most once a second (the first touch too: syncedAt is
      // -Infinity until then), so a touch in a millisecond already touched costs no storage access.
      const sync = Math.abs(now - syncedAt) >= SYNC_MS;
      if (sync) {
        // Another tab may have extended or replaced the session since we last looked. Another session stored is
        // newer whatever its `last` says (this tab saves each session it starts at once): kept by a tab busy within the
        // second, or one whose `last` the clock set back since, another tab's new session (a login there) was written
        // over with the old one, and the tabs' events went back to it.
        const stored = readJson(store, key, isStoredSession);
        if (stored && (stored.id !== current?.id || stored.last >= current.last)) current = stored;
        syncedAt = now;
        synced();
      }
      if (!current || now - current.last > timeoutMs) restart(now);
      else {
        // Back too, when the clock was set back: an hour fast, `last` kept the session alive an hour past its timeout.
        if (!read) current.last = now;
        if (sync) save(current);
      }
      // Set by now: restart() sets it when nothing else had.
      return current!;
    },
    restart,
    (now, apart) => {
      const earlier = readJson(store, key, isStoredSession);
      let replaced: string | undefined;
      if (!apart && earlier && now - earlier.last <= timeoutMs && earlier.id !== current?.id) {
        replaced = current?.id;
        // Kept alive by the touch that follows (the runtime labels the held events with it).
        current = earlier;
      }
      if (current) save(current);
      return replaced;
    },
  ];
}
