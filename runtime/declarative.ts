import type { HeapRuntime } from './load.ts';

/** Turns data-heap-* markup into track and pageview calls; returns the function that stops watching. */
export function observeMarkup(_runtime: HeapRuntime): () => void {
  return () => {};
}
