import { parsePropsJson } from './markup-props.ts';
import type { HeapApi, Props } from './types.ts';
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
  userProperties?: string | null;
  eventProperties?: string | null;
  /** The event properties the `event-properties` attribute set. */
  events?: Props;
}

/** Creates the empty record of what an element has applied. */
export function createAppliedIdentity(): AppliedIdentity {
  return {};
}

/**
 * Applies the element's `identity`, `event-properties` and `user-properties` attributes to the runtime,
 * in that order, each only when it changed. Removing `identity` or `user-properties` changes nothing;
 * removing `event-properties` removes the event properties it had set. Never throws.
 */
export function applyIdentityAttributes(heap: HeapApi, applied: AppliedIdentity, el: IdentityAttributes & Element): void {
  try {
    // The property reads the attribute: a string, or null when absent (a number a script set is stored as its string).
    const identity = el.identity;
    if (identity?.trim() && identity !== applied.identity) {
      applied.identity = identity;
      heap.identify(identity);
    }

    const eventsJson = el.eventProperties;
    if (eventsJson !== applied.eventProperties) {
      applied.eventProperties = eventsJson;
      // A removed attribute declares nothing: the keys it set go. An invalid one leaves them.
      const next = parsePropsJson(el, 'event-properties', eventsJson);
      if (next) {
        // Every key it set goes, then the new value adds its own back: the same as removing only the keys it lacks.
        for (const key in applied.events) heap.removeEventProperty(key);
        applied.events = next;
        heap.addEventProperties(next);
      }
    }

    // Forgetting a removed value lets the same value, set again later, be sent again.
    const usersJson = el.userProperties;
    if (usersJson !== applied.userProperties) {
      applied.userProperties = usersJson;
      // A removed attribute parses as no properties, which addUserProperties() sends nothing for.
      const props = parsePropsJson(el, 'user-properties', usersJson);
      if (props) heap.addUserProperties(props);
    }
  } catch (err) {
    errorOnce('element-identity-failed', 'applying the identity attributes of <heap-analytics> failed; the page is unaffected.', err);
  }
}
