import type { Consent } from './persistence.ts';
import type { Props, PropValue } from './types.ts';
import { describe, warnOnce } from './warn.ts';

// The warnings spell these limits out in their texts, which cost no bundle bytes (a value in a message does):
// a change here is a change there too (validate.test.ts and markup-props.test.ts check the texts). The one exception,
// event-name-truncated, passes its limit: it is the message printed when the texts file fails to load, values alone
// (scripts/pack.test.mjs).

/** Longest event name kept; longer names are truncated to this. */
export const MAX_EVENT_NAME = 255;
/** Property keys must be shorter than this; longer ones are dropped. */
export const MAX_KEY = 512;
/** String values must be shorter than this; longer ones are truncated to MAX_VALUE - 1. */
export const MAX_VALUE = 1024;
/** Identities must be shorter than this; longer ones are refused. */
export const MAX_IDENTITY = 255;
/** Titles must be shorter than this; longer ones are truncated to MAX_TITLE - 1. */
export const MAX_TITLE = 255;
/** Most properties kept from one object; the rest are dropped. */
export const MAX_PROPS = 256;

/**
 * Whether `identify()` refuses `identity` as a placeholder, trimmed, in any case: empty, `undefined`, `null`, `None`
 * (Python's, as Django and Jinja render a signed-out user's id), `NaN`, `[object Object]` (a template or script that
 * rendered a missing value), `false` (`user && user.email` for a signed-out visitor, which frameworks set as the
 * element's `identity` property and templates render; Python's `and` renders `False`). The markup audit asks it too.
 */
export const isJunkIdentity = (identity: string): boolean => /^(undefined|null|none|nan|false|\[object object\])?$/i.test(identity.trim());

/**
 * `text` cut to at most `max` UTF-16 units, never between the two halves of a character (an emoji, say): half of one
 * is not text, and reached the collector as garbage.
 */
export const cut = (text: string, max: number): string =>
  // A low surrogate (0xDC00-0xDFFF) just past the cut belongs to the unit before it, which goes too. Past the end,
  // NaN >> 10 is 0.
  text.slice(0, max - +(text.charCodeAt(max) >> 10 === 55));

/** A string as it is, a finite number as its string; anything else is not text. */
const asText = (value: unknown): string | undefined =>
  // Number.isFinite answers false for anything but a number.
  typeof value === 'string' ? value : Number.isFinite(value) ? String(value) : undefined;

/** Returns a usable event name, truncated to the limit, or nothing (with a warning) when there is none. */
export const cleanEventName = (value: unknown): string | void => {
  const name = asText(value);
  if (name === undefined) {
    return warnOnce('event-name-invalid', `track() needs an event name string, got ${describe(value)}; the event was dropped.`);
  }
  // Only a name that does not start with printable ASCII other than a space ('!' to '~', compared as strings) can
  // be blank: the common name skips the trim.
  if ((name < '!' || name >= '\x7f') && name.trim() === '') {
    return warnOnce('event-name-empty', `track() got an empty event name; the event was dropped.`);
  }
  if (name.length > MAX_EVENT_NAME) {
    warnOnce('event-name-truncated', `event names are limited to ${MAX_EVENT_NAME} characters; a name of ${name.length} was truncated.`);
    return cut(name, MAX_EVENT_NAME);
  }
  return name;
};

/**
 * Returns the valid properties of `value`: keys shorter than 512 characters, values that are booleans,
 * finite numbers or strings (truncated below 1024 characters). Everything else is dropped with a warning.
 * Anything but a plain object (`undefined` too) gives undefined and a warning: calls whose properties are
 * optional pass `?? {}`, the add* calls ignore the call. `call` names the call in those two warnings; the markup,
 * whose reader always makes a plain object, passes none.
 */
export const cleanProps = (value: unknown, call?: string): Props | undefined => {
  if (!isPropsObject(value)) {
    return warnOnce(`${call}-properties-invalid`, `${callName(call)} takes a plain object of properties, got ${describe(value)}; the properties were ignored.`) as undefined;
  }
  const out: Props = {};
  let keys: string[];
  try {
    keys = Object.keys(value);
  } catch {
    warnOnce(`${call}-properties-unreadable`, `${callName(call)} could not read the keys of its properties object; the properties were ignored.`);
    return out;
  }
  if (keys.length > MAX_PROPS) {
    warnOnce('properties-too-many', `at most 256 properties are kept per call; ${keys.length - MAX_PROPS} were dropped.`);
    // Object.keys made the array: shortening it in place is ours to do.
    keys.length = MAX_PROPS;
  }
  for (const key of keys) {
    // How the key is named in a warning.
    const name = key.slice(0, 40);
    // Only reading the value may throw (a getter); nothing else here does.
    try {
      if (key === '__proto__') {
        // Assigned to a copy, it would set the copy's prototype instead of a property: it could never be sent.
        warnOnce('property-key-reserved', 'a property cannot be named "__proto__"; it was dropped.');
      } else if (key.length >= MAX_KEY) {
        warnOnce('property-key-too-long', `property keys must be shorter than 512 characters; a key of ${key.length} was dropped.`);
      } else {
        const raw = (value as Record<string, unknown>)[key];
        const clean = cleanValue(raw);
        if (clean === undefined) {
          if (typeof raw === 'number') warnOnce('property-value-not-finite', `property "${name}" is ${raw}; only finite numbers are kept, so it was dropped.`);
          else warnOnce('property-value-invalid', `property "${name}" is ${describe(raw)}; only booleans, numbers and strings are kept, so it was dropped.`);
        } else {
          // Only a cut string differs from what was given.
          if (clean !== raw) warnOnce('property-value-truncated', `string values must be shorter than 1024 characters; "${name}" was truncated.`);
          out[key] = clean;
        }
      }
    } catch {
      warnOnce('property-value-unreadable', `reading property "${name}" threw; it was dropped.`);
    }
  }
  return out;
};

/**
 * A property value as it is sent, for the API and the markup alike: a boolean, a finite number, or a string cut
 * below MAX_VALUE characters (the same string when shorter); undefined for anything else.
 */
export const cleanValue = (value: unknown): PropValue | undefined =>
  // Number.isFinite answers false for anything but a number.
  typeof value === 'string' ? cut(value, MAX_VALUE - 1) : Number.isFinite(value) || typeof value === 'boolean' ? (value as number | boolean) : undefined;

/** Returns the identity as a string, or nothing (with a warning) when it is not one Heap would accept. */
export const cleanIdentity = (value: unknown): string | void => {
  const identity = asText(value);
  if (identity === undefined) {
    return warnOnce('identity-invalid', `identify() takes a string or a number, got ${describe(value)}; the call was ignored.`);
  }
  if (isJunkIdentity(identity)) {
    return warnOnce('identity-junk', `identify() refused the placeholder identity ${describe(identity)}; the call was ignored.`);
  }
  if (identity.length >= MAX_IDENTITY) {
    return warnOnce('identity-too-long', `identities must be shorter than 255 characters (truncating would merge different users); the call was ignored.`);
  }
  return identity;
};

/**
 * A call's name for a warning, with the classic snippet's older name of the event property calls, which share their
 * code (api.ts): the page may have called only the older one. In the drop-in bundles the texts call it when they
 * print (runtime/warn-messages.ts): a name is a string, which cannot change meanwhile.
 */
export const callName = (call: unknown): string =>
  `${call}()${call === 'addEventProperties' ? ' (or setEventProperties())' : call === 'removeEventProperty' ? ' (or unsetEventProperty())' : ''}`;

/** True for a property name the remove* calls take; otherwise false, with a warning. */
export const isKey = (value: unknown, call: string): value is string => {
  if (typeof value === 'string' && value.length < MAX_KEY) return true;
  warnOnce(`${call}-key-invalid`, `${callName(call)} takes a property name string shorter than 512 characters, got ${describe(value)}; the call was ignored.`);
  return false;
};

/** Returns a title truncated below 255 characters, or undefined with a warning when it is not a string. */
export const cleanTitle = (value: unknown): string | undefined => {
  if (typeof value !== 'string') {
    warnOnce('pageview-title-invalid', `trackPageview() title must be a string, got ${describe(value)}; the page's title is used.`);
    return undefined;
  }
  if (value.length >= MAX_TITLE) warnOnce('pageview-title-truncated', `titles must be shorter than 255 characters; a title of ${value.length} was truncated.`);
  // A shorter title is cut nowhere.
  return cut(value, MAX_TITLE - 1);
};

/** Returns the URL, parsed, when it is absolute with a scheme and a host, or undefined with a warning. */
export const cleanUrl = (value: unknown): URL | undefined => {
  if (typeof value === 'string') {
    try {
      const url = new URL(value);
      if (url.host) return url;
    } catch {
      // Falls through to the warning: a relative or malformed URL.
    }
  }
  warnOnce('pageview-url-invalid', `trackPageview() url must be an absolute URL with a scheme and host, got ${describe(value)}; the page's URL is used.`);
  return undefined;
};

/** Returns a previous-page path, or undefined with a warning when it is not a string. */
export const cleanPath = (value: unknown): string | undefined => {
  // Scrubbed and cut as a URL is when the page reads it (page.ts).
  if (typeof value === 'string') return value;
  warnOnce('pageview-previous-page-invalid', `trackPageview() previous_page must be a path string, got ${describe(value)}; it was ignored.`);
  return undefined;
};

/**
 * True when `props` has no key, or is undefined. Own keys only: a page that added an enumerable member to
 * Object.prototype made every object look full (an empty user_properties record was sent).
 */
export const isEmpty = (props: object | undefined): boolean => !Object.keys(props ?? 0).length;

/**
 * True for a plain object (an object literal or `Object.create(null)`): the only form properties may take. False,
 * never a throw, for a Proxy whose prototype cannot be read (a revoked one): thrown, it lost the track() or
 * trackPageview() call's event.
 */
export const isPropsObject = (value: unknown): value is Record<string, unknown> => {
  try {
    // A root prototype, so plain objects from another frame count too; or none (Object.create(null)): then the
    // value's own, null, is asked again.
    return typeof value === 'object' && !!value && !Object.getPrototypeOf(Object.getPrototypeOf(value) ?? value);
  } catch {
    return false;
  }
};

/** True for a consent decision: "granted", "pending" or "denied". */
export const isConsent = (value: unknown): value is Consent => value === 'pending' || value === 'granted' || value === 'denied';

/**
 * The positive finite number setting `key` of `config`, or the default (with a warning naming the setting when a bad
 * value was given: with two bad ones, only the first warns, and the page's owner could not tell which it was).
 */
export const positive = (config: object, key: string, fallback: number): number => {
  const value = (config as Record<string, unknown>)[key];
  if (value === undefined) return fallback;
  // Number.isFinite is false for anything not a number.
  if (Number.isFinite(value) && (value as number) > 0) return value as number;
  warnOnce('config-invalid', `the numeric setting ${key} got ${describe(value)}; the default ${fallback} is used.`);
  return fallback;
};
