/** Settings for `backoffDelay`. */
export interface BackoffOptions {
  /** Delay scale for the first retry, ms. Default 1000. */
  baseMs?: number;
  /** Largest delay, ms. Default 60000. */
  capMs?: number;
  /** Random source in [0, 1). Default Math.random. */
  random?: () => number;
}

/** Delay in ms (not rounded: timers take fractions) before retry number `attempt`, from 1: exponential with full jitter, capped. */
export function backoffDelay(attempt: number, { baseMs = 1000, capMs = 60_000, random = Math.random }: BackoffOptions = {}): number {
  return random() * Math.min(capMs, baseMs * 2 ** (attempt - 1));
}
