import { parsePropsJson } from './markup-props.ts';
import type { HeapApi } from './types.ts';
import { errorOnce } from './warn.ts';

/** The identity attributes of `<heap-analytics>`, as the element holds them (null when absent). */
export interface IdentityAttributes {
  identity?: string | null;
  userProperties?: string | null;
  eventProperties?: string | null;
}

/** What an element last applied, so that only changes are applied again. */
export interface AppliedIdentity {
  identity?: string;
  userProperties?: string;
  eventProperties?: string;
  /** The event property keys the `event-properties` attribute set. */
  eventKeys: string[];
}

/** Creates the empty record of what an element has applied. */
export function createAppliedIdentity(): AppliedIdentity {
  return { eventKeys: [] };
}

/**
 * Applies the element's `identity`, `event-properties` and `user-properties` attributes to the runtime,
 * in that order, each only when it changed. Removing `identity` or `user-properties` changes nothing;
 * removing `event-properties` removes the event properties it had set. Never throws.
 */
export function applyIdentityAttributes(heap: HeapApi, applied: AppliedIdentity, values: IdentityAttributes, el: Element): void {
  try {
    const { userProperties, eventProperties } = values;
    // A script may set the property to a number, as identify() allows.
    const identity = values.identity === null || values.identity === undefined ? undefined : String(values.identity);
    if (identity !== undefined && identity.trim() !== '' && identity !== applied.identity) {
      applied.identity = identity;
      heap.identify(identity);
    }

    if (typeof eventProperties === 'string') {
      if (eventProperties !== applied.eventProperties) {
        applied.eventProperties = eventProperties;
        const next = parsePropsJson(el, 'event-properties', eventProperties);
        if (next) {
          for (const key of applied.eventKeys) if (!(key in next)) heap.removeEventProperty(key);
          applied.eventKeys = Object.keys(next);
          if (applied.eventKeys.length) heap.addEventProperties(next);
        }
      }
    } else if (applied.eventProperties !== undefined) {
      for (const key of applied.eventKeys) heap.removeEventProperty(key);
      applied.eventProperties = undefined;
      applied.eventKeys = [];
    }

    if (typeof userProperties === 'string') {
      if (userProperties !== applied.userProperties) {
        applied.userProperties = userProperties;
        const props = parsePropsJson(el, 'user-properties', userProperties);
        if (props && Object.keys(props).length) heap.addUserProperties(props);
      }
    } else {
      // Forgetting lets the same value, set again later, be sent again.
      applied.userProperties = undefined;
    }
  } catch (err) {
    errorOnce('element-identity-failed', 'applying the identity attributes of <heap-analytics> failed; the page is unaffected.', err);
  }
}
