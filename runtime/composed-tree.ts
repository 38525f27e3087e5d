// Walking up from an element across shadow roots (each root to its host), without layout reads.

/** The parent element of `el`, stepping from a shadow root to its host; null at the top. */
export function composedParent(el: Element): Element | null {
  const parent = el.parentNode;
  return parent?.nodeType === 1 ? (parent as Element) : isShadowRoot(parent) ? parent.host : null;
}

/** Like `el.closest(selector)`, continuing from each shadow root to its host; null when nothing matches. */
export function closestComposed(el: Element, selector: string): Element | null {
  // Recursion depth is the number of nested shadow roots: a few, never dozens.
  const hit = el.closest(selector);
  if (hit) return hit;
  const root = el.getRootNode();
  return isShadowRoot(root) ? closestComposed(root.host, selector) : null;
}

/** True when `node` is a shadow root. */
export function isShadowRoot(node: unknown): node is ShadowRoot {
  return (node as Node | null)?.nodeType === 11 && !!(node as ShadowRoot).host;
}
