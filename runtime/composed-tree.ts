// Walking up from an element across shadow roots (each root to its host), without layout reads.
import { call, closestOf, nodeTypeOf, parentOf } from './dom.ts';

/** The parent element of `el`, stepping from a shadow root to its host; null at the top. */
export function composedParent(el: Element): Element | null {
  const parent = parentOf(el);
  return nodeTypeOf(parent) === 1 ? (parent as Element) : isShadowRoot(parent) ? parent.host : null;
}

/** Like `el.closest(selector)`, continuing from each shadow root to its host; null when nothing matches. */
export function closestComposed(el: Element, selector: string): Element | null {
  // Recursion depth is the number of nested shadow roots: a few, never dozens.
  const hit = closestOf(el, selector);
  if (hit) return hit;
  const root = call(el, 'getRootNode');
  return isShadowRoot(root) ? closestComposed(root.host, selector) : null;
}

/** True when `node` is a shadow root. */
export function isShadowRoot(node: unknown): node is ShadowRoot {
  return nodeTypeOf(node) === 11 && !!(node as ShadowRoot).host;
}

let lastEvent: Event | undefined;
let lastAt: EventTarget | null;
let lastPath: readonly EventTarget[];

/**
 * `event.composedPath()`, computed once per event and listening node: autocapture, shadow-root discovery and the
 * markup tracker all read the path of the same click. Keyed on `currentTarget` too, because a listener in a shadow
 * root sees nodes a document listener does not (and, after dispatch, the path is empty again).
 */
export function pathOf(event: Event): readonly EventTarget[] {
  if (event !== lastEvent || event.currentTarget !== lastAt) {
    lastEvent = event;
    lastAt = event.currentTarget;
    lastPath = event.composedPath();
  }
  return lastPath;
}
