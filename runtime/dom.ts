// Reads of the page's elements and document that go through the DOM's own members. A form answers its own member
// names with the fields named after them: with `<input name="parentNode">` inside, `form.parentNode` is that input, and
// a walk up the tree would go round in circles (the page would hang); with one named `closest` or `matches`, every
// click in the form would be lost. The document answers likewise with the forms and images named after its members:
// `<img name="title">` would stand in for the page's title. Where there is no DOM (the markup audit under Node, on
// another DOM's elements), the element's own members serve.

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
/** The document's title or referrer; undefined without a DOM. */
export const documentText = (name: 'title' | 'referrer'): string | undefined =>
  globalThis.document && Object.getOwnPropertyDescriptor(Document.prototype, name)!.get!.call(document);
