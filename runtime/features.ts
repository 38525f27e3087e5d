import { readInteractionSettings } from './autocapture.ts';
import { observeMarkup } from './declarative.ts';
import { captureInteractions } from './interactions.ts';
import type { HeapRuntime } from './load.ts';
import { trackNavigation } from './pageviews.ts';
import { errorOnce } from './warn.ts';

/** Starts the DOM-facing features (markup tracking, autocapture) for a runtime; returns the function that stops them all. */
export const startFeatures = (runtime: HeapRuntime): (() => void) => {
  const stops: (() => void)[] = [];
  // Autocapture subscribes to the page's clicks first: a press's click event comes before the markup event it sends.
  // Neither starts without a DOM. Each call is written out, so that the codes and texts are literals the build moves
  // to the messages file.
  if (globalThis.document) {
    try {
      // Pageviews on SPA navigation, then interactions without markup: the functions that stop each part go in `stops`
      // as it starts, so that a part started before a failure is stopped with the rest.
      const config = runtime.core.config;
      // Same test as the boot pageview in load.ts, so both follow one setting.
      if (!config.disablePageviewAutocapture) stops.push(trackNavigation(runtime));
      // With every kind switched off this listens to nothing.
      stops.push(captureInteractions(runtime, readInteractionSettings(config)));
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
