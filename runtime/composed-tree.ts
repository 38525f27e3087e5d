// Walking up from an element across shadow roots (each root to its host, or slotted content to its slot), without layout reads.
import { isElement, member, nodeTypeOf, parentOf } from './dom.ts';

/** The parent element of `el`, stepping from a shadow root to its host; null at the top. */
export function composedParent(el: Element): Element | null {
  const parent = parentOf(el);
  return isElement(parent) ? parent : isShadowRoot(parent) ? parent.host : null;
}

/**
 * The element `el` is rendered in: the slot it is assigned to, else its composed parent. A click on slotted content
 * passes through that slot and the shadow root's elements around it (an editable region among them).
 */
export function flatParent(el: Element): Element | null {
  // The DOM's `assignedSlot`: a form answers with its field of that name, which is inside it, and the walk would go
  // round in circles.
  return member(el, 'assignedSlot') ?? composedParent(el);
}

/** True when `node` is a shadow root. */
export function isShadowRoot(node: unknown): node is ShadowRoot {
  return nodeTypeOf(node) === 11 && !!(node as ShadowRoot).host;
}

let lastEvent: Event | undefined;
let lastAt: EventTarget | null;
let lastPath: readonly EventTarget[];
let lastRoots: ShadowRoot[];

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
    // Not the window (at the end of most paths): never a root, and its node type is a slow read (a miss on the global object).
    lastRoots = lastPath.filter((node) => node !== window && isShadowRoot(node));
  }
  return lastPath;
}

/** The open shadow roots on the event's path (as `pathOf` sees it), found once per event like the path. */
export function rootsOf(event: Event): ShadowRoot[] {
  pathOf(event);
  return lastRoots;
}
