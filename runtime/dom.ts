// Reads of the page's elements that go through the DOM's own members, not through the element. A form answers its own
// member names with the fields named after them: with `<input name="parentNode">` inside, `form.parentNode` is that
// input, and a walk up the tree would go round in circles (the page would hang); with one named `closest` or `matches`,
// every click in the form would be lost. Where there is no DOM (the markup audit under Node, on another DOM's
// elements), the element's own members serve.

const ELEMENT: Partial<Element> = globalThis.Element?.prototype ?? {};
const parentNode = globalThis.Node
  ? Object.getOwnPropertyDescriptor(Node.prototype, 'parentNode')!.get!
  : function (this: Node) {
      return this.parentNode;
    };

/** `node.parentNode`. */
export const parentOf = (node: Node): ParentNode | null => parentNode.call(node);
/** `el.matches(selector)`. */
export const isMatch = (el: Element, selector: string): boolean => (ELEMENT.matches ?? el.matches).call(el, selector);
/** `el.closest(selector)`. */
export const closestOf = (el: Element, selector: string): Element | null => (ELEMENT.closest ?? el.closest).call(el, selector);
