import { ATTR, collectProblems, describeElement, hasOwnProps, isElement, parseNumber, parsePropsJson, readEventName, readEventProps, readOwnProps, type ProblemSink } from './markup-props.ts';
import { BUTTON_INPUTS, defaultTrigger, type Trigger } from './markup-triggers.ts';
import { DEFAULT_DWELL_MS } from './markup-view.ts';
import type { Props } from './types.ts';
import { isJunkIdentity, MAX_IDENTITY, MAX_PROPS, MAX_TITLE } from './validate.ts';

/** One markup problem on one element: a stable code (docs/markup.md, docs/debugging.md) and what to fix. */
export interface AuditProblem {
  code: string;
  message: string;
}

/** What a `data-heap-pageview` element declares. */
export interface AuditPageview {
  /** The view key (`data-heap-pageview`). */
  key: string;
  /** `data-heap-title`, or null for the document's title (none, or an empty one). */
  title: string | null;
  /** The pageview properties of the element and its ancestors, the nearest winning. */
  properties: Props;
}

/** One annotated element and what it would send. */
export interface AuditEntry {
  element: Element;
  /** The element as it reads in the source: `<button id="buy" data-heap-event="Buy">`. */
  description: string;
  /** `event` sends a track event; `scope` only lends properties (so does an empty name); `pageview` declares pageview markup only. */
  kind: 'event' | 'scope' | 'pageview';
  /** The event name as it would be sent (truncated to the limit), or null. */
  event: string | null;
  /** The triggers that can send it (the default when none is declared); empty for scopes. */
  triggers: Trigger[];
  /** For events: the properties sent (scopes and own); for scopes: the properties lent. */
  properties: Props;
  /** Pageview markup on this element, if any. */
  pageview: AuditPageview | null;
  /** Properties declared by `data-heap-pageview-props` on this element (pageview or not). */
  pageviewProperties: Props | null;
  problems: AuditProblem[];
}

const TRIGGERS: ReadonlySet<string> = new Set<Trigger>(['click', 'submit', 'change', 'view', 'load']);
const FIELD_SELECTOR = 'input, select, textarea';
/** A value a template engine fills in at render time (`{{ props | json }}`, `<%= %>`, `<?php ?>`): not checked as JSON. */
const TEMPLATED = /\{\{|\{%|<%|<\?|\$\{/;
// Numeric node types, not `Node.*`: the audit also runs under Node with linkedom.
const DOCUMENT_NODE = 9;

/**
 * Lists every element carrying `data-heap-*` markup under `root` (a document, an element or a shadow root,
 * crossing open shadow roots) with the event, triggers and properties it would send and every problem found.
 * Writes nothing to the console; use it for the debug overlay and the `plan` command.
 */
export function auditMarkup(root: Document | Element | DocumentFragment): AuditEntry[] {
  const entries: AuditEntry[] = [];
  for (const el of elementsUnder(root)) {
    const annotated = isAnnotated(el);
    const tracker = isTracker(el);
    if (!annotated && !tracker) continue;
    try {
      const entry = annotated ? auditElement(el) : auditTracker(el);
      // Markup on the tracker element itself (rare) keeps its entry; the tracker's problems join it.
      if (annotated && tracker) entry.problems.push(...auditTracker(el).problems);
      entries.push(entry);
    } catch (err) {
      entries.push({ element: el, description: safeDescribe(el), kind: 'scope', event: null, triggers: [], properties: {}, pageview: null, pageviewProperties: null, problems: [{ code: 'markup-audit-failed', message: `the element could not be audited: ${String(err)}` }] });
    }
  }
  return entries;
}

/** Every problem of the entries, each with the element it is on; for lists and exit codes. */
export function auditProblems(entries: readonly AuditEntry[]): (AuditProblem & { description: string; element: Element })[] {
  return entries.flatMap((entry) => entry.problems.map((p) => ({ ...p, description: entry.description, element: entry.element })));
}

/** Autocapture's own attributes (docs/autocapture.md), after `data-heap-`: not event markup, and no typo either. */
const AUTOCAPTURE_NAMES = ['ignore', 'redact-text', 'redact-attributes'];
/** Every name after `data-heap-` the tracker or autocapture reads, but the typed prefixes (`prop-`, `number-`, `boolean-`). */
const NAMES = ['event', 'props', 'trigger', 'once', 'view-dwell', 'view-repeat', 'pageview', 'pageview-props', 'title', ...AUTOCAPTURE_NAMES];
const PREFIX = 'data-heap-';

/**
 * True when the element carries any markup the tracker reads, or a `data-heap-*` attribute it does not know (a typo
 * such as `data-heap-evnet`, which the tracker ignores without a word): the audit says so.
 */
export function isAnnotated(el: Element): boolean {
  return el.getAttributeNames().some((name) => name.startsWith(PREFIX) && !AUTOCAPTURE_NAMES.includes(name.slice(PREFIX.length)));
}

/** The number of one-character edits between `a` and `b`. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/** The attribute an unknown `data-heap-*` name was probably meant to be (`data-heap-evnet`: data-heap-event), or ''. */
function meant(name: string): string {
  const rest = name.slice(PREFIX.length);
  // Redaction written bare, as other tools spell it: the text is what a page means to hide, and is not hidden.
  if (rest === 'redact') return 'data-heap-redact-text';
  // The nearest known name, if two edits or fewer away.
  let near = '';
  let best = 3;
  for (const known of NAMES) {
    const d = distance(rest, known);
    if (d < best) (best = d), (near = known);
  }
  if (near) return `data-heap-${near}`;
  // A typed prefix misspelt (data-heap-props-plan, data-heap-num-price, data-heap-bool_trial): the same property, rightly prefixed.
  const [, prefix = '', key] = /^([a-z]+)[-_:.](.+)$/.exec(rest) ?? [];
  const typed = ['prop', 'number', 'boolean'].find((known) => prefix.startsWith(known) || (prefix.length > 2 && known.startsWith(prefix)) || distance(prefix, known) <= 2);
  return typed ? `data-heap-${typed}-${key}` : '';
}

/**
 * A JSON attribute's problem, with what likely broke it when an editor did: curly quotes and no-break spaces from a
 * word processor or rich-text field, single quotes or bare keys written as in a script. The message names the
 * attribute first (markup-props.ts).
 */
function withJsonHint(el: Element, code: string, message: string): string {
  if (code !== 'markup-json-invalid') return message;
  const value = el.getAttribute(message.slice(0, message.indexOf(' '))) ?? '';
  const hints = [
    /[\u201c\u201d\u201e\u2018\u2019]/.test(value) && 'curly quotes (\u201c \u201d \u2018 \u2019) from a word processor; JSON takes straight ones (")',
    value.includes('\u00a0') && 'no-break spaces (&nbsp;), which JSON does not read as spaces',
    /[{,]\s*'|'\s*:/.test(value) && 'single quotes; JSON takes double ones',
    /[{,]\s*[a-z_$][\w$]*\s*:/i.test(value) && 'keys without quotes; JSON quotes them ({"plan":"pro"})',
  ].filter(Boolean);
  return hints.length ? `${message} Likely cause: ${hints.join('; ')}.` : message;
}

/** The `<heap-analytics>` element's identity attributes, audited only when it has one. */
const TRACKER_ATTRS = ['identity', 'event-properties', 'user-properties'];
const isTracker = (el: Element): boolean => el.localName === 'heap-analytics' && TRACKER_ATTRS.some((a) => el.hasAttribute(a));

/**
 * Audits `<heap-analytics>` as it applies its attributes (markup-identity.ts, load.ts): a scope that lends its
 * `event-properties` to every event, with the problems of those and of `identity` and `user-properties`.
 */
function auditTracker(el: Element): AuditEntry {
  const problems: AuditProblem[] = [];
  const add: ProblemSink = (code, message) => problems.push({ code, message: withJsonHint(el, code, message) });
  const description = safeDescribe(el);
  const identity = el.getAttribute('identity');
  // An empty attribute is no identity; a template's placeholder is filled in at render time.
  if (identity && !TEMPLATED.test(identity)) {
    if (isJunkIdentity(identity)) add('identity-junk', `identity on ${description} is a placeholder (${JSON.stringify(identity.slice(0, 40))}); the tracker refuses it and does not identify the visitor.`);
    else if (identity.length >= MAX_IDENTITY) add('identity-too-long', `identity on ${description} is ${identity.length} characters (the limit is ${MAX_IDENTITY - 1}); the tracker refuses it and does not identify the visitor.`);
  }
  const read = (attr: string) => readJson(el, attr, el.getAttribute(attr) ?? '', add);
  const properties = read('event-properties');
  read('user-properties');
  return { element: el, description, kind: 'scope', event: null, triggers: [], properties, pageview: null, pageviewProperties: null, problems };
}

function auditElement(el: Element): AuditEntry {
  const problems: AuditProblem[] = [];
  const add: ProblemSink = (code, message) => {
    if (code === 'markup-json-invalid' && TEMPLATED.test(el.getAttribute(ATTR.props) ?? '')) return;
    problems.push({ code, message: withJsonHint(el, code, message) });
  };
  const ignore: ProblemSink = () => {};
  const description = safeDescribe(el);

  for (const name of el.getAttributeNames()) {
    // The typed prefixes take any suffix (an empty one is a problem of its own).
    if (!name.startsWith(PREFIX) || NAMES.includes(name.slice(PREFIX.length)) || /^data-heap-(prop|number|boolean)-/.test(name)) continue;
    const guess = meant(name);
    problems.push({ code: 'markup-attribute-unknown', message: `${name} on ${description} is not an attribute the tracker reads, so it has no effect${guess ? `; did you mean ${guess}?` : ' (docs/markup.md lists them).'}` });
  }

  // Own attributes first, collecting their problems; then the merged view without re-reporting ancestors'.
  const own = collectProblems(add, () => (hasOwnProps(el) ? readOwnProps(el) : {}));
  const event = el.hasAttribute(ATTR.event) ? collectProblems(add, () => readEventName(el)) : null;
  // An empty or blank name (a template's unfilled field) sends nothing: the tracker takes the element for a scope, as
  // the audit does (its problem says so).
  const hasEvent = event !== null;
  let triggers: Trigger[] = [];
  let properties = own;
  if (hasEvent) {
    triggers = checkTriggers(el, problems);
    // A template rendering a flag's state (`data-heap-once="{{ once }}"`) leaves it present, and so on, when it says off.
    for (const attr of [ATTR.once, ATTR.viewRepeat]) {
      const value = el.getAttribute(attr);
      if (value !== null && /^\s*(false|no|off|0)\s*$/i.test(value)) problems.push({ code: 'markup-option-value-ignored', message: `${attr}="${value}" on ${description} is on: the attribute counts by its presence, whatever its value; leave it out to turn it off.` });
    }
    properties = collectProblems(ignore, () => readEventProps(el));
    // The tracker keeps the first MAX_PROPS of them, in this order (cleanProps in declarative.ts), with a warning.
    const keys = Object.keys(properties);
    if (keys.length > MAX_PROPS) {
      problems.push({ code: 'properties-too-many', message: `${description} declares ${keys.length} properties with its scopes; at most ${MAX_PROPS} are kept per event, so ${keys.length - MAX_PROPS} will be dropped.` });
      const kept: Props = {};
      for (const key of keys.slice(0, MAX_PROPS)) kept[key] = properties[key]!;
      properties = kept;
    }
  } else {
    if (el.hasAttribute(ATTR.trigger)) problems.push({ code: 'markup-trigger-without-event', message: `${description} has ${ATTR.trigger} but no ${ATTR.event}, so nothing is sent; add ${ATTR.event} or remove the trigger.` });
    for (const attr of [ATTR.once, ATTR.viewDwell, ATTR.viewRepeat]) {
      if (el.hasAttribute(attr)) problems.push({ code: 'markup-option-without-event', message: `${description} has ${attr} but no ${ATTR.event}; it has no effect.` });
    }
    if (hasOwnProps(el) && !hasAnnotatedEventInside(el)) {
      problems.push({ code: 'markup-scope-empty', message: `${description} declares properties but has no ${ATTR.event} and no element with one inside it, so they are never sent; put ${ATTR.event} on it or on an element inside it.` });
    }
  }
  if (hasEvent && el.hasAttribute(ATTR.viewDwell)) checkDwell(el, problems);

  let pageviewProperties: Props | null = null;
  const pvJson = el.getAttribute(ATTR.pageviewProps);
  if (pvJson !== null) pageviewProperties = readJson(el, ATTR.pageviewProps, pvJson, add);
  let pageview: AuditPageview | null = null;
  if (el.hasAttribute(ATTR.pageview)) {
    const title = el.getAttribute(ATTR.title)?.trim() ?? null;
    if (title !== null && title.length >= MAX_TITLE) problems.push({ code: 'markup-title-truncated', message: `${ATTR.title} on ${description} is ${title.length} characters (the limit is ${MAX_TITLE - 1}); it will be truncated.` });
    pageview = { key: el.getAttribute(ATTR.pageview) ?? '', title: title || null, properties: inheritedPageviewProps(el) };
  } else if (el.hasAttribute(ATTR.title)) {
    problems.push({ code: 'markup-option-without-event', message: `${description} has ${ATTR.title} but no ${ATTR.pageview}; it has no effect.` });
  }
  const kind = hasEvent ? 'event' : pageview || pageviewProperties ? 'pageview' : 'scope';
  return { element: el, description, kind, event, triggers, properties, pageview, pageviewProperties, problems };
}

/** The declared triggers (the default when none is valid), with unknown and unreachable ones reported. */
function checkTriggers(el: Element, problems: AuditProblem[]): Trigger[] {
  const description = safeDescribe(el);
  const raw = el.getAttribute(ATTR.trigger);
  const out = new Set<Trigger>();
  if (raw !== null) {
    for (const token of raw.toLowerCase().split(/[\s,]+/)) {
      if (TRIGGERS.has(token)) out.add(token as Trigger);
      else if (token) problems.push({ code: 'markup-trigger-invalid', message: `${ATTR.trigger}="${raw.slice(0, 40)}" on ${description} names an unknown trigger "${token.slice(0, 20)}"; use click, submit, change, view or load.` });
    }
  }
  if (!out.size) out.add(defaultTrigger(el));
  for (const trigger of out) {
    const why = unreachable(el, trigger);
    if (why) problems.push({ code: 'markup-trigger-unreachable', message: `the ${trigger} trigger on ${description} can never fire: ${why}.` });
  }
  return [...out];
}

/** Why `trigger` can never fire on `el`, or '' when it can. */
function unreachable(el: Element, trigger: Trigger): string {
  const tag = el.localName;
  const custom = tag.includes('-');
  // An embed (a video, a map, a form from another service): what the visitor presses is in the frame's own document.
  if (trigger === 'click' && tag === 'iframe') return 'clicks inside an <iframe> stay in its own document and never reach this page; use view for the embed being seen';
  if (trigger === 'submit') {
    if (tag === 'form' || custom || el.querySelector('form')) return '';
    const type = (el.getAttribute('type') ?? '').toLowerCase();
    if ((tag === 'button' && (type === '' || type === 'submit')) || (tag === 'input' && (type === 'submit' || type === 'image'))) {
      return el.closest('form') || el.hasAttribute('form') ? '' : 'this submit button is not inside a form';
    }
    return `submit fires on a <form> (or an element containing one, or a submit button), not on <${tag}>`;
  }
  if (trigger === 'change') {
    if (tag === 'input') return BUTTON_INPUTS.has((el.getAttribute('type') ?? '').toLowerCase()) ? `an <input type="${el.getAttribute('type')}"> is pressed, it never changes; use click` : '';
    if (tag === 'select' || tag === 'textarea' || custom || el.querySelector(FIELD_SELECTOR)) return '';
    return `change fires on a form field (<input>, <select>, <textarea>) or an element containing one, and <${tag}> holds none`;
  }
  return '';
}

/** Reports a dwell time the tracker would not accept: the same parse as its own (markup-view.ts). */
function checkDwell(el: Element, problems: AuditProblem[]): void {
  const raw = el.getAttribute(ATTR.viewDwell) ?? '';
  const ms = parseNumber(raw);
  if (ms === undefined || ms < 0) {
    problems.push({ code: 'markup-view-dwell-invalid', message: `${ATTR.viewDwell}="${raw.slice(0, 20)}" on ${safeDescribe(el)} is not a number of milliseconds; the default (${DEFAULT_DWELL_MS}) applies.` });
  }
}

/** `data-heap-pageview-props` of the element and its ancestors (nearest wins), without reporting. */
function inheritedPageviewProps(el: Element): Props {
  const chain: Props[] = [];
  for (let node: Element | null = el; node; node = parentElementOf(node)) {
    const json = node.getAttribute(ATTR.pageviewProps);
    if (json !== null) chain.push(readJson(node, ATTR.pageviewProps, json, () => {}) ?? {});
  }
  const out: Props = {};
  for (let i = chain.length - 1; i >= 0; i--) Object.assign(out, chain[i]);
  return out;
}

function readJson(el: Element, attr: string, value: string, sink: ProblemSink): Props {
  if (TEMPLATED.test(value)) return {};
  return collectProblems(sink, () => parsePropsJson(el, attr, value)) ?? {};
}

function hasAnnotatedEventInside(el: Element): boolean {
  for (const inner of elementsUnder(el)) if (inner !== el && inner.getAttribute(ATTR.event)?.trim()) return true;
  return false;
}

function parentElementOf(node: Element): Element | null {
  if (node.parentElement) return node.parentElement;
  const parent = node.parentNode as (Node & { host?: Element }) | null;
  return parent && parent.host && isElement(parent.host) ? parent.host : null;
}

/** The elements under `root` in document order, descending into open shadow roots. */
function* elementsUnder(root: Document | Element | DocumentFragment): Generator<Element> {
  const start = (root as Node).nodeType === DOCUMENT_NODE ? (root as Document).documentElement : root;
  if (!start) return;
  if (isElement(start)) yield* withShadow(start);
  for (const el of Array.from(start.querySelectorAll('*'))) yield* withShadow(el);
}

function* withShadow(el: Element): Generator<Element> {
  yield el;
  const shadow = (el as Element & { shadowRoot?: ShadowRoot | null }).shadowRoot;
  if (shadow) for (const inner of Array.from(shadow.querySelectorAll('*'))) yield* withShadow(inner);
}

function safeDescribe(el: Element): string {
  try {
    return describeElement(el);
  } catch {
    return `<${el.localName}>`;
  }
}
