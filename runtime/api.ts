import type { Consent } from './persistence.ts';
import type { CheckedPageview, Core } from './runtime.ts';
import { API_METHODS, type HeapApi } from './types.ts';
import { cleanEventName, cleanIdentity, isKey, cleanPath, cleanProps, cleanTitle, cleanUrl, isEmpty, isPropsObject } from './validate.ts';
import { describe, errorOnce, guard, warnOnce } from './warn.ts';

/** Every call `window.heap` and the element expose: Heap's fifteen, then consent. */
export const PUBLIC_METHODS = [...API_METHODS, 'setConsent', 'getConsent'] as const;

/**
 * What a call returns when it fails or has no tracker to ask; every other call returns `undefined`. These are the
 * reads, which the core answers under the same names.
 */
export const FALLBACKS: Record<string, unknown> = { getIdentity: null, getSessionId: '', getUserId: '', getConsent: 'pending' };

type Call = (...args: unknown[]) => unknown;

/** How trackPageview() checks each option it reads and finds set; the properties may also be null. */
const PAGEVIEW_OPTIONS = {
  title: cleanTitle,
  url: cleanUrl,
  previous_page: cleanPath,
  properties: (properties: unknown) => cleanProps(properties ?? {}, 'trackPageview'),
};

/** The fifteen calls, consent, and `flush` (sends queued events now). */
export interface PublicApi extends HeapApi {
  setConsent(consent: Consent): void;
  getConsent(): Consent;
  flush(): void;
}

/**
 * Builds the public calls over a core: each validates, never throws, and warns once per cause.
 * onReady callbacks run in order, each in a microtask (the runtime is ready once its synchronous boot ends),
 * isolated from one another.
 */
export function createApi(core: Core): PublicApi {
  const calls: Record<string, Call> = {
    track(event, properties) {
      const name = cleanEventName(event);
      // Properties are copied now and validated once the caller's code has run; they are optional. Names are never empty.
      if (name) core.capture('track', name, properties ?? {}, true);
    },
    identify(identity) {
      const clean = cleanIdentity(identity);
      // Never empty: the empty identity is refused.
      if (clean) core.identify(clean);
    },
    resetIdentity: () => core.identify(null),
    addUserProperties(properties) {
      const clean = cleanProps(properties, 'addUserProperties');
      // None (refused) is empty too.
      if (!isEmpty(clean)) core.capture('user_properties', undefined, clean);
    },
    trackPageview(options) {
      // No options (undefined or null) are no overrides.
      if (!isPropsObject((options ??= {}))) {
        warnOnce('trackPageview-options-invalid', `trackPageview() takes an options object, got ${describe(options)}; the page's own context was used.`);
        options = {};
      }
      // Each option is read once, on its own: a getter that throws loses only its option.
      const read: CheckedPageview = {};
      for (const key in PAGEVIEW_OPTIONS) {
        try {
          const value = (options as Record<string, unknown>)[key];
          if (value !== undefined) read[key as keyof CheckedPageview] = PAGEVIEW_OPTIONS[key as keyof CheckedPageview](value) as never;
        } catch {
          warnOnce('trackPageview-option-unreadable', `reading trackPageview() option "${key}" threw; it was ignored.`);
        }
      }
      core.pageview(read);
    },
    onReady(callback) {
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
    setConsent(consent) {
      if (consent === 'granted' || consent === 'pending' || consent === 'denied') core.setConsent(consent);
      else warnOnce('consent-invalid', `setConsent() takes "granted", "pending" or "denied", got ${describe(consent)}; the call was ignored.`);
    },
    flush() {
      core.settle();
      core.outbox.flush();
    },
  };
  // The event and pageview property calls differ only in the bag they change.
  for (const [kind, bag] of [['Event', core.eventProperties], ['Pageview', core.pageviewProperties]] as const) {
    // Refused properties (undefined) add nothing, like empty ones. The classic snippet's older names (`set`, `unset`)
    // do the same; window.heap exposes those of event properties (runtime/global.ts).
    calls[`add${kind}Properties`] = calls[`set${kind}Properties`] = (properties) => bag.add(cleanProps(properties, `add${kind}Properties`));
    calls[`remove${kind}Property`] = calls[`unset${kind}Property`] = (name) => {
      if (isKey(name, `remove${kind}Property`)) bag.remove(name);
    };
    calls[`clear${kind}Properties`] = bag.clear;
  }
  for (const read in FALLBACKS) calls[read] = core[read as 'getConsent'];
  for (const method in calls) calls[method] = guard(method, calls[method]!, FALLBACKS[method]);
  return calls as unknown as PublicApi;
}
