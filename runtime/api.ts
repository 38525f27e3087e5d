import type { Core } from './runtime.ts';
import type { HeapApi, PageviewOptions } from './types.ts';
import { cleanEventName, cleanIdentity, cleanKey, cleanProps, isPropsObject } from './validate.ts';
import { describe, errorOnce, guard, warnOnce } from './warn.ts';

/** Calls Heap's newer snippet stubs that this project does not implement; each warns and does nothing. */
export const UNSUPPORTED_METHODS = [
  'init',
  'startTracking',
  'stopTracking',
  'addAccountProperties',
  'addAdapter',
  'addTransformer',
  'addTransformerFn',
] as const;

/** Tracks when the runtime is ready and runs onReady callbacks in order, isolating failures. */
export function createReadiness() {
  let ready = false;
  const waiting: (() => void)[] = [];
  const run = (cb: () => void) => {
    try {
      cb();
    } catch (err) {
      errorOnce('on-ready-callback-failed', 'an onReady callback threw; the other callbacks still ran.', err);
    }
  };
  return {
    /** Queues `cb` until ready; once ready, runs it asynchronously. */
    add(cb: () => void) {
      if (ready) queueMicrotask(() => run(cb));
      else waiting.push(cb);
    },
    /** Marks the runtime ready and runs the queued callbacks, oldest first. */
    open() {
      if (ready) return;
      ready = true;
      queueMicrotask(() => waiting.splice(0).forEach(run));
    },
  };
}

/** Builds the fifteen public calls over a core: each validates, never throws, and warns once per cause. */
export function createApi(core: Core, readiness: ReturnType<typeof createReadiness>): HeapApi {
  const api: HeapApi = {
    track: guard('track', (event: unknown, properties?: unknown) => {
      const name = cleanEventName(event);
      if (name === null) return;
      core.capture('track', name, cleanProps(properties, 'track'));
    }, undefined),
    identify: guard('identify', (identity: unknown) => {
      const clean = cleanIdentity(identity);
      if (clean !== null) core.identify(clean);
    }, undefined),
    getIdentity: guard('getIdentity', () => core.identity(), null),
    resetIdentity: guard('resetIdentity', () => core.resetIdentity(), undefined),
    addEventProperties: guard('addEventProperties', (properties: unknown) => {
      if (!requireObject(properties, 'addEventProperties')) return;
      core.eventProperties.add(cleanProps(properties, 'addEventProperties'));
    }, undefined),
    removeEventProperty: guard('removeEventProperty', (name: unknown) => {
      const key = cleanKey(name, 'removeEventProperty');
      if (key !== null) core.eventProperties.remove(key);
    }, undefined),
    clearEventProperties: guard('clearEventProperties', () => core.eventProperties.clear(), undefined),
    addUserProperties: guard('addUserProperties', (properties: unknown) => {
      if (!requireObject(properties, 'addUserProperties')) return;
      const clean = cleanProps(properties, 'addUserProperties');
      if (Object.keys(clean).length) core.addUserProperties(clean);
    }, undefined),
    trackPageview: guard('trackPageview', (options?: unknown) => {
      if (options !== undefined && options !== null && !isPropsObject(options)) {
        warnOnce('trackPageview-options-invalid', `trackPageview() takes an options object, got ${describe(options)}; the page's own context was used.`);
        options = undefined;
      }
      const given = (options ?? {}) as PageviewOptions;
      const read = (key: keyof PageviewOptions) => {
        try {
          return given[key];
        } catch {
          warnOnce('trackPageview-option-unreadable', `reading trackPageview() option "${key}" threw; it was ignored.`);
          return undefined;
        }
      };
      core.pageview({
        title: read('title') as string | undefined,
        url: read('url') as string | undefined,
        previous_page: read('previous_page') as string | undefined,
        properties: cleanProps(read('properties'), 'trackPageview'),
      });
    }, undefined),
    addPageviewProperties: guard('addPageviewProperties', (properties: unknown) => {
      if (!requireObject(properties, 'addPageviewProperties')) return;
      core.pageviewProperties.add(cleanProps(properties, 'addPageviewProperties'));
    }, undefined),
    removePageviewProperty: guard('removePageviewProperty', (name: unknown) => {
      const key = cleanKey(name, 'removePageviewProperty');
      if (key !== null) core.pageviewProperties.remove(key);
    }, undefined),
    clearPageviewProperties: guard('clearPageviewProperties', () => core.pageviewProperties.clear(), undefined),
    onReady: guard('onReady', (callback: unknown) => {
      if (typeof callback !== 'function') {
        warnOnce('onReady-callback-invalid', `onReady() takes a function, got ${describe(callback)}; the call was ignored.`);
        return;
      }
      readiness.add(callback as () => void);
    }, undefined),
    getSessionId: guard('getSessionId', () => core.sessionId(), ''),
    getUserId: guard('getUserId', () => core.userId(), ''),
  };
  return api;
}

function requireObject(value: unknown, call: string): boolean {
  if (isPropsObject(value)) return true;
  warnOnce(`${call}-properties-invalid`, `${call}() takes a plain object of properties, got ${describe(value)}; the call was ignored.`);
  return false;
}
