import { call, inPage, member, parentOf, tagOf } from './dom.ts';
import { EVENT, isElement, PAGEVIEW, PAGEVIEW_PROPS, TRIGGER } from './markup-props.ts';
import { probe } from './markup-stats.ts';
import { listenToInteractions, relayShadowRoot } from './shadow-roots.ts';

/** The elements that hold state while present: events (view, load) and pageview declarations. */
const ANNOTATED = `[${EVENT}],[${PAGEVIEW}],[${PAGEVIEW_PROPS}]`;

/**
 * The custom-element tags waited for, once each in the page: their shadow roots appear on upgrade, with no mutation to
 * see. The tag alone is held, not its elements: they are looked for in the roots once it is defined. Holding them kept
 * every removed element (and its subtree) alive until its tag was defined, for ever when it never is.
 */
const waits = new Set<string>();
/** What each running tracker does once a tag waited for is defined. */
const onDefined = new Set<(tag: string) => void>();
/**
 * Tells the running trackers a tag waited for is defined. The wait's handlers are this function bound to the tag: a
 * closure made inside a tracker holds all of it, and the wait for a tag never defined never ends, so a tracker the page
 * stopped was kept, with its queue. A bound function holds only this one and the tag. (A function making the closure
 * out here is no help: the minifier moved its single use into the tracker.)
 */
const tell = (tag: string) => onDefined.forEach((hear) => hear(tag));

/** A document or an open shadow root we listen in. */
export type Root = Document | ShadowRoot;

/**
 * The listening roots of a runtime, as two functions rather than an object's methods, so that the minifier renames
 * them: `add` starts listening in a root and walks what it holds, unless it was already known; `stop` ends it all.
 */
export type Roots = [add: (root: Root) => void, stop: () => void];

/**
 * Creates the roots registry: the page's clicks, submits and changes as shadow-roots.ts hears them (shadow roots
 * included), and one MutationObserver for all roots. Each batch of mutations costs in proportion to the annotated elements added or removed
 * (plus a look for shadow hosts in added subtrees); the document is never rescanned.
 * The roots report to three handlers (arguments, not an object's methods, so that the minifier renames them):
 * `onEvent` hears the delegated DOM events; `onUpdate` each element whose watched attributes changed, and (with
 * `appeared`) each element (connected) that appeared, annotated or not (the handler checks its attributes);
 * `onLeave` each element that left the document with a subtree (the top one, annotated or not, and the annotated ones inside).
 */
export function createRoots(
  onEvent: (event: Event) => void,
  onUpdate: (el: Element, appeared?: boolean) => void,
  onLeave: (el: Element) => void,
): Roots {
  const roots = new Set<Root>();
  const registry = globalThis.customElements;
  let stopped: true | undefined;
  probe?.count('roots', () => roots.size);

  const observer = new MutationObserver((records) => {
    /** Subtrees this batch already visited: records inside them add nothing new. */
    const visited = new Set<Node>();
    let removed: true | undefined;
    for (const record of records) {
      const target = record.target;
      if (record.type === 'attributes') {
        // An element removed in this batch has left, whatever its attributes say now. Elements are read through the
        // DOM's own members where a form's field of that name would answer (dom.ts): one named `isConnected` kept a
        // removed form, `querySelectorAll` stopped the walk of its subtree, `shadowRoot` was taken for a root. A field
        // named `firstChild` or `firstElementChild` is a child itself.
        if (inPage(target)) onUpdate(target as Element);
        else onLeave(target as Element);
        continue;
      }
      // A node moved within the page is removed and added again: it neither leaves nor reappears. One moved into another
      // document (adopted by an iframe's) has left: counted there by that page's tracker, it was counted here too.
      const { addedNodes, removedNodes } = record;
      // Indexed, not for...of: a NodeList's iterator took twice as long over 10,000 added nodes.
      for (let i = 0, node; (node = removedNodes[i]); i++) {
        if (isElement(node) && !inPage(node)) {
          removed = true;
          // Cheaper than a selector match: the handler only lets go of what it holds.
          onLeave(node);
          if (node.firstElementChild) call(node, 'querySelectorAll', ANNOTATED).forEach(onLeave);
        }
      }
      if (!addedNodes.length) continue;
      // Inside (or at the top of) a subtree visited in this batch: nothing new. None visited, no walk up.
      let inside: Node | null | 0 = visited.size && target;
      while (inside && !visited.has(inside)) inside = parentOf(inside);
      if (inside) continue;
      for (let i = 0, node; (node = addedNodes[i]); i++) {
        // The DOM's own member, as for removed nodes: a form's field named `isConnected` answers for a form gone already.
        if (isElement(node) && inPage(node)) {
          // A leaf holds no later record's nodes.
          if (node.firstChild) visited.add(node);
          meet(node);
          // A leaf (most inserted nodes) has nothing under it to walk.
          if (node.firstElementChild) walk(node);
        }
      }
    }
    // Lets go of the shadow roots that left the page with removed subtrees. A shadow root is connected while its
    // host is, to the host's document; the document always is (an image named `isConnected` that answers for it is no
    // less true).
    if (removed) {
      for (const root of roots) {
        if (!inPage(root)) {
          roots.delete(root);
          root.querySelectorAll(ANNOTATED).forEach(onLeave);
        }
      }
    }
  });

  /**
   * Meets every element under `node` (itself excepted), in document order. No selector finds shadow hosts, so each
   * element is looked at anyway. A tree walker, not `querySelectorAll('*')`: a static list read with `forEach`, and a
   * query per added subtree, cost more than the work done on each element (bench/insert-ab.mjs).
   */
  const walk = (node: Node) => {
    for (let walker = Document.prototype.createTreeWalker.call(document, node, 1), el; (el = walker.nextNode()); ) meet(el as Element);
  };

  /** Starts an element's own markup, and its shadow root (now or once its custom element is defined). */
  const meet = (el: Element) => {
    onUpdate(el, true);
    const tag = tagOf(el);
    const shadow = member(el, 'shadowRoot');
    if (shadow) add(shadow);
    // No registry at all (null in some browser extensions' content scripts): nothing will be defined.
    else if (tag.includes('-') && registry && !registry.get(tag) && !waits.has(tag)) waits.add(tag), registry.whenDefined(tag).then(tell.bind(0, tag), tell.bind(0, tag));
  };

  // The elements of a tag just defined that are still in the page are in the roots listened in. The selector is the tag
  // escaped (a valid one may hold a dot); an invalid tag rejects, and nothing matches it. The query is the prototype's:
  // the document answers `querySelectorAll` with an image or form of that name (dom.ts).
  const defined = (tag: string) => {
    for (const root of roots) for (const host of Object.getPrototypeOf(root).querySelectorAll.call(root, CSS.escape(tag))) add(member(host, 'shadowRoot'));
  };
  onDefined.add(defined);

  /** Starts listening in a root (an element's shadow root, none when null) and walks what it holds, unless known. */
  const add = (root: Root | null) => {
    if (!root || stopped || roots.has(root)) return;
    // The document's change and submit are heard already (the relay adds nothing there): no check for it.
    relayShadowRoot(root);
    roots.add(root);
    // The attributes whose edits change what a present element does (the rest are read when an event fires). A
    // filter observes attributes without `attributes: true` (the DOM standard sets it).
    observer.observe(root, { childList: true, subtree: true, attributeFilter: [EVENT, TRIGGER, PAGEVIEW, PAGEVIEW_PROPS] });
    // The walker reads no member of the root: the document answers `children` with an image or form of that name
    // (dom.ts), and the page's markup present at boot once went untracked.
    walk(root);
  };
  // Shadow roots attached after their host appeared (no mutation shows them) are found on first use.
  const unlisten = listenToInteractions(onEvent, add);

  return [
    add,
    () => {
      stopped = true;
      onDefined.delete(defined);
      observer.disconnect();
      unlisten();
      roots.clear();
    },
  ];
}
