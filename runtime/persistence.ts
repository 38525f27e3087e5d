import { createCookieStore, createMirroredStore, createWebStore, type KeyValueStore } from './storage.ts';

/** Whether the visitor allowed tracking: `pending` holds events in memory, `denied` tracks nothing. */
export type Consent = 'granted' | 'pending' | 'denied';

/** Where state may live: `cookies` (default: first-party cookie mirrored to localStorage), or cookieless `session` / `memory`. */
export type StorageMode = 'cookies' | 'session' | 'memory';

/** Settings that decide where the runtime keeps its state. */
export interface PersistenceOptions {
  prefix: string;
  mode: StorageMode;
  cookieDomain?: string;
  secureCookie?: boolean;
}

/** A store that writes through to persistent storage only while allowed, and always keeps a memory copy. */
export interface GatedStore extends KeyValueStore {
  /** The persistent value, ignoring the gate (to merge earlier visits' state when consent arrives). */
  stored(key: string): string | null;
}

/** The runtime's stores, behind one consent gate. */
export interface Persistence {
  readonly user: GatedStore;
  readonly local: GatedStore;
  /** The Web Storage area for the outbox journal, or undefined while storage is not allowed. */
  area(): Storage | undefined;
  setAllowed(allowed: boolean): void;
  /** Forgets memory state and removes every cookie and storage key of this env id. */
  wipe(): void;
}

function gate(persistent: KeyValueStore, allowed: () => boolean): GatedStore {
  const memory = new Map<string, string>();
  return {
    get: (key) => (allowed() ? persistent.get(key) : null) ?? memory.get(key) ?? null,
    set(key, value) {
      memory.set(key, value);
      if (allowed()) persistent.set(key, value);
    },
    remove(key) {
      memory.delete(key);
      if (allowed()) persistent.remove(key);
    },
    stored: (key) => persistent.get(key),
  };
}

const webArea = (mode: StorageMode): Storage | undefined => {
  try {
    return mode === 'cookies' ? globalThis.localStorage : mode === 'session' ? globalThis.sessionStorage : undefined;
  } catch {
    // Accessing the storage object itself throws where storage is blocked.
    return undefined;
  }
};

/** Creates the stores for one env id, allowed to persist from the start or not. */
export function createPersistence(options: PersistenceOptions, initiallyAllowed: boolean): Persistence {
  let allowed = initiallyAllowed;
  const isAllowed = () => allowed;
  const area = () => webArea(options.mode);
  // In memory mode the area is undefined: the gate's memory copy is the only store, and a wipe leaves nothing behind.
  const local = createWebStore(area);
  const user =
    options.mode === 'cookies' ? createMirroredStore(createCookieStore({ domain: options.cookieDomain, secure: options.secureCookie }), local) : local;
  return {
    user: gate(user, isAllowed),
    local: gate(local, isAllowed),
    area: () => (allowed ? area() : undefined),
    setAllowed(next) {
      allowed = next;
    },
    wipe() {
      const { prefix } = options;
      for (const storage of [webArea('cookies'), webArea('session')]) {
        try {
          for (const key of Object.keys(storage!)) if (key.startsWith(prefix)) storage!.removeItem(key);
        } catch {
          // Blocked storage holds nothing of ours.
        }
      }
      try {
        // A cookie is removed with the domain it was set with: try the configured one and the host's.
        const jars = [createCookieStore({ domain: options.cookieDomain }), createCookieStore()];
        for (const part of document.cookie.split('; ')) {
          const name = part.split('=')[0]!;
          if (name.startsWith(prefix)) jars.forEach((jar) => jar.remove(name));
        }
      } catch {
        // No cookies to remove.
      }
    },
  };
}
