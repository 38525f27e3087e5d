import type { HeapRuntime } from './load.ts';

/** Captures pageviews and interactions without markup; returns the function that stops capturing. */
export function startAutocapture(_runtime: HeapRuntime): () => void {
  return () => {};
}
