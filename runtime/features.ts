import { startAutocapture } from './autocapture.ts';
import { observeMarkup } from './declarative.ts';
import type { HeapRuntime } from './load.ts';
import { errorOnce } from './warn.ts';

/** Starts the DOM-facing features (markup tracking, autocapture) for a runtime; returns the function that stops them all. */
export const startFeatures = (runtime: HeapRuntime): (() => void) => {
  const stops: (() => void)[] = [];
  // Autocapture subscribes to the page's clicks first: a press's click event comes before the markup event it sends.
  // Neither starts without a DOM. Each call is written out, so that the codes and texts are literals the build moves
  // to the messages file.
  if (typeof document === 'object') {
    try {
      startAutocapture(runtime, stops);
    } catch (err) {
      errorOnce('autocapture-failed', 'autocapture tracking failed to start; the rest of the tracker runs on.', err);
    }
    try {
      stops.push(observeMarkup(runtime));
    } catch (err) {
      errorOnce('markup-failed', 'markup tracking failed to start; the rest of the tracker runs on.', err);
    }
  }
  return () => stops.forEach((stop) => stop());
};
