import { v7 as uuidv7 } from 'uuid';

/** A random integer below 2^53 as a decimal string: the form Heap uses for user and session ids. */
export function randomNumericId(): string {
  const words = new Uint32Array(2);
  crypto.getRandomValues(words);
  // 21 high bits and 32 low bits make 53 random bits, all exactly representable in a double.
  return String((words[0]! & 0x1fffff) * 0x100000000 + words[1]!);
}

let lastMs = -Infinity;
let seq = 0;
// One call to the random source fills bytes for 256 ids: the call costs microseconds, the slice nothing.
const POOL = 4096;
const pool = new Uint8Array(POOL);
let offset = POOL;

/**
 * A time-ordered UUID (v7) for an event, made once at capture so resends can be deduplicated.
 * Ids made in the same millisecond (or after the clock stepped back) keep capture order through a counter.
 */
export function eventId(now: number): string {
  if (now > lastMs) {
    lastMs = now;
    // A random start leaves room for about a billion ids in one millisecond before the counter carries.
    seq = Math.floor(Math.random() * 0x40000000);
  } else {
    seq = (seq + 1) | 0;
  }
  if (offset + 16 > POOL) {
    crypto.getRandomValues(pool);
    offset = 0;
  }
  const random = pool.subarray(offset, (offset += 16));
  return uuidv7({ msecs: lastMs, seq, random });
}
