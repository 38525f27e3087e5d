import { warnOnce } from './warn.ts';

/** A string key-value store; every implementation swallows platform failures. */
export interface KeyValueStore {
  get(key: string): string | null;
  set(key: string, value: string): void;
  remove(key: string): void;
}

/** Options for the first-party cookie. */
export interface CookieOptions {
  domain?: string;
  secure?: boolean;
  maxAgeDays?: number;
}

/** A store that lives as long as the page: the fallback when the browser refuses storage. */
export function createMemoryStore(): KeyValueStore {
  const map = new Map<string, string>();
  return {
    get: (key) => map.get(key) ?? null,
    set: (key, value) => void map.set(key, value),
    remove: (key) => void map.delete(key),
  };
}

/** localStorage (or another Web Storage area) that degrades to memory when the browser refuses it. */
export function createWebStore(area: () => Storage | undefined): KeyValueStore {
  const memory = createMemoryStore();
  let failed = false;
  const fail = (err: unknown) => {
    failed = true;
    warnOnce('storage-unavailable', `web storage is unavailable (${(err as Error)?.name ?? err}); state is kept in memory for this page.`);
  };
  return {
    get(key) {
      if (!failed) {
        try {
          const value = area()?.getItem(key) ?? null;
          if (value !== null) return value;
        } catch (err) {
          fail(err);
        }
      }
      return memory.get(key);
    },
    set(key, value) {
      memory.set(key, value);
      if (failed) return;
      try {
        area()?.setItem(key, value);
      } catch (err) {
        fail(err);
      }
    },
    remove(key) {
      memory.remove(key);
      try {
        area()?.removeItem(key);
      } catch {
        // Nothing to undo: memory already forgot it.
      }
    },
  };
}

/** First-party cookies: SameSite=Lax, Secure on https or when asked, on the given domain. */
export function createCookieStore(options: CookieOptions = {}): KeyValueStore {
  const { domain, secure, maxAgeDays = 365 } = options;
  const attrs = (maxAge: number) => {
    let text = `; path=/; max-age=${maxAge}; SameSite=Lax`;
    if (domain) text += `; domain=${domain}`;
    if (secure || (typeof location !== 'undefined' && location.protocol === 'https:')) text += '; Secure';
    return text;
  };
  const write = (cookie: string) => {
    try {
      document.cookie = cookie;
    } catch (err) {
      warnOnce('cookie-unavailable', `cookies are unavailable (${(err as Error)?.name ?? err}); local storage is used instead.`);
    }
  };
  return {
    get(key) {
      try {
        const prefix = `${key}=`;
        for (const part of document.cookie.split('; ')) {
          if (part.startsWith(prefix)) return decodeURIComponent(part.slice(prefix.length));
        }
      } catch {
        // Cookies blocked or a sandboxed document: behave as if there were none.
      }
      return null;
    },
    set: (key, value) => write(`${key}=${encodeURIComponent(value)}${attrs(Math.round(maxAgeDays * 86400))}`),
    remove: (key) => write(`${key}=${attrs(0)}`),
  };
}

/**
 * Reads from the first store that has a value and writes to all of them, so state survives
 * when one of them is cleared or blocked (a cookie with a localStorage mirror).
 */
export function createMirroredStore(...stores: KeyValueStore[]): KeyValueStore {
  return {
    get(key) {
      for (const store of stores) {
        const value = store.get(key);
        if (value !== null) return value;
      }
      return null;
    },
    set: (key, value) => stores.forEach((store) => store.set(key, value)),
    remove: (key) => stores.forEach((store) => store.remove(key)),
  };
}

/** Parses stored JSON, returning undefined for anything missing or corrupt. */
export function readJson<T>(store: KeyValueStore, key: string, isValid: (value: unknown) => value is T): T | undefined {
  const text = store.get(key);
  if (text === null) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (isValid(value)) return value;
  } catch {
    // Corrupt state: treated as absent, and overwritten on the next write.
  }
  warnOnce('storage-corrupt', `stored state under "${key}" was unreadable and has been reset.`);
  return undefined;
}
