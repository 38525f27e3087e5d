import type { HeapEvent } from './types.ts';

const PREFIX = '[heap-analytics]';
const seen = new Set<Code>();

/**
 * A console message: its text, or in the drop-in bundles `[number, ...values]`, the number of its text in
 * heap-analytics-messages.js (the build moves the texts there: scripts/warning-catalog.mjs) and the values
 * that go between the text's pieces; a text without values is its number alone. A value the sources pass through describe() comes as it is, and the text
 * describes it when it prints: a primitive cannot change meanwhile, and of an object describe() tells only its
 * kind (array, function, other object), which does not change either (a Proxy revoked meanwhile reads as unreadable); so the sentence is the one of the call.
 */
export type Message = string | number | readonly unknown[];

/**
 * A warning's code, as docs/warnings.md lists them (the markup's in docs/markup.md). The sources write it; in the
 * drop-in bundles a code written as a literal becomes its number in heap-analytics-messages.js, which holds the codes
 * beside the texts, and one built from a value (`element-dormant-${method}`) keeps the value, its piece of text
 * written `#n#` (the number of the piece among the codes), which the line puts back.
 */
export type Code = string | number;

/**
 * Warns on the console once per code, so a loop of bad calls does not flood it. The second form is the drop-in
 * bundles' short one: a message whose text has its code's number (most have) stands for both.
 */
export const warnOnce: { (code: Code, message: Message): void; (message: Message): void } = (code: Code | Message, message?: Message) =>
  print('warn', code, message);

/**
 * Reports an error (a failing callback, a missing setting) on the console, once per code. In the drop-in bundles'
 * short form a cause may follow the message, which is then an array (`[n, ...values]`): a number followed by another
 * argument is a code.
 */
export const errorOnce: { (code: Code, message: Message, cause?: unknown): void; (message: Message, cause?: unknown): void } = (
  code: Code | Message,
  message?: unknown,
  cause?: unknown,
) => print('error', code, message, cause);

/**
 * Prints in call order: a numbered message waits for the texts, and so does every message after it; so does the
 * `debug` setting's log of each event, whose code lives with the texts.
 */
let printed: Promise<unknown> | undefined;
let catalog: Promise<Lazy | undefined> | undefined;

/**
 * Whether a message may be a text, as in the sources. The drop-in bundles' build (scripts/warning-catalog.mjs) writes
 * `false` here: none of their messages is one, and the code for texts leaves them.
 */
const TEXTS = true as boolean;

/** heap-analytics-messages.js: the texts, the codes and the event log (runtime/warn-messages.ts in the sources). */
type Lazy = typeof import('./warn-messages.ts');

const print = (level: 'warn' | 'error', code: Code | Message, message?: unknown, cause?: unknown): void => {
  // The short form: the code is the number heading the message, and a second argument is errorOnce's cause.
  if (typeof code === 'object') (cause = message), (message = code), (code = code[0] as number);
  // A number alone stands for its code and its text.
  message ??= code;
  if (seen.has(code)) return;
  seen.add(code);
  // A numbered message's line, which heap-analytics-messages.js writes (sentence()); its values alone (after its number) when the
  // texts could not be loaded, an object or function (an element too) by its type only, as they may be the host's
  // values that describe() would have described: turning them into strings could run the host's code; any other
  // value cut to 40 characters, as describe() and summarize() would have (a 300-character event name is no help on
  // the console).
  const text = TEXTS && typeof message === 'string';
  const line = (table?: Lazy) =>
    text
      ? `${code}: ${message}`
      : (table?.sentence(table, code, message) ??
        `warning ${code}: ${[message].flat().slice(1).map((value) => (Object(value) === value ? typeof value : String(value).slice(0, 40))).join(' | ')} (heap-analytics-messages.js did not load)`);
  // A message is a string in the sources, whose codes are strings too (so the line needs no texts); in the drop-in
  // bundles, never.
  if (text && !printed) write(level, line, cause);
  else later((table) => write(level, line, cause, table));
};

/**
 * Logs a captured event as a collapsed console group (the `debug` setting), after every message before it; without
 * heap-analytics-messages.js, a line with its type and the event itself.
 */
export const logEvent = (event: HeapEvent): void =>
  later((lazy) => (lazy ? lazy.logEvent(event) : write('log', () => event.type, event)));

/** Runs `then` once heap-analytics-messages.js has loaded (or failed to) and everything printed before it is out. */
const later = (then: (lazy: Lazy | undefined) => void): void => {
  catalog ??= import('./warn-messages.ts').catch(() => undefined);
  printed = (printed ?? catalog).then(() => catalog).then(then);
};

const write = (level: 'warn' | 'error' | 'log', line: (table?: Lazy) => string, cause: unknown, table?: Lazy): void => {
  try {
    console[level](`${PREFIX} ${line(table)}`, ...(cause === undefined ? [] : [cause]));
  } catch {
    // A console replaced by the host may throw; a warning is never worth an exception.
  }
};

/**
 * A numbered message's line, for heap-analytics-messages.js (runtime/warn-messages.ts re-exports it), so that the
 * bundles carry no code for it: the code by its number, or the `#n#` token of a code built from a value put back as
 * its piece; then the text with its values in place. Nothing when the table lacks the text (a messages file of
 * another build), so the line falls back to the values.
 */
export const sentence = (table: Lazy, code: Code, message: unknown): string | undefined => {
  // The text's number and values. A number alone is a text without values: one level of flat() makes it `[n]`, and
  // leaves `[n, ...values]` as it is.
  const [n, ...values] = [message].flat() as [number, ...unknown[]];
  return (
    table.default[n] &&
    `${typeof code === 'string' ? code.replace(/#(\d+)#/, (token, i) => table.codes[i] ?? token) : table.codes[code]}: ${table.default[n](...values)}`
  );
};

/** Forgets which warnings were given; for tests that count warnings per case. */
export function resetWarnings(): void {
  seen.clear();
}

/**
 * Describes a value for a warning without calling any of its code. In the drop-in bundles, the messages of
 * heap-analytics-messages.js call it when they print (runtime/warn-messages.ts).
 */
export function describe(value: unknown): string {
  try {
    if (typeof value === 'string') return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
    if (typeof value === 'symbol') return 'a Symbol';
    if (typeof value === 'bigint') return 'a BigInt';
    if (typeof value === 'function') return 'a function';
    if (value === null) return 'null';
    if (Array.isArray(value)) return 'an array';
    if (typeof value === 'object') return 'an object';
    return String(value);
  } catch {
    return 'an unreadable value';
  }
}

/**
 * An exception's message for a warning, without letting a second exception out. In the drop-in bundles it runs when
 * the warning prints: an Error's message is a plain property that nothing rewrites meanwhile; anything else is
 * turned into a string then rather than at the call, which runs the same code of the page, only a little later.
 */
export function safeMessage(err: unknown): string {
  try {
    return err instanceof Error ? err.message : String(err);
  } catch {
    return 'unknown error';
  }
}
