/**
 * Settings for `backoffDelay`, by position (tests shorten the retries; their names would ship in the bundle):
 * the delay scale for the first retry in ms (default 1000), the largest delay in ms (default 60000), and the random
 * source in [0, 1) (default Math.random).
 */
export type BackoffOptions = [baseMs?: number, capMs?: number, random?: () => number];

/** Delay in ms (not rounded: timers take fractions) before retry number `attempt`, from 1: exponential with full jitter, capped. */
export const backoffDelay = (attempt: number, [baseMs = 1000, capMs = 60_000, random = Math.random]: BackoffOptions = []): number =>
  random() * Math.min(capMs, baseMs * 2 ** (attempt - 1));
