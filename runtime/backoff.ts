/** Settings for `backoffDelay`. */
export interface BackoffOptions {
  /** Delay scale for the first retry, ms. Default 1000. */
  baseMs?: number;
  /** Largest delay, ms. Default 60000. */
  capMs?: number;
  /** Random source in [0, 1). Default Math.random. */
  random?: () => number;
}

/** Delay before retry number `attempt` (1-based): exponential with full jitter, capped. */
export function backoffDelay(attempt: number, { baseMs = 1000, capMs = 60_000, random = Math.random }: BackoffOptions = {}): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(random() * ceiling);
}
