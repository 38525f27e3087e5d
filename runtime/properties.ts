import { readJson, type KeyValueStore } from './storage.ts';
import type { Props } from './types.ts';
import { isEmpty, isPropsObject } from './validate.ts';


/**
 * A set of properties, optionally persisted under one key, as five functions rather than an object's methods, so
 * that the minifier renames them:
 * `values` reads the current properties (a fresh object after every change, never changed in place);
 * `add` adds `props` over them (nothing, undefined or empty, changes nothing);
 * `remove` removes one key;
 * `clear` removes every property, leaving `next` (a fresh object, which the bag keeps) when given;
 * `merge` adds the properties an earlier visit saved (in storage the gate kept closed until now) under the current
 * ones, and saves the result: only for a bag with a store.
 */
export type PropertyBag = [
  values: () => Props,
  add: (props: Props | undefined) => void,
  remove: (key: string) => void,
  clear: (next?: Props) => void,
  merge: () => void,
];

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
  return [
    () => values,
    (props) => {
      // Adding nothing changes nothing: no storage write, and the captures that follow keep their shared context.
      if (isEmpty(props)) return;
      values = { ...values, ...props };
      save();
    },
    (k) => {
      if (!(k in values)) return;
      values = { ...values };
      delete values[k];
      save();
    },
    (next = {}) => {
      values = next;
      save();
    },
    () => {
      // Read as at boot: corrupt or missing properties add nothing (spreading undefined copies nothing).
      values = { ...readJson(store!, key, isPropsObject as (v: unknown) => v is Props), ...values };
      save();
    },
  ];
}
