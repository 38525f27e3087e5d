import type { Consent } from './persistence.ts';
import type { CheckedPageview, Core } from './runtime.ts';
import type { HeapApi } from './types.ts';
import { cleanEventName, cleanIdentity, isConsent, isKey, cleanPath, cleanProps, cleanTitle, cleanUrl, isEmpty, isPropsObject } from './validate.ts';
import { describe, errorOnce, safeMessage, warnOnce } from './warn.ts';

/**
 * What a call returns when it fails or has no tracker to ask; every other call returns `undefined`. These are the
 * reads, which the core answers under the same names.
 */
export const FALLBACKS: Record<string, unknown> = { getIdentity: null, getSessionId: '', getUserId: '', getConsent: 'pending' };

/** A public call, given the core it runs on and the caller's arguments (the calls take at most two). */
type Call = (core: Core, a?: unknown, b?: unknown) => unknown;

/** How trackPageview() checks each option it reads and finds set; the properties may also be null. */
const PAGEVIEW_OPTIONS = {
  title: cleanTitle,
  url: cleanUrl,
  previous_page: cleanPath,
  properties: (properties: unknown) => cleanProps(properties ?? {}, 'trackPageview'),
};

/**
 * Heap's fifteen calls and consent, over any core: each validates and warns once per cause. onReady callbacks run
 * in order, each in a microtask (the runtime is ready once its synchronous boot ends), isolated from one another.
 */
const CALLS: Record<string, Call> = {
  track(core, event, properties) {
    const name = cleanEventName(event);
    // Properties are copied now and validated once the caller's code has run; they are optional. Names are never empty.
    if (name) core.capture('track', name, properties ?? {}, true);
  },
  identify(core, identity) {
    const clean = cleanIdentity(identity);
    // Never empty: the empty identity is refused.
    if (clean) core.identify(clean);
  },
  resetIdentity: (core) => core.identify(null),
  addUserProperties(core, properties) {
    const clean = cleanProps(properties, 'addUserProperties');
    // None (refused) is empty too.
    if (!isEmpty(clean)) core.capture('user_properties', undefined, clean);
  },
  trackPageview(core, options) {
    // No options (undefined or null) are no overrides.
    if (!isPropsObject((options ??= {}))) {
      warnOnce('trackPageview-options-invalid', `trackPageview() takes an options object, got ${describe(options)}; the page's own context was used.`);
      options = {};
    }
    // Each option is read once, on its own: a getter that throws loses only its option. Own keys: a page's enumerable
    // Object.prototype member would be read as an option, and warned of on every page.
    const read: CheckedPageview = {};
    for (const key of Object.keys(PAGEVIEW_OPTIONS)) {
      try {
        const value = (options as Record<string, unknown>)[key];
        if (value !== undefined) read[key as keyof CheckedPageview] = PAGEVIEW_OPTIONS[key as keyof CheckedPageview](value) as never;
      } catch {
        warnOnce('trackPageview-option-unreadable', `reading trackPageview() option "${key}" threw; it was ignored.`);
      }
    }
    core.pageview(read);
  },
  onReady(_, callback) {
    if (typeof callback === 'function') {
      queueMicrotask(() => {
        try {
          callback();
        } catch (err) {
          errorOnce('on-ready-callback-failed', 'an onReady callback threw; the other callbacks still ran.', err);
        }
      });
    } else warnOnce('onReady-callback-invalid', `onReady() takes a function, got ${describe(callback)}; the call was ignored.`);
  },
  setConsent(core, consent) {
    if (isConsent(consent)) core.setConsent(consent);
    else warnOnce('consent-invalid', `setConsent() and the consent attribute take "granted", "pending" or "denied", got ${describe(consent)}; consent stays as it was.`);
  },
};
// The event and pageview property calls differ only in the bag they change.
for (const [kind, bag] of [['Event', 0], ['Pageview', 1]] as const) {
  // Refused properties (undefined) add nothing, like empty ones.
  // The bag's add, remove and clear, by their place in its tuple (properties.ts).
  CALLS[`add${kind}Properties`] = (core, properties) => core.properties[bag][1](cleanProps(properties, `add${kind}Properties`));
  CALLS[`remove${kind}Property`] = (core, name) => {
    if (isKey(name, `remove${kind}Property`)) core.properties[bag][2](name);
  };
  CALLS[`clear${kind}Properties`] = (core) => core.properties[bag][3]();
}
// Own keys here and below: a page that added an enumerable Object.prototype.remove before the script gave the element
// and window.heap a `remove` call, and the element could no longer be removed.
for (const read of Object.keys(FALLBACKS)) CALLS[read] = (core) => core[read as 'getConsent']();

/**
 * Every call `window.heap` and the element expose: Heap's fifteen (the API_METHODS of types.ts, in another order),
 * then consent. Read from the calls themselves, so that no list of their names ships twice; the runtime's other
 * calls are added below, after this is read.
 */
export const PUBLIC_METHODS = Object.keys(CALLS) as (keyof PublicApi)[];

// The classic snippet's older names (`set`, `unset`) of the event property calls.
CALLS.setEventProperties = CALLS.addEventProperties!;
CALLS.unsetEventProperty = CALLS.removeEventProperty!;

/** The public calls and the classic snippet's older names: what window.heap answers of the runtime's (runtime/global.ts). */
export const SNIPPET_METHODS = Object.keys(CALLS);

// Sends queued events now: the runtime's own call, on neither window.heap nor the element.
CALLS.flush = (core) => core.flush();

/** The fifteen calls, consent, and `flush` (sends queued events now). */
export interface PublicApi extends HeapApi {
  setConsent(consent: Consent): void;
  getConsent(): Consent;
  flush(): void;
}

/**
 * Adds the public calls over a core (see CALLS) to `target` (a runtime): each never throws into host code, and warns
 * once per cause. A call passes on two arguments, as many as any public call takes: a rest/spread wrapper costs an
 * array and a spread call on every call.
 */
export function addCalls(target: Record<string, unknown>, core: Core): void {
  for (const [method, call] of Object.entries(CALLS)) {
    target[method] = (a?: unknown, b?: unknown) => {
      try {
        return call(core, a, b);
      } catch (err) {
        warnOnce(`${method}-failed`, `${method}() failed and was skipped: ${safeMessage(err)}`);
        return FALLBACKS[method];
      }
    };
  }
}
