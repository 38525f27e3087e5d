import { parsePropsJson } from './markup-props.ts';
import type { HeapApi } from './types.ts';
import { isEmpty } from './validate.ts';
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

/** A string attribute value as it is; anything else (null when absent) is undefined. */
const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

/**
 * Applies the element's `identity`, `event-properties` and `user-properties` attributes to the runtime,
 * in that order, each only when it changed. Removing `identity` or `user-properties` changes nothing;
 * removing `event-properties` removes the event properties it had set. Never throws.
 */
export function applyIdentityAttributes(heap: HeapApi, applied: AppliedIdentity, values: IdentityAttributes, el: Element): void {
  try {
    // A script may set the property to a number, as identify() allows.
    const identity = String(values.identity ?? '');
    if (identity.trim() && identity !== applied.identity) {
      applied.identity = identity;
      heap.identify(identity);
    }

    const events = text(values.eventProperties);
    if (events !== applied.eventProperties) {
      applied.eventProperties = events;
      // A removed attribute declares nothing: the keys it set go. An invalid one leaves them.
      const next = events === undefined ? {} : parsePropsJson(el, 'event-properties', events);
      if (next) {
        for (const key of applied.eventKeys) if (!(key in next)) heap.removeEventProperty(key);
        applied.eventKeys = Object.keys(next);
        if (applied.eventKeys.length) heap.addEventProperties(next);
      }
    }

    // Forgetting a removed value lets the same value, set again later, be sent again.
    const users = text(values.userProperties);
    if (users !== applied.userProperties) {
      applied.userProperties = users;
      const props = users === undefined ? undefined : parsePropsJson(el, 'user-properties', users);
      if (props && !isEmpty(props)) heap.addUserProperties(props);
    }
  } catch (err) {
    errorOnce('element-identity-failed', 'applying the identity attributes of <heap-analytics> failed; the page is unaffected.', err);
  }
}
