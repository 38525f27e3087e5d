// Privacy rules for autocapture: redaction markup, sensitive fields and the card/email scrubber.
// Pure string helpers load without a DOM; the element checks only run on elements.
import { composedParent } from './composed-tree.ts';

/** What redacted text, text-bearing attributes, card numbers and emails are sent as. */
export const REDACTED = '****';

/** Markup that keeps an element and everything inside it out of autocapture. */
const IGNORE = '[heap-ignore],[data-heap-ignore],.heap-ignore';
/** Attribute that sends the text of an element and its descendants as `****`. */
export const REDACT_TEXT = 'data-heap-redact-text';

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

/** Replaces every email address, then every card number, in `text` with `****` (each a single linear scan). */
export const scrub = (text: string): string => text.replace(EMAIL, REDACTED).replace(CARD, REDACTED);

/** Makes a string safe for the wire: emails and card numbers replaced, at most `max` characters, then checked again. */
export function sanitize(value: string, max: number): string {
  // Longer raw values are cut first, dropping a trailing fragment that could be part of an email or card.
  const scrubbed = scrub(value.length > 1024 ? value.slice(0, 1024).replace(/[\w.%+@-]*$/, '') : value);
  // Scrubbed again after a cut: a prefix of a longer digit run can look like a card number.
  return scrubbed.length > max ? scrub(clip(scrubbed, max)) : scrubbed;
}

/** Cuts `text` to at most `max` characters without splitting a surrogate pair. */
export function clip(text: string, max: number): string {
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/**
 * True for a field whose interactions are never captured: `<input type="password">`, and any element
 * whose `autocomplete` has a token starting with `cc-` or equal to `current-password`, `new-password`
 * or `one-time-code`.
 */
export function isSensitiveField(el: Element): boolean {
  return (
    (el.localName === 'input' && /^\s*password\s*$/i.test(el.getAttribute('type')!)) ||
    /(?:^|\s)(?:cc-|(?:current-password|new-password|one-time-code)(?!\S))/i.test(el.getAttribute('autocomplete')!)
  );
}

/** What the redaction markup around an element asks for. */
export interface Redaction {
  /** `data-heap-redact-text` on the element or an ancestor. */
  text?: boolean;
  /** Attributes named by `data-heap-redact-attributes` on the element or its ancestors (lower case; never `id`). */
  attributes: Set<string>;
  /** The outermost element whose `data-heap-redact-attributes` lists `class`: classes are hidden up to it. */
  classesUpTo?: Element;
}

/** Any of the redaction markup: an element with none of it around needs no further look. */
export const PRIVACY_MARKUP = `${IGNORE},[data-heap-redact-attributes],[${REDACT_TEXT}]`;

/** Reads the redaction markup on `el` and its ancestors, across shadow roots; null when `heap-ignore` is there (capture nothing). */
export function readRedaction(el: Element): Redaction | null {
  const redaction: Redaction = { attributes: new Set() };
  for (let node: Element | null = el; node; node = composedParent(node)) {
    if (node.matches(IGNORE)) return null;
    if (node.hasAttribute(REDACT_TEXT)) redaction.text = true;
    for (const part of node.getAttribute('data-heap-redact-attributes')?.split(',') ?? []) {
      const name = part.trim().toLowerCase();
      if (name === 'class') redaction.classesUpTo = node;
      // `id` is how events are defined: it is never redacted.
      if (name && name !== 'id') redaction.attributes.add(name);
    }
  }
  return redaction;
}
