// Walking up from an element across shadow roots (each root to its host), without layout reads.

/** The parent element of `el`, stepping from a shadow root to its host; null at the top. */
export function composedParent(el: Element): Element | null {
  const parent = el.parentNode;
  if (!parent) return null;
  if (parent.nodeType === 1) return parent as Element;
  return isShadowRoot(parent) ? parent.host : null;
}

/** Like `el.closest(selector)`, continuing from each shadow root to its host; null when nothing matches. */
export function closestComposed(el: Element, selector: string): Element | null {
  let current: Element | null = el;
  // Bounded: a page nests shadow roots a few levels deep, never dozens.
  for (let roots = 0; current && roots < 32; roots++) {
    const hit: Element | null = current.closest(selector);
    if (hit) return hit;
    const root = current.getRootNode();
    current = isShadowRoot(root) ? root.host : null;
  }
  return null;
}

/** True when `node` is a shadow root. */
export function isShadowRoot(node: unknown): node is ShadowRoot {
  return (node as Node | null)?.nodeType === 11 && !!(node as ShadowRoot).host;
}
