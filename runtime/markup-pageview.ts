import { attributeOf, member } from './dom.ts';
import type { HeapRuntime } from './load.ts';
import { composedParent, PAGEVIEW, PAGEVIEW_PROPS, parsePropsJson, TITLE } from './markup-props.ts';
import { probe } from './markup-stats.ts';
import type { Props } from './types.ts';

/**
 * Pageviews and pageview properties declared by markup (`data-heap-pageview`, `data-heap-pageview-props`), as three
 * functions rather than an object's methods, so that the minifier renames them:
 * `update` brings an element's pageview markup in line with its attributes, when it appears (`atBoot` when it was in
 * the page as the tracker started) and when either attribute changes; `leave` forgets an element that left; `stop` ends it all.
 */
export type PageviewMarkup = [update: (el: Element, atBoot?: boolean) => void, leave: (el: Element) => void, stop: () => void];

/** Creates the pageview side of the markup for one runtime. */
export function createPageviewMarkup(runtime: HeapRuntime): PageviewMarkup {
  /** Pageview elements present, by the `data-heap-pageview` value their pageview was started with. */
  const shown = new WeakMap<Element, string>();
  /** Elements declaring pageview properties, with the properties last applied for each, oldest first. */
  const holders = new Map<Element, Props>();
  probe?.count('pageviewHolders', () => holders.size);
  /** The view keys of pageview elements that left in this batch of mutations (cleared as it ends). */
  const gone = new Set<string>();
  /** Where the page was at the last pageview. */
  let url: string;

  // A new pageview clears pageview properties; declarations still in the page fill in what it did not set (with none
  // left, nothing: adding no properties changes nothing).
  // The newest declaration of a key wins, and what the pageview set wins over them all (added again as it is). A
  // holder removed in the task that started the pageview is no longer in the page, though its removal may not have
  // been read yet: a swap that inserts the new page before removing the old (htmx) gave it the old page's keys.
  const unsubscribe = runtime.subscribe(
    (event) =>
      event.type === 'pageview' &&
      ((url = location.href), runtime.addPageviewProperties(Object.assign({}, ...[...holders].map(([el, props]) => member(el, 'isConnected') && props), runtime.core.properties[1][0]()))),
  );

  return [
    (el, atBoot) => {
      const key = attributeOf(el, PAGEVIEW);
      const previous = holders.get(el);
      // Invalid JSON declares nothing, as an empty attribute does; a missing one makes the element no holder.
      const declared = parsePropsJson(el, PAGEVIEW_PROPS) || {};
      if (attributeOf(el, PAGEVIEW_PROPS) === null) holders.delete(el);
      else holders.set(el, declared);
      if (key === null) shown.delete(el);
      else if (shown.get(el) !== key) {
        // A new view key (or a pageview element appearing) starts a pageview; the same key again starts none.
        shown.set(el, key);
        // The pageview properties declared on the element and its ancestors, the nearest winning, travel with it.
        // The element's own were read above: only its ancestors are read here.
        let properties = declared;
        for (let node = composedParent(el); node; node = composedParent(node)) properties = { ...parsePropsJson(node, PAGEVIEW_PROPS), ...properties };
        // The automatic pageview sent at boot is this page's pageview; a second one would count the visit twice. So
        // is the pageview of an element of that key that left as this one came, at the same URL: a framework's
        // hydration putting fresh copies in the place of the server's elements, not a navigation (which moves the URL
        // first, or keeps the old view in until the new is in: a swap).
        // An empty or blank title (a template's unfilled field) is none: the document's title. White space a template
        // leaves around one is no part of it.
        if (!(gone.has(key) && url == location.href) && (!atBoot || runtime.core.config.disablePageviewAutocapture)) runtime.trackPageview({ title: attributeOf(el, TITLE)?.trim() || undefined, properties });
        else runtime.addPageviewProperties(properties);
        return;
      }
      // A holder's current properties apply: keys it no longer declares are removed, the rest added.
      // The same attribute parsed again gives the same keys in the same order. An element that was no holder has
      // nothing to compare: adding the none it may declare changes nothing (no keys, no change to the bag).
      if (JSON.stringify(previous) === JSON.stringify(declared)) return;
      for (const old in previous) if (!Object.hasOwn(declared, old)) runtime.removePageviewProperty(old);
      runtime.addPageviewProperties(declared);
    },
    (el) => {
      // Every element of the batch is read before its first microtask runs.
      gone.size || queueMicrotask(() => gone.clear());
      gone.add(shown.get(el)!);
      shown.delete(el);
      // Its properties stay until the next pageview: that is what pageview properties are.
      holders.delete(el);
    },
    () => {
      unsubscribe();
      holders.clear();
    },
  ];
}
