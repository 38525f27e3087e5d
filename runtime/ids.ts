// One call to the random source fills 512 draws of 64 random bits, for event ids (one draw a millisecond) and numeric
// ids alike: the call costs microseconds, the read nothing.
const POOL = 512;
const pool = new BigUint64Array(POOL);
let offset = 0;
/** 64 random bits, refilled when used up (and at the first draw). */
const draw = () => {
  if (!(offset %= POOL)) crypto.getRandomValues(pool);
  return pool[offset++]!;
};

/** A random integer below 2^53 as a decimal string: the form Heap uses for user and session ids. */
export const randomNumericId = (): string =>
  // The top 53 of 64 random bits.
  String(draw() >> 11n);

let lastMs = -Infinity;
/** The counter of the next id: ids in one millisecond differ in it alone. */
let seq = 0;
/** The id but its counter, which only changes with the millisecond. */
let head = '';

/**
 * A time-ordered UUID (v7) for an event, made once per event so resends can be deduplicated. Each millisecond draws
 * 64 random bits: 40 fill the groups after the version and the variant and the last group's start, 24 start the
 * counter of eight hex digits that ends the id, so ids made in the same millisecond (or after the clock stepped
 * back) keep the order of the calls, and an id costs one small number formatted.
 */
export const eventId = (now: number): string => {
  if (now > lastMs) {
    lastMs = now;
    // 1 first (the time plus 2^48), then 12 hex digits of time and 16 random ones: one BigInt formatted is quicker
    // than the time as a float.
    const hex = (((BigInt(Math.max(0, Math.floor(now))) + 2n ** 48n) << 64n) | draw()).toString(16);
    head = `${hex.slice(1, 9)}-${hex.slice(9, 13)}-7${hex.slice(13, 16)}-8${hex.slice(16, 19)}-${hex.slice(19, 23)}`;
    // Random from 2^28 (eight hex digits) to below 2^28 + 2^24: billions of ids in one millisecond fit before 2^32.
    seq = +`0x${hex.slice(23)}` + 2 ** 28;
  }
  return head + (seq++).toString(16);
};
