import { composedParent } from './composed-tree.ts';
import { attributeOf, call, member, tagOf } from './dom.ts';
import { parseJson } from './storage.ts';
import type { Props } from './types.ts';
import { cleanValue, cut, isPropsObject, MAX_EVENT_NAME, MAX_KEY, MAX_VALUE } from './validate.ts';
import { warnOnce } from './warn.ts';

/** Receives every markup problem while `collectProblems` runs, instead of the once-per-code console warning. */
export type ProblemSink = (code: string, message: string) => void;

/** Where parse problems go: the once-per-code console warning, or the audit's sink while `collectProblems` runs. */
let warn: ProblemSink = warnOnce;

/** Runs `fn` with the parse problems it meets sent to `collect` (none reach the console); for the markup audit. */
export function collectProblems<T>(collect: ProblemSink, fn: () => T): T {
  const previous = warn;
  warn = collect;
  try {
    return fn();
  } finally {
    warn = previous;
  }
}

// The attribute names of the markup language (docs/markup.md is the reference): constants, so that the
// minifier gives each a short name.
export const EVENT = 'data-heap-event';
export const PROPS = 'data-heap-props';
export const PROP = 'data-heap-prop-';
export const NUMBER = 'data-heap-number-';
export const BOOLEAN = 'data-heap-boolean-';
export const TRIGGER = 'data-heap-trigger';
export const ONCE = 'data-heap-once';
export const VIEW_DWELL = 'data-heap-view-dwell';
export const VIEW_REPEAT = 'data-heap-view-repeat';
export const PAGEVIEW = 'data-heap-pageview';
export const TITLE = 'data-heap-title';
export const PAGEVIEW_PROPS = 'data-heap-pageview-props';

/** The attribute names by role, for tools that list them (the markup audit). */
export const ATTR = { event: EVENT, props: PROPS, prop: PROP, number: NUMBER, boolean: BOOLEAN, trigger: TRIGGER, once: ONCE, viewDwell: VIEW_DWELL, viewRepeat: VIEW_REPEAT, pageview: PAGEVIEW, title: TITLE, pageviewProps: PAGEVIEW_PROPS } as const;

/**
 * Names an element in a warning, the way it reads in the page's source: `<button id="buy" data-heap-event="Buy">`.
 * In the drop-in bundles it runs when the warning prints (heap-analytics-messages.js holds it), not at the call: a
 * microtask later, or after that file's fetch for the first warning. The element's id and event name rarely change
 * in between; if they do, the warning names the element as it is then. It reads through dom.ts, so no code of the
 * page runs, and it cannot throw on an element; printing catches anything else (runtime/warn.ts, write()).
 */
export function describeElement(el: Element): string {
  const id = attributeOf(el, 'id');
  const name = attributeOf(el, EVENT);
  return `<${tagOf(el)}${id ? ` id=${summarize(id)}` : ''}${name === null ? '' : ` ${EVENT}=${summarize(name)}`}>`;
}

/**
 * The element's event name, without the white space a template leaves around it (a line break, a no-break space: the
 * same name would count as two events), truncated to the limit; null (with a warning for an empty one) when it has none.
 */
export const readEventName = (el: Element): string | null => {
  const name = attributeOf(el, EVENT)?.trim();
  if (name === undefined) return null;
  if (!name) {
    warn('markup-event-name-empty', `${describeElement(el)} has an empty data-heap-event; nothing is tracked for it.`);
    return null;
  }
  if (name.length > MAX_EVENT_NAME) {
    warn('markup-event-name-truncated', `${describeElement(el)}: event names are limited to 255 characters; the name was truncated.`);
    return cut(name, MAX_EVENT_NAME);
  }
  return name;
};

/**
 * Parses a JSON-object attribute (`data-heap-props`, `user-properties`, ...) into validated properties: the
 * element's own, unless `value` is given. Returns undefined, with one warning naming the element, when the value is
 * not a JSON object; an empty or missing value is `{}`.
 */
export const parsePropsJson = (el: Element, attr: string, value: string | null | undefined = attributeOf(el, attr)): Props | undefined => {
  if (!value?.trim()) return {};
  // Not JSON parses as undefined, which is no object either.
  const parsed = parseJson(value);
  if (!isPropsObject(parsed)) {
    warn('markup-json-invalid', `${attr} on ${describeElement(el)} is not a JSON object (${summarize(value)}); its properties were ignored, everything else still applies.`);
    return undefined;
  }
  const out: Props = {};
  for (const key of Object.keys(parsed)) putEntry(out, el, attr, key, parsed[key]);
  return out;
};

// A single-property attribute (PROP, NUMBER or BOOLEAN): the type its prefix names, then the property's name.
const SINGLE = /^data-heap-(prop|number|boolean)-(.*)/;

/** The properties declared on the element itself: `data-heap-props` first, then single attributes, which win. */
export const readOwnProps = (el: Element): Props => {
  const out = parsePropsJson(el, PROPS) || {};
  // Each attribute with its value: no second read per attribute.
  for (const { name, value } of member(el, 'attributes') as NamedNodeMap) {
    const [, type, key] = SINGLE.exec(name) ?? [];
    if (!type) continue;
    const parsed = type === 'number' ? parseNumber(value) : type === 'boolean' ? parseBoolean(value) : value;
    if (!key) warn('markup-prop-name-empty', `${name} on ${describeElement(el)} names no property; it was ignored.`);
    else if (parsed !== undefined) putEntry(out, el, name, key, parsed);
    else if (type === 'number') warn('markup-number-invalid', `${name}=${summarize(value)} on ${describeElement(el)} is not a finite number; the property was dropped.`);
    else warn('markup-boolean-invalid', `${name}=${summarize(value)} on ${describeElement(el)} is not "true" or "false"; the property was dropped.`);
  }
  return out;
};

/** True when the element declares any event properties (and so scopes the events inside it). */
export function hasOwnProps(el: Element): boolean {
  return attributeOf(el, PROPS) !== null || (call(el, 'getAttributeNames') as string[]).some((name) => SINGLE.test(name));
}

export { isElement } from './dom.ts';

export { composedParent, isShadowRoot } from './composed-tree.ts';

/**
 * The properties of an event from `el`: the scoped properties of its ancestors that have no
 * `data-heap-event`, or an empty one (the nearest winning), under the element's own.
 */
export const readEventProps = (el: Element): Props => {
  let out: Props | undefined;
  // The element's own first (none read yet), then each ancestor's under them: one read of an element's properties.
  for (let node: Element | null = el; node; node = composedParent(node)) {
    // One with an empty name (a template's unfilled field) sends nothing: a scope, as it is for the triggers (declarative.ts).
    if (!out || !readEventName(node)) out = Object.assign(readOwnProps(node), out);
  }
  return out!;
};

/** A finite number written as a numeral ("49", "-1.5", "1e3"), or undefined. */
export const parseNumber = (value: string): number | undefined => {
  // Number() reads more than numerals: white space alone (as 0), "0x10", "0b1", "0o7" and "Infinity". Of what it
  // reads, numerals are those with a digit and no letter but the exponent's.
  const n = Number(value);
  return Number.isFinite(n) && /\d/.test(value) && !/[a-df-z]/i.test(value) ? n : undefined;
};

/** `true` for "true" or an empty (present) attribute, `false` for "false", otherwise undefined. */
export const parseBoolean = (value: string): boolean | undefined => {
  const trimmed = value.trim().toLowerCase();
  if (trimmed === '' || trimmed === 'true') return true;
  if (trimmed === 'false') return false;
  return undefined;
};

/**
 * Adds one property to `out` within the seed's limits, with warnings naming the element; the same policy as the API.
 * The only place markup properties are checked with warnings: the API's check that events and the identity and
 * pageview markup pass them through afterwards finds nothing more to drop (only its cap on the count can apply).
 * One check for both, reporting to either set of codes, made the bundle 32 B gzip larger: gzip compresses the two
 * alike checks better than the dispatch between their warnings.
 */
const putEntry = (out: Props, el: Element, attr: string, key: string, value: unknown): void => {
  if (key === '__proto__') {
    // Assigned to `out`, it would set its prototype instead of a property: it could never be sent.
    warn('markup-prop-key-reserved', `${attr} on ${describeElement(el)} has a property named "__proto__"; it was dropped.`);
    return;
  }
  if (key.length >= MAX_KEY) {
    warn('markup-prop-key-too-long', `${attr} on ${describeElement(el)} has a property key of ${key.length} characters (the limit is 511); it was dropped.`);
    return;
  }
  const clean = cleanValue(value);
  if (clean === undefined) {
    warn('markup-prop-value-invalid', `${attr} on ${describeElement(el)}: property ${summarize(key)} is not a string, a finite number or a boolean; it was dropped.`);
    return;
  }
  // Only a cut string differs from what was given.
  if (clean !== value) {
    warn('markup-prop-value-truncated', `${attr} on ${describeElement(el)}: property ${summarize(key)} is ${(value as string).length} characters (the limit is 1023); it was truncated.`);
  }
  out[key] = clean;
};

/** An attribute's value in a warning, quoted, its first 40 characters; in the drop-in bundles, when it prints (a string does not change). */
export function summarize(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
}
