/** A random integer below 2^53 as a decimal string: the form Heap uses for user and session ids. */
export const randomNumericId = (): string =>
  // The top 53 of 64 random bits.
  String(crypto.getRandomValues(new BigUint64Array(1))[0]! >> 11n);

/** Two hex digits for every byte value: formatting an id is then a dozen lookups. */
const HEX = Array.from({ length: 256 }, (_, i) => (i + 256).toString(16).slice(1));

let lastMs = -Infinity;
let seq = 0;
/** The id's first two groups, which only change with the millisecond. */
let head = '';
// One call to the random source fills bytes for 512 ids: the call costs microseconds, the read nothing.
const POOL = 4096;
const pool = new Uint8Array(POOL);
let offset = POOL;

/**
 * A time-ordered UUID (v7) for an event, made once per event so resends can be deduplicated.
 * Ids made in the same millisecond (or after the clock stepped back) keep the order of the calls through a
 * 32-bit counter in the 12 bits after the version and the 20 after the variant; the last 42 bits are random.
 */
export const eventId = (now: number): string => {
  if (offset + 10 > POOL) {
    crypto.getRandomValues(pool);
    offset = 0;
  }
  if (now > lastMs) {
    lastMs = now;
    // A random start below 2^30 leaves room for billions of ids in one millisecond before the counter wraps.
    seq = ((pool[offset++]! & 0x3f) << 24) | (pool[offset++]! << 16) | (pool[offset++]! << 8) | pool[offset++]!;
    const ms = (Math.max(0, Math.floor(now)) + 2 ** 48).toString(16).slice(1);
    head = `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7`;
  } else {
    seq = (seq + 1) >>> 0;
  }
  return `${head}${HEX[seq >>> 24]}${HEX[(seq >>> 20) & 15]![1]}-${HEX[0x80 | ((seq >>> 14) & 0x3f)]}${HEX[(seq >>> 6) & 0xff]}-${
    HEX[((seq & 0x3f) << 2) | (pool[offset++]! & 3)]}${HEX[pool[offset++]!]}${HEX[pool[offset++]!]}${HEX[pool[offset++]!]}${HEX[pool[offset++]!]}${HEX[pool[offset++]!]}`;
};
