import type { HeapRuntime } from './load.ts';
import { ATTR, parentOf, readPageviewProps } from './markup-props.ts';
import type { Props } from './types.ts';

/** Pageviews and pageview properties declared by markup (`data-heap-pageview`, `data-heap-pageview-props`). */
export interface PageviewMarkup {
  /** An element with either attribute appeared; `atBoot` when it was in the page as the tracker started. */
  appear(el: Element, atBoot: boolean): void;
  /** One of the two attributes changed on a present element. */
  change(el: Element, attr: string): void;
  leave(el: Element): void;
  stats(): { holders: number };
  stop(): void;
}

const isEmpty = (props: Props) => {
  for (const _ in props) return false;
  return true;
};

const sameProps = (a: Props, b: Props) => {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.is(a[k], b[k]));
};

/** Creates the pageview side of the markup for one runtime. */
export function createPageviewMarkup(runtime: HeapRuntime): PageviewMarkup {
  /** Pageview elements present, by the `data-heap-pageview` value their pageview was started with. */
  const shown = new WeakMap<Element, string>();
  /** Elements declaring pageview properties, with the properties last applied for each, oldest first. */
  const holders = new Map<Element, Props>();

  /** The pageview properties declared on `el` and its ancestors, the nearest winning. */
  const declared = (el: Element): Props => {
    const layers: Props[] = [];
    for (let node: Element | null = el; node; node = parentOf(node)) {
      if (node.hasAttribute(ATTR.pageviewProps)) layers.push(readPageviewProps(node));
    }
    return Object.assign({}, ...layers.reverse()) as Props;
  };

  function startPageview(el: Element, atBoot: boolean) {
    shown.set(el, el.getAttribute(ATTR.pageview) ?? '');
    const properties = declared(el);
    if (atBoot && !runtime.core.config.disablePageviewAutocapture) {
      // The automatic pageview sent at boot is this page's pageview; a second one would count the visit twice.
      if (!isEmpty(properties)) runtime.addPageviewProperties(properties);
      return;
    }
    const title = el.getAttribute(ATTR.title) ?? undefined;
    runtime.trackPageview(title === undefined ? { properties } : { title, properties });
  }

  /** Applies a holder's current properties: keys it no longer declares are removed, the rest added. */
  function applyHolder(el: Element) {
    const next = readPageviewProps(el);
    const previous = holders.get(el);
    holders.set(el, next);
    if (previous && sameProps(previous, next)) return;
    for (const key of Object.keys(previous ?? {})) if (!(key in next)) runtime.removePageviewProperty(key);
    if (!isEmpty(next)) runtime.addPageviewProperties(next);
  }

  // A new pageview clears pageview properties; declarations still in the page fill in what it did not set.
  const unsubscribe = runtime.subscribe((event) => {
    if (event.type !== 'pageview' || !holders.size) return;
    const current = runtime.core.pageviewProperties.values;
    const fill: Props = {};
    for (const props of [...holders.values()].reverse()) {
      for (const key of Object.keys(props)) if (!(key in current) && !(key in fill)) fill[key] = props[key]!;
    }
    if (!isEmpty(fill)) runtime.addPageviewProperties(fill);
  });

  return {
    appear(el, atBoot) {
      if (el.hasAttribute(ATTR.pageview)) {
        if (shown.has(el)) return;
        // Its own properties travel with the pageview it starts.
        if (el.hasAttribute(ATTR.pageviewProps)) holders.set(el, readPageviewProps(el));
        startPageview(el, atBoot);
      } else if (el.hasAttribute(ATTR.pageviewProps) && !holders.has(el)) {
        applyHolder(el);
      }
    },
    change(el, attr) {
      if (attr === ATTR.pageview) {
        const key = el.getAttribute(ATTR.pageview);
        if (key === null) shown.delete(el);
        else if (shown.get(el) !== key) {
          if (el.hasAttribute(ATTR.pageviewProps)) holders.set(el, readPageviewProps(el));
          startPageview(el, false);
        }
      } else if (attr === ATTR.pageviewProps) {
        if (el.hasAttribute(ATTR.pageviewProps)) applyHolder(el);
        else {
          for (const key of Object.keys(holders.get(el) ?? {})) runtime.removePageviewProperty(key);
          holders.delete(el);
        }
      }
    },
    leave(el) {
      shown.delete(el);
      // Its properties stay until the next pageview: that is what pageview properties are.
      holders.delete(el);
    },
    stats: () => ({ holders: holders.size }),
    stop() {
      unsubscribe();
      holders.clear();
    },
  };
}
