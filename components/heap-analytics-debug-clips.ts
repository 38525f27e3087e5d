// Where the debug overlay may draw an element's outline: the page's root, and the ancestors whose overflow clips it.
import { flatParent } from '../runtime/composed-tree.ts';

/** The page's root element, through the Document's own getter: an image named `documentElement` would stand in for it. */
export const pageRoot = (): Element => Reflect.get(Document.prototype, 'documentElement', document);

/** An ancestor whose overflow clips an annotated element, on each axis it clips. */
export interface Clip {
  el: Element;
  x: boolean;
  y: boolean;
}

/**
 * The ancestors whose overflow clips `el` (up to <body>, whose overflow is the page's), along its chain of containing
 * blocks: an absolutely positioned element (a dropdown) escapes the overflow of ancestors up to its positioned one, a
 * fixed one all of them up to a transformed one.
 */
export function clipsOf(el: Element, style: (el: Element) => CSSStyleDeclaration): Clip[] {
  const clips: Clip[] = [];
  // The Document's own getter: the document answers `body` with an image or form of that name.
  const body = Reflect.get(Document.prototype, 'body', document);
  let position = style(el).position;
  // Through slots, as the content is rendered.
  for (let node = flatParent(el); node && node !== body && node !== pageRoot(); node = flatParent(node)) {
    const s = style(node);
    const transformed = s.transform !== 'none';
    if (position === 'fixed' ? transformed : position !== 'absolute' || s.position !== 'static' || transformed) {
      if (s.overflowX !== 'visible' || s.overflowY !== 'visible') clips.push({ el: node, x: s.overflowX !== 'visible', y: s.overflowY !== 'visible' });
      position = s.position;
    }
  }
  return clips;
}
