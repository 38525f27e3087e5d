import { captureInteractions, type InteractionSettings } from './interactions.ts';
import type { HeapRuntime } from './load.ts';
import { trackNavigation } from './pageviews.ts';

/** A `disable-*` switch is on when set to anything but false, "false", 0 or nothing (an attribute with no value is on). */
const isOn = (value: unknown) => !!value && value !== 'false';

/** Reads the autocapture switches from a runtime's settings (element attributes or `load()` config). */
export function readInteractionSettings(config: HeapRuntime['core']['config']): InteractionSettings {
  const all = isOn(config.disableAutocapture);
  return {
    click: !all && !isOn(config.disableClickCapture),
    submit: !all && !isOn(config.disableSubmitCapture),
    change: !all && !isOn(config.disableChangeCapture),
    text: !isOn(config.disableTextCapture),
  };
}

/** Captures pageviews on SPA navigation and interactions without markup; returns the function that stops capturing. */
export function startAutocapture(runtime: HeapRuntime): () => void {
  const config = runtime.core.config;
  const stops: (() => void)[] = [];
  // Same test as the boot pageview in load.ts, so both follow one setting.
  if (!config.disablePageviewAutocapture) stops.push(trackNavigation(runtime));
  const settings = readInteractionSettings(config);
  if (settings.click || settings.submit || settings.change) stops.push(captureInteractions(runtime, settings));
  return () => stops.splice(0).forEach((stop) => stop());
}
