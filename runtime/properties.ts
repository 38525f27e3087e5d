import { readJson, type KeyValueStore } from './storage.ts';
import type { Props } from './types.ts';
import { isEmpty, isPropsObject } from './validate.ts';


/**
 * A set of properties, optionally persisted under one key, as five functions rather than an object's methods, so
 * that the minifier renames them:
 * `values` reads the current properties (a fresh object after every change, never changed in place);
 * `add` adds `props` over them (nothing, undefined or empty, changes nothing);
 * `remove` removes one key, from what every tab saved too;
 * `clear` removes every property, leaving `next` (a fresh object, which the bag keeps) when given;
 * `merge` adds the properties an earlier visit saved (in storage the gate kept closed until now) under the current
 * ones, and saves the result: only for a bag with a store;
 * `sync` takes what the store holds now, another tab's additions and removals with it, and saves nothing.
 */
export type PropertyBag = [
  values: () => Props,
  add: (props: Props | undefined) => void,
  remove: (key: string) => void,
  clear: (next?: Props) => void,
  merge: () => void,
  sync: () => void,
];

/**
 * Creates a bag of properties; with a store it survives reloads (event properties), without it lasts the page
 * (pageview properties). `changed` is called after every change.
 */
export function createPropertyBag(store: KeyValueStore | undefined, key: string, changed: () => void): PropertyBag {
  // What the store holds, as another tab may have saved it since: undefined when missing, corrupt or not allowed.
  const stored = () => store && readJson(store, key, isPropsObject as (v: unknown) => v is Props);
  let values: Props = stored() || {};
  // A missing key is another tab's clear (read again only then: the key is usually there). Storage unreadable (none,
  // not allowed, or refused a write of this tab's, whose changes then live here alone) or corrupt keeps what this tab has.
  const sync = () => (values = stored() || (store?.[0](key) === null ? {} : values));
  // A fresh object for a change, over what every tab saved: changed from this tab's alone, another tab's additions
  // (its login's `Logged In`) were lost for later pages, and its removals (its logout's) undone.
  const change = (props?: Props) => (values = { ...sync(), ...props });
  const save = () => {
    changed();
    // Emptied, the key is removed (the remove ignores the text).
    store?.[isEmpty(values) ? 2 : 1](key, JSON.stringify(values));
  };
  return [
    () => values,
    (props) => {
      // Adding nothing changes nothing: no storage write, and the captures that follow keep their shared context.
      if (isEmpty(props)) return;
      change(props);
      save();
    },
    // Removed from what every tab saved: another tab's property that this tab had not yet read stayed on every event.
    // A key no tab has changes nothing: no storage write, as for adding nothing.
    (k) => {
      if (!(k in change())) return;
      delete values[k];
      save();
    },
    (next = {}) => {
      values = next;
      save();
    },
    () => {
      // This tab's over what the store holds, as a change is: corrupt or missing properties add nothing.
      change(values);
      save();
    },
    sync,
  ];
}
