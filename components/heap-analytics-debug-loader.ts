import { attributeOf } from '../runtime/dom.ts';
import { parseBoolean } from '../runtime/markup-props.ts';
import { warnOnce } from '../runtime/warn.ts';

/**
 * Adds one `<heap-analytics-debug>` to the page when it is asked for (`debug-overlay` on the element, or
 * `?heap-debug` in the page's URL; `debug-overlay="false"` is off, as for every boolean attribute), loading the overlay's own module first:
 * from source (and dist/esm) `./heap-analytics-debug-define.ts`; in the drop-in bundle the build turns that
 * import into `./heap-analytics-debug.js`, the file next to the bundle, which adds the overlay. Resolves to the overlay,
 * or null; null at once when not asked for (the element does not wait for it, so no promise is made).
 */
export function loadDebugOverlay(el: Element): Promise<Element | null> | null {
  if (parseBoolean(attributeOf(el, 'debug-overlay') ?? 'false') === false && !/[?&]heap-debug([=&#]|$)/.test(location.href)) return null;
  // The boot pageview, the identify of an identity attribute and a snippet's queued calls are re-emitted before the
  // overlay's module arrives: kept for it, or its list of events began with whatever came after them.
  // Each element keeps its own tracker's; the overlay lists an event heard twice once.
  const early: Event[] = [];
  const keep = (event: Event) => early.push(event);
  el.addEventListener('heap-event', keep);
  return import('./heap-analytics-debug-define.ts')
    .then((overlay) => overlay.showDebugOverlay(early))
    .catch((err) => {
      warnOnce('debug-overlay-failed', `heap-analytics-debug.js failed to load: ${err}`);
      return null;
    })
    .finally(() => el.removeEventListener('heap-event', keep));
}
