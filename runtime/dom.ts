// Reads of the page's elements and document that go through the DOM's own members. A form answers its own member
// names with the fields named after them: with `<input name="parentNode">` inside, `form.parentNode` is that input, and
// a walk up the tree would go round in circles (the page would hang); with one named `getAttribute`, `localName` or
// `closest`, every click in the form would be lost. The document answers likewise with the images, forms, embeds and
// iframes named after its members: `<img name="title">` would stand in for the page's title, and `<form name="cookie">`
// (a consent banner's) for its cookies. Where there is no DOM (the markup audit under Node, on another DOM's
// elements), the element's own members serve.
// Listeners on the document are added and removed with the window's own methods, called on the document
// (`addEventListener.call(document, ...)`): the document answers `addEventListener` with an image or form of that
// name, the window never does, and the tracker would not start (or its removal would throw into the page).

const ELEMENT: any = globalThis.Element?.prototype;
/** The DOM's getter of each member read, found once: a call to it costs a third of a `Reflect.get` through the prototypes, and a click reads dozens. */
const getters: Record<string, () => unknown> = {};

/** `node[name]` as the DOM defines it (on Element or Node), whatever the node's own names. */
export const member = (node: unknown, name: string): any =>
  ELEMENT ? (getters[name] ??= (Object.getOwnPropertyDescriptor(ELEMENT, name) ?? Object.getOwnPropertyDescriptor(Node.prototype, name))!.get!).call(node) : (node as any)[name];
/** `node[name](arg)` with the DOM's own method. */
export const call = (node: Node, name: string, arg?: unknown): any => (ELEMENT ?? node)[name].call(node, arg);

/**
 * The node is in this page: connected, and to this document. One adopted into another (a same-origin iframe's, a
 * pop-out window's) is connected there: the tracker of that page counts it, not this one.
 */
export const inPage = (node: Node): boolean => member(node, 'isConnected') && (member(node, 'ownerDocument') ?? node) == document;
/** `node.parentNode`. */
export const parentOf = (node: Node): ParentNode | null => member(node, 'parentNode');
/** `node.nodeType`; undefined for anything but a node (the window on an event's path, null). */
export const nodeTypeOf = (node: unknown): number | undefined => {
  const type = (node as Node | null)?.nodeType;
  // Read as it is unless something named after it answers (an exception per window on every event's path costs).
  if (typeof type != 'object') return type;
  try {
    return member(node, 'nodeType');
  } catch {
    // The window, answering with its element of that id: not a node.
  }
};
/** `el.localName`. */
export const tagOf = (el: Element): string => member(el, 'localName');
/** `el.getAttribute(name)`. */
export const attributeOf = (el: Element, name: string): string | null => (ELEMENT ?? el).getAttribute.call(el, name);
/** `el.matches(selector)`. */
export const isMatch = (el: Element, selector: string): boolean => (ELEMENT ?? el).matches.call(el, selector);
/** The document's title, referrer, cookies, visibility or ready state, or its root element; undefined without a DOM. */
export const documentText = <K extends 'title' | 'referrer' | 'cookie' | 'visibilityState' | 'readyState' | 'documentElement'>(name: K): Document[K] | undefined =>
  globalThis.document && Reflect.get(Document.prototype, name, document);
/** True for an element node (from any realm); a numeric type, not `Node.*`, as the audit also runs under Node. */
export const isElement = (value: unknown): value is Element => nodeTypeOf(value) === 1;
