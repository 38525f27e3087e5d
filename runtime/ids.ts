import { v7 as uuidv7 } from 'uuid';

/** A random integer below 2^53 as a decimal string: the form Heap uses for user and session ids. */
export function randomNumericId(): string {
  const words = new Uint32Array(2);
  crypto.getRandomValues(words);
  // 21 high bits and 32 low bits make 53 random bits, all exactly representable in a double.
  return String((words[0]! & 0x1fffff) * 0x100000000 + words[1]!);
}

/** A time-ordered UUID (v7) for an event, made once at capture so resends can be deduplicated. */
export function eventId(now: number): string {
  return uuidv7({ msecs: now });
}
