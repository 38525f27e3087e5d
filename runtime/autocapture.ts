import { captureInteractions, type InteractionSettings } from './interactions.ts';
import type { HeapRuntime } from './load.ts';
import { trackNavigation } from './pageviews.ts';

/** Reads the autocapture switches from a runtime's settings (element attributes or `load()` config). */
export function readInteractionSettings(config: HeapRuntime['core']['config']): InteractionSettings {
  /** True unless the `disable-*` switch is set to anything but false, "false", 0 or nothing (an attribute with no value is set). */
  const on = (key: string) => {
    const value = (config as Record<string, unknown>)[key];
    return !value || value === 'false';
  };
  const allowed = on('disableAutocapture');
  return {
    click: allowed && on('disableClickCapture'),
    submit: allowed && on('disableSubmitCapture'),
    change: allowed && on('disableChangeCapture'),
    text: on('disableTextCapture'),
  };
}

/**
 * Captures pageviews on SPA navigation and interactions without markup: adds the functions that stop capturing to
 * `stops` as each part starts, so that a part started before a failure is stopped with the rest.
 */
export function startAutocapture(runtime: HeapRuntime, stops: (() => void)[]): void {
  const config = runtime.core.config;
  // Same test as the boot pageview in load.ts, so both follow one setting.
  if (!config.disablePageviewAutocapture) stops.push(trackNavigation(runtime));
  // With every kind switched off this listens to nothing.
  stops.push(captureInteractions(runtime, readInteractionSettings(config)));
}
