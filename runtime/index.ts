/** The runtime alone, with no Lit: `load(envId, config)` returns the API. */
export { load, getRuntime, type HeapRuntime } from './load.ts';
export { installGlobal, uninstallGlobal, type HeapGlobal } from './global.ts';
export { API_METHODS } from './types.ts';
export type { HeapApi, HeapConfig, HeapEvent, Batch, PageviewOptions, Props, PropValue } from './types.ts';
