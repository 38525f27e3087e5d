import { attributeOf } from './dom.ts';
import { parsePropsJson } from './markup-props.ts';
import type { HeapApi, Props } from './types.ts';
import { errorOnce } from './warn.ts';

/** What an element last applied, so that only changes are applied again. */
export interface AppliedIdentity {
  /** The attributes' values, as last applied. */
  identity?: string | null;
  'user-properties'?: string | null;
  'event-properties'?: string | null;
  /** The event properties the `event-properties` attribute set. */
  events?: Props;
  /** The element's consent attribute when it released the tracker (components/heap-analytics.ts). */
  consent?: string | null;
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
export const applyIdentityAttributes = (heap: HeapApi, applied: AppliedIdentity, el: Element): void => {
  try {
    // In that order, each applied when it changed (and, for the JSON ones, parses: parsePropsJson warns of one that does not).
    for (const name of ['identity', 'event-properties', 'user-properties'] as const) {
      const value = attributeOf(el, name);
      if (value !== applied[name]) {
        applied[name] = value;
        // A removed or empty identity changes nothing: removal does not reset, and the same user set again is
        // identified again (the runtime ignores the identity it already has). One of spaces warns, as at boot.
        // A removed attribute parses as no properties, which addUserProperties() sends nothing for; forgetting it
        // lets the same value, set again later, be sent again.
        // An invalid one changes nothing.
        let props;
        if (name === 'identity') {
          if (value) heap.identify(value);
        } else if ((props = parsePropsJson(el, name, value))) {
          if (name === 'user-properties') heap.addUserProperties(props);
          else {
            // A removed attribute declares nothing: the keys it set go. Only the keys the new value lacks are removed:
            // each removal is a storage write, and the new value sets the rest anyway.
            for (const key in applied.events) if (!Object.hasOwn(props, key)) heap.removeEventProperty(key);
            applied.events = props;
            heap.addEventProperties(props);
          }
        }
      }
    }
  } catch (err) {
    errorOnce('element-identity-failed', 'applying the identity attributes of <heap-analytics> failed; the page is unaffected.', err);
  }
};
