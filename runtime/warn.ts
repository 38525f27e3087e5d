const PREFIX = '[heap-analytics]';
const seen = new Set<string>();

/** Warns on the console once per code, so a loop of bad calls does not flood it. */
export function warnOnce(code: string, message: string): void {
  if (seen.has(code)) return;
  seen.add(code);
  try {
    console.warn(`${PREFIX} ${code}: ${message}`);
  } catch {
    // A console replaced by the host may throw; a warning is never worth an exception.
  }
}

/** Reports an error (a failing callback, a missing setting) on the console, once per code. */
export function errorOnce(code: string, message: string, cause?: unknown): void {
  if (seen.has(code)) return;
  seen.add(code);
  try {
    console.error(`${PREFIX} ${code}: ${message}`, ...(cause === undefined ? [] : [cause]));
  } catch {
    // As above.
  }
}

/** Forgets which warnings were given; for tests that count warnings per case. */
export function resetWarnings(): void {
  seen.clear();
}

/** Describes a value for a warning without calling any of its code. */
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

/** Wraps a public entry point so host code never sees an exception from it. */
export function guard<A extends unknown[], R>(name: string, fn: (...args: A) => R, fallback: R): (...args: A) => R {
  return (...args: A): R => {
    try {
      return fn(...args);
    } catch (err) {
      warnOnce(`${name}-failed`, `${name}() failed and was skipped: ${safeMessage(err)}`);
      return fallback;
    }
  };
}

function safeMessage(err: unknown): string {
  try {
    return err instanceof Error ? err.message : String(err);
  } catch {
    return 'unknown error';
  }
}
