import { documentText } from './dom.ts';
import type { HeapConfig } from './types.ts';
import { warnOnce } from './warn.ts';

/**
 * A string key-value store; every implementation swallows platform failures. Three functions in a tuple its users
 * take apart or index: the bundle then ships no method names.
 */
export type KeyValueStore = [
  /** The value, or null or undefined when there is none. */
  get: (key: string) => string | null | undefined,
  set: (key: string, value: string) => void,
  remove: (key: string) => void,
];

/** Options for the first-party cookie: the page's cookie settings as given. */
export type CookieOptions = Pick<HeapConfig, 'cookieDomain' | 'secureCookie'>;

/**
 * localStorage (or another Web Storage area) that stops touching the area once the browser refused it, reading as
 * empty from then on; what is stored there (user, session, properties) lives in memory with its owner too.
 */
export function createWebStore(area: () => Storage | undefined): KeyValueStore {
  // Undefined until the area first refused (read as a truth value only).
  let failed: true | undefined;
  // Each function calls its method of the area with its arguments.
  return (['getItem', 'setItem', 'removeItem'] as const).map((method) => (...args: [string, string]) => {
    if (!failed) {
      try {
        return area()?.[method](...args);
      } catch (err) {
        failed = true;
        warnOnce('storage-unavailable', `web storage is unavailable (${(err as Error)?.name ?? err}); state is kept in memory for this page.`);
      }
    }
  }) as KeyValueStore;
}

/**
 * First-party cookies for a year: SameSite=Lax, Secure on https or when asked, on the given domain. Removing a cookie
 * (a wipe, the only use) tries the configured domain and the host's, as it may have been set with either.
 */
export function createCookieStore({ cookieDomain, secureCookie }: CookieOptions): KeyValueStore {
  const write = (cookie: string, maxAge: number, domain?: string, secure?: boolean) => {
    // Under Node (no document nor location) this throws too, and is caught. The DOM's own setter: a form named `cookie`
    // (dom.ts) made the assignment throw.
    try {
      Reflect.set(Document.prototype, 'cookie', `${cookie}; path=/; max-age=${maxAge}; SameSite=Lax${domain ? `; domain=${domain}` : ''}${
        secure || location.protocol === 'https:' ? '; Secure' : ''
      }`, document);
    } catch (err) {
      warnOnce('cookie-unavailable', `cookies are unavailable (${(err as Error)?.name ?? err}); the user id is kept in local storage, or in memory for this page where that is refused too.`);
    }
  };
  return [
    (key) => {
      try {
        // The cookies as a query string: the first of that name, decoded (values are written percent-encoded, so no
        // `+` in them stands for a space).
        return new URLSearchParams(documentText('cookie')!.replaceAll('; ', '&')).get(key);
      } catch {
        // Cookies blocked or a sandboxed document: behave as if there were none.
      }
    },
    (key, value) => {
      // A host cookie an earlier visit left (before the page set a domain) would be read first, older cookies coming
      // first, and its stale user would win every re-read: it goes.
      if (cookieDomain) write(`${key}=`, 0);
      write(`${key}=${encodeURIComponent(value)}`, 31_536_000, cookieDomain, secureCookie);
    },
    (key) => {
      write(`${key}=`, 0, cookieDomain);
      write(`${key}=`, 0);
    },
  ];
}

/** Parses JSON text; undefined when it is unreadable (null text parses to null). */
export function parseJson(text: string | null | undefined): unknown {
  try {
    return JSON.parse(text!);
  } catch {
    // Unreadable: undefined, as no JSON text parses to it.
  }
}

/** Parses stored JSON, returning undefined for anything missing or corrupt. */
export function readJson<T>(store: Pick<KeyValueStore, 0>, key: string, isValid: (value: unknown) => value is T): T | undefined {
  const text = store[0](key);
  const value = parseJson(text);
  if (isValid(value)) return value;
  // Corrupt state: treated as absent, and overwritten on the next write.
  if (text != null) warnOnce('storage-corrupt', `stored state under "${key}" was unreadable; it is ignored, and replaced at the next write.`);
  return undefined;
}
