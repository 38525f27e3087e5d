// Privacy rules for autocapture: redaction markup, sensitive fields and the card/email scrubber.
// Pure string helpers load without a DOM; the element checks only run on elements.
import { closestComposed, composedParent } from './composed-tree.ts';

/** What redacted text, text-bearing attributes, card numbers and emails are sent as. */
export const REDACTED = '****';

/** Markup that keeps an element and everything inside it out of autocapture. */
export const IGNORE_SELECTOR = '[heap-ignore],[data-heap-ignore],.heap-ignore';
/** Attribute that sends the text of an element and its descendants as `****`. */
export const REDACT_TEXT = 'data-heap-redact-text';
/** Attribute listing (comma-separated) attributes never sent for an element and its descendants. */
export const REDACT_ATTRIBUTES = 'data-heap-redact-attributes';

const ANY_PRIVACY_MARKUP = `${IGNORE_SELECTOR},[${REDACT_TEXT}],[${REDACT_ATTRIBUTES}]`;

/**
 * An email address: one or more of `A-Z a-z 0-9 _ . % + -`, then `@` (or its URL encoding `%40`),
 * then one or more dot-terminated labels of `A-Z a-z 0-9 -`, then a top-level domain of two or more letters.
 * The lookbehind makes a match start where such a run of characters starts, which keeps the cost linear.
 */
const EMAIL = /(?<![\w.%+-])[\w.%+-]+(?:@|%40)(?:[a-z0-9-]+\.)+[a-z]{2,}/gi;

/**
 * A card number: 13 to 19 digits, each optionally separated from the next by one whitespace character
 * or one hyphen, not preceded or followed by another digit. No Luhn check: anything that looks like one goes.
 */
const CARD = /(?<!\d)\d(?:[\s-]?\d){12,18}(?!\d)/g;

/** Replaces every email address, then every card number, in `text` with `****`. */
export function scrub(text: string): string {
  let out = text;
  if (out.includes('@') || out.includes('%40')) out = out.replace(EMAIL, REDACTED);
  // Cheap pre-check: a card needs at least 13 digits.
  let digits = 0;
  for (let i = 0; i < out.length && digits < 13; i++) {
    const c = out.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
  }
  if (digits >= 13) out = out.replace(CARD, REDACTED);
  return out;
}

/** Longest raw string scrubbed; longer values are cut first, dropping a trailing fragment that could be part of an email or card. */
const RAW_MAX = 1024;

/** Makes a string safe for the wire: emails and card numbers replaced, at most `max` characters, then checked again. */
export function sanitize(value: string, max: number): string {
  let raw = value;
  if (raw.length > RAW_MAX) raw = raw.slice(0, RAW_MAX).replace(/[\w.%+@-]*$/, '');
  const scrubbed = scrub(raw);
  // Scrubbed again after a cut: a prefix of a longer digit run can look like a card number.
  return scrubbed.length <= max ? scrubbed : scrub(clip(scrubbed, max));
}

/** Cuts `text` to at most `max` characters without splitting a surrogate pair. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/**
 * True for a field whose interactions are never captured: `<input type="password">`, and any element
 * whose `autocomplete` has a token starting with `cc-` or equal to `current-password`, `new-password`
 * or `one-time-code`.
 */
export function isSensitiveField(el: Element): boolean {
  if (el.localName === 'input' && (el.getAttribute('type') ?? '').trim().toLowerCase() === 'password') return true;
  const autocomplete = el.getAttribute('autocomplete');
  if (!autocomplete) return false;
  for (const token of autocomplete.toLowerCase().split(/\s+/)) {
    if (token.startsWith('cc-') || token === 'current-password' || token === 'new-password' || token === 'one-time-code') return true;
  }
  return false;
}

/** What the redaction markup around an element asks for. */
export interface Redaction {
  /** `heap-ignore` on the element or an ancestor: capture nothing. */
  ignored: boolean;
  /** `data-heap-redact-text` on the element or an ancestor. */
  text: boolean;
  /** Attributes named by `data-heap-redact-attributes` on the element or its ancestors (lower case). */
  attributes: ReadonlySet<string>;
  /** The elements carrying `data-heap-redact-attributes`, nearest first, with their lists. */
  scopes: readonly (readonly [Element, ReadonlySet<string>])[];
}

const NONE: Redaction = { ignored: false, text: false, attributes: new Set(), scopes: [] };

/** Reads the redaction markup on `el` and its ancestors, across shadow roots; one native walk when there is none. */
export function readRedaction(el: Element): Redaction {
  if (!closestComposed(el, ANY_PRIVACY_MARKUP)) return NONE;
  if (closestComposed(el, IGNORE_SELECTOR)) return { ...NONE, ignored: true };
  const scopes: [Element, Set<string>][] = [];
  const attributes = new Set<string>();
  for (let scope = closestComposed(el, `[${REDACT_ATTRIBUTES}]`); scope && scopes.length < 32; ) {
    const names = parseList(scope.getAttribute(REDACT_ATTRIBUTES) ?? '');
    for (const name of names) attributes.add(name);
    scopes.push([scope, names]);
    const parent = composedParent(scope);
    scope = parent ? closestComposed(parent, `[${REDACT_ATTRIBUTES}]`) : null;
  }
  return { ignored: false, text: closestComposed(el, `[${REDACT_TEXT}]`) !== null, attributes, scopes };
}

/** Splits `"a, B ,c"` into lower-case names; `id` is never redacted, so it is left out. */
function parseList(value: string): Set<string> {
  const names = new Set<string>();
  for (const part of value.split(',')) {
    const name = part.trim().toLowerCase();
    if (name && name !== 'id') names.add(name);
  }
  return names;
}
