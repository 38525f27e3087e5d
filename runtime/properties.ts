import { readJson, type KeyValueStore } from './storage.ts';
import type { Props } from './types.ts';
import { isEmpty, isPropsObject } from './validate.ts';


/** A set of properties with add/remove/clear, optionally persisted under one key. */
export interface PropertyBag {
  readonly values: Props;
  /** Adds `props` over the current values; nothing (undefined or empty) changes nothing. */
  add(props: Props | undefined): void;
  remove(key: string): void;
  /** Removes every property, leaving `next` (a fresh object, which the bag keeps) when given. */
  clear(next?: Props): void;
  /**
   * Adds the properties an earlier visit saved (in storage the gate kept closed until now) under the current ones,
   * and saves the result. Only for a bag with a store.
   */
  merge(): void;
}

/**
 * Creates a bag of properties; with a store it survives reloads (event properties), without it lasts the page
 * (pageview properties). `changed` is called after every change.
 */
export function createPropertyBag(store: KeyValueStore | undefined, key: string, changed: () => void): PropertyBag {
  let values: Props = (store && readJson(store, key, isPropsObject as (v: unknown) => v is Props)) || {};
  const save = () => {
    changed();
    if (!store) return;
    if (isEmpty(values)) store[2](key);
    else store[1](key, JSON.stringify(values));
  };
  return {
    get values() {
      return values;
    },
    add(props) {
      // Adding nothing changes nothing: no storage write, and the captures that follow keep their shared context.
      if (isEmpty(props)) return;
      values = { ...values, ...props };
      save();
    },
    remove(k) {
      if (!(k in values)) return;
      values = { ...values };
      delete values[k];
      save();
    },
    clear(next = {}) {
      values = next;
      save();
    },
    merge() {
      // Read as at boot: corrupt or missing properties add nothing (spreading undefined copies nothing).
      values = { ...readJson(store!, key, isPropsObject as (v: unknown) => v is Props), ...values };
      save();
    },
  };
}
