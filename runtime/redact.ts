// Privacy rules for autocapture: redaction markup and the card/email scrubber (sensitive fields: interactions.ts).
// Pure string helpers load without a DOM; the element checks only run on elements.
import { cut } from './validate.ts';

/** What redacted text, text-bearing attributes, card numbers and emails are sent as. */
export const REDACTED = '****';

/** Markup that keeps an element and everything inside it out of autocapture. */
export const IGNORE = '[heap-ignore],[data-heap-ignore],.heap-ignore';
/** Attribute that sends the text of an element and its descendants as `****`. */
export const REDACT_TEXT = 'data-heap-redact-text';

/**
 * An email address: one or more of `A-Z a-z 0-9 _ . % + -`, then `@` (or its URL encoding `%40`),
 * then one or more dot-terminated labels of `A-Z a-z 0-9 -`, then a top-level domain of two or more letters.
 * The lookbehind makes a match start where such a run of characters starts, which keeps the cost linear.
 */
const EMAIL = /(?<![\w.%+-])[\w.%+-]+(?:@|%40)(?:[a-z0-9-]+\.)+[a-z]{2,}/gi;

/**
 * A card number: 13 to 19 digits, each optionally separated from the next by one whitespace character, one hyphen,
 * or a space as a URL writes it (`+`, `%20`: a GET form's query), not preceded or followed by another digit. No Luhn
 * check: anything that looks like one goes.
 */
const CARD = /(?<!\d)\d(?:(?:[\s+-]|%20)?\d){12,18}(?!\d)/g;

/**
 * What either needs somewhere in the text: an `@` (or `%40`), or 13 digits with at most one separator (as above)
 * between each two. Most ids, classes and link texts have neither: one test, instead of two replacing scans.
 */
const MAYBE = /@|%40|\d(?:(?:[\s+-]|%20)?\d){12}/;

/** Replaces every email address, then every card number, in `text` with `****` (each a single linear scan). */
export const scrub = (text: string): string => (MAYBE.test(text) ? text.replace(EMAIL, REDACTED).replace(CARD, REDACTED) : text);

/** Makes a string safe for the wire: emails and card numbers replaced, at most `max` characters, then checked again. */
export function sanitize(value: string, max: number): string {
  // Longer raw values are cut first, dropping a trailing fragment that could be part of an email or card.
  const scrubbed = scrub(value.length > 1024 ? value.slice(0, 1024).replace(/[\w.%+@-]*$/, '') : value);
  // Scrubbed again after a cut: a prefix of a longer digit run can look like a card number.
  return scrubbed.length > max ? scrub(cut(scrubbed, max)) : scrubbed;
}
