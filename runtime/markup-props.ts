import type { Props, PropValue } from './types.ts';
import { isPropsObject, MAX_EVENT_NAME, MAX_KEY, MAX_VALUE } from './validate.ts';
import { warnOnce } from './warn.ts';

/** Receives every markup problem while `collectProblems` runs, instead of the once-per-code console warning. */
export type ProblemSink = (code: string, message: string, el: Element) => void;

let sink: ProblemSink | undefined;

/** Runs `fn` with the parse problems it meets sent to `collect` (none reach the console); for the markup audit. */
export function collectProblems<T>(collect: ProblemSink, fn: () => T): T {
  const previous = sink;
  sink = collect;
  try {
    return fn();
  } finally {
    sink = previous;
  }
}

function warn(el: Element, code: string, message: string): void {
  if (sink) sink(code, message, el);
  else warnOnce(code, message);
}

/** The attribute names of the markup language (docs/markup.md is the reference). */
export const ATTR = {
  event: 'data-heap-event',
  props: 'data-heap-props',
  prop: 'data-heap-prop-',
  number: 'data-heap-number-',
  boolean: 'data-heap-boolean-',
  trigger: 'data-heap-trigger',
  once: 'data-heap-once',
  viewDwell: 'data-heap-view-dwell',
  viewRepeat: 'data-heap-view-repeat',
  pageview: 'data-heap-pageview',
  title: 'data-heap-title',
  pageviewProps: 'data-heap-pageview-props',
} as const;

/** Names an element in a warning, the way it reads in the page's source: `<button id="buy" data-heap-event="Buy">`. */
export function describeElement(el: Element): string {
  const short = (value: string) => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  let text = `<${el.localName}`;
  if (el.id) text += ` id=${short(el.id)}`;
  const name = el.getAttribute(ATTR.event);
  if (name !== null) text += ` ${ATTR.event}=${short(name)}`;
  return `${text}>`;
}

/** The element's event name, truncated to the limit; null (with a warning for an empty one) when it has none. */
export function readEventName(el: Element): string | null {
  const raw = el.getAttribute(ATTR.event);
  if (raw === null) return null;
  if (raw.trim() === '') {
    warn(el, 'markup-event-name-empty', `${describeElement(el)} has an empty ${ATTR.event}; nothing is tracked for it.`);
    return null;
  }
  if (raw.length > MAX_EVENT_NAME) {
    warn(el, 'markup-event-name-truncated', `${describeElement(el)}: event names are limited to ${MAX_EVENT_NAME} characters; the name was truncated.`);
    return raw.slice(0, MAX_EVENT_NAME);
  }
  return raw;
}

/**
 * Parses a JSON-object attribute (`data-heap-props`, `user-properties`, ...) into validated properties.
 * Returns undefined, with one warning naming the element, when the value is not a JSON object; an empty value is `{}`.
 */
export function parsePropsJson(el: Element, attr: string, value: string): Props | undefined {
  if (value.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  if (!isPropsObject(parsed)) {
    warn(el, 'markup-json-invalid', `${attr} on ${describeElement(el)} is not a JSON object (${summarize(value)}); its properties were ignored, everything else still applies.`);
    return undefined;
  }
  const out: Props = {};
  for (const key of Object.keys(parsed)) {
    const clean = checkEntry(el, attr, key, parsed[key]);
    if (clean !== undefined) out[key] = clean;
  }
  return out;
}

/** The properties declared on the element itself: `data-heap-props` first, then single attributes, which win. */
export function readOwnProps(el: Element): Props {
  const out: Props = {};
  const json = el.getAttribute(ATTR.props);
  if (json !== null) Object.assign(out, parsePropsJson(el, ATTR.props, json));
  for (const { name, value } of Array.from(el.attributes)) {
    let key: string;
    let parsed: PropValue | undefined;
    if (name.startsWith(ATTR.prop)) {
      key = name.slice(ATTR.prop.length);
      parsed = value;
    } else if (name.startsWith(ATTR.number)) {
      key = name.slice(ATTR.number.length);
      parsed = parseNumber(value);
      if (parsed === undefined) warn(el, 'markup-number-invalid', `${name}=${summarize(value)} on ${describeElement(el)} is not a finite number; the property was dropped.`);
    } else if (name.startsWith(ATTR.boolean)) {
      key = name.slice(ATTR.boolean.length);
      parsed = parseBoolean(value);
      if (parsed === undefined) warn(el, 'markup-boolean-invalid', `${name}=${summarize(value)} on ${describeElement(el)} is not "true" or "false"; the property was dropped.`);
    } else {
      continue;
    }
    if (key === '') {
      warn(el, 'markup-prop-name-empty', `${name} on ${describeElement(el)} names no property; it was ignored.`);
      continue;
    }
    const clean = parsed === undefined ? undefined : checkEntry(el, name, key, parsed);
    if (clean !== undefined) out[key] = clean;
  }
  return out;
}

/** True when the element declares any event properties (and so scopes the events inside it). */
export function hasOwnProps(el: Element): boolean {
  if (el.hasAttribute(ATTR.props)) return true;
  for (const { name } of Array.from(el.attributes)) {
    if (name.startsWith(ATTR.prop) || name.startsWith(ATTR.number) || name.startsWith(ATTR.boolean)) return true;
  }
  return false;
}

// Numeric node types, not `Node.*`: these helpers also run under Node with a DOM library and no globals.
const ELEMENT_NODE = 1;
const FRAGMENT_NODE = 11;

/** True for an element node (from any realm). */
export const isElement = (value: unknown): value is Element => !!value && (value as Node).nodeType === ELEMENT_NODE;

/** True for a shadow root (a document fragment with a host). */
export const isShadowRoot = (value: unknown): value is ShadowRoot =>
  !!value && (value as Node).nodeType === FRAGMENT_NODE && !!(value as ShadowRoot).host;

/** The element's parent, crossing from a shadow root to its host. */
export function parentOf(node: Element): Element | null {
  if (node.parentElement) return node.parentElement;
  const parent = node.parentNode;
  return isShadowRoot(parent) ? parent.host : null;
}

/**
 * The properties of an event from `el`: the scoped properties of its ancestors that have no
 * `data-heap-event` (the nearest winning), under the element's own.
 */
export function readEventProps(el: Element): Props {
  const scopes: Props[] = [];
  for (let node = parentOf(el); node; node = parentOf(node)) {
    if (!node.hasAttribute(ATTR.event) && hasOwnProps(node)) scopes.push(readOwnProps(node));
  }
  const out: Props = {};
  for (let i = scopes.length - 1; i >= 0; i--) Object.assign(out, scopes[i]);
  return Object.assign(out, readOwnProps(el));
}

/** The pageview properties declared by `data-heap-pageview-props` on the element ({} when absent or invalid). */
export function readPageviewProps(el: Element): Props {
  const json = el.getAttribute(ATTR.pageviewProps);
  return (json !== null && parsePropsJson(el, ATTR.pageviewProps, json)) || {};
}

/** A finite number written as a numeral ("49", "-1.5", "1e3"), or undefined. */
export function parseNumber(value: string): number | undefined {
  const trimmed = value.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(trimmed)) return undefined;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : undefined;
}

/** `true` for "true" or an empty (present) attribute, `false` for "false", otherwise undefined. */
export function parseBoolean(value: string): boolean | undefined {
  const trimmed = value.trim().toLowerCase();
  if (trimmed === '' || trimmed === 'true') return true;
  if (trimmed === 'false') return false;
  return undefined;
}

/** Applies the seed's limits to one property, with warnings naming the element; the same policy as the API. */
function checkEntry(el: Element, attr: string, key: string, value: unknown): PropValue | undefined {
  if (key.length >= MAX_KEY) {
    warn(el, 'markup-prop-key-too-long', `${attr} on ${describeElement(el)} has a property key of ${key.length} characters (the limit is ${MAX_KEY - 1}); it was dropped.`);
    return undefined;
  }
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    if (value.length < MAX_VALUE) return value;
    warn(el, 'markup-prop-value-truncated', `${attr} on ${describeElement(el)}: property "${key.slice(0, 40)}" is ${value.length} characters (the limit is ${MAX_VALUE - 1}); it was truncated.`);
    return value.slice(0, MAX_VALUE - 1);
  }
  warn(el, 'markup-prop-value-invalid', `${attr} on ${describeElement(el)}: property "${key.slice(0, 40)}" is not a string, a finite number or a boolean; it was dropped.`);
  return undefined;
}

function summarize(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
}
