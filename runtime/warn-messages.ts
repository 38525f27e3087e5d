/**
 * The console messages of the drop-in bundles, by number, each a function of the message's values that gives its
 * sentence. The sources write every message in full, so this table is empty here; the bundles' build
 * (scripts/warning-catalog.mjs) fills dist/heap-analytics-messages.js and imports that file instead of this module.
 */
const messages: readonly ((...values: unknown[]) => string)[] = [];
export default messages;
/** The warning codes of the drop-in bundles, by number; empty here for the same reason. */
export const codes: readonly string[] = [];
/**
 * The `debug` setting's event log, loaded with the texts (runtime/warn.ts) so that a page without the setting
 * does not carry its code. The bundles' build copies the function into dist/heap-analytics-messages.js.
 */
export { logEvent } from './debug-log.ts';
/**
 * The bundles' messages describe their values (a bad argument, an exception, an element, an attribute's value) when
 * they print, rather than the bundle at the call (scripts/warning-catalog.mjs): the build copies these functions,
 * and what they use (dom.ts's reads), into dist/heap-analytics-messages.js, and the bundle, left without a call of
 * them, leaves them out.
 */
export { describe, safeMessage } from './warn.ts';
/** A numbered message's line (runtime/warn.ts), written here so that the bundles carry no code for it. */
export { sentence } from './warn.ts';
export { describeElement, summarize } from './markup-props.ts';
export { callName } from './validate.ts';
