import { startAutocapture } from './autocapture.ts';
import { observeMarkup } from './declarative.ts';
import type { HeapRuntime } from './load.ts';
import { errorOnce } from './warn.ts';

/** Starts the DOM-facing features (markup tracking, autocapture) for a runtime; returns the function that stops them all. */
export function startFeatures(runtime: HeapRuntime): () => void {
  const stops: (() => void)[] = [];
  // Autocapture subscribes to the page's clicks first: a press's click event comes before the markup event it sends.
  // Neither starts without a DOM.
  if (typeof document === 'object') {
    for (const [name, start] of [['autocapture', startAutocapture], ['markup', observeMarkup]] as const) {
      try {
        stops.push(start(runtime));
      } catch (err) {
        errorOnce(`${name}-failed`, `${name} tracking failed to start; the rest of the tracker runs on.`, err);
      }
    }
  }
  return () => stops.forEach((stop) => stop());
}
