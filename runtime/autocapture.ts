import type { InteractionSettings } from './interactions.ts';
import type { HeapRuntime } from './load.ts';

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
