import { ATTR, isElement } from './markup-props.ts';

/** Attributes whose edits change what a present element does (the rest are read when an event fires). */
export const WATCHED_ATTRIBUTES = [ATTR.event, ATTR.trigger, ATTR.pageview, ATTR.pageviewProps];

/** A document or an open shadow root we listen in. */
export type Root = Document | ShadowRoot;

/** What the roots report: delegated DOM events, and elements that appeared, left or changed. */
export interface RootHandlers {
  onEvent(event: Event): void;
  /** An element (connected) that appeared: itself or inside an added subtree. */
  onAppear(el: Element): void;
  /** An element that left the document. */
  onLeave(el: Element): void;
  onAttribute(el: Element, name: string): void;
}

/** The listening roots of a runtime: the document and the open shadow roots discovered inside it. */
export interface Roots {
  /** Starts listening in `root` and walks what it holds; false when it was already known. */
  add(root: Root): boolean;
  /** Visits an element subtree that appeared (or is present at boot), discovering shadow roots in it. */
  appear(node: Element): void;
  stats(): { roots: number; pendingHosts: number };
  stop(): void;
}

const OBSERVE: MutationObserverInit = { childList: true, subtree: true, attributes: true, attributeFilter: WATCHED_ATTRIBUTES };
// Clicks cross shadow boundaries, so the document alone hears them; submit and change do not.
const DOCUMENT_EVENTS = ['click', 'submit', 'change', 'focusin'];
const SHADOW_EVENTS = ['submit', 'change'];
const LISTEN: AddEventListenerOptions = { capture: true, passive: true };

/**
 * Creates the roots registry: one capturing listener per event type per root, and one MutationObserver
 * for all roots. Work per mutation is proportional to the nodes added or removed.
 */
export function createRoots(doc: Document, handlers: RootHandlers): Roots {
  const roots = new Map<Root, string[]>();
  /** Custom elements not defined yet, by tag: their shadow roots appear on upgrade, with no mutation to see. */
  const pending = new Map<string, Set<Element>>();
  let stopped = false;

  const observer = new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === 'attributes') {
        const el = record.target as Element;
        if (el.isConnected) handlers.onAttribute(el, record.attributeName!);
        continue;
      }
      // A node moved within the page is removed and added again: it neither leaves nor reappears.
      for (const node of Array.from(record.removedNodes)) {
        if (isElement(node) && !node.isConnected) leave(node);
      }
      for (const node of Array.from(record.addedNodes)) {
        if (isElement(node) && node.isConnected) appear(node);
      }
    }
  });

  function visitAppearing(el: Element) {
    handlers.onAppear(el);
    const shadow = el.shadowRoot;
    if (shadow) add(shadow);
    else if (el.localName.includes('-') && typeof customElements !== 'undefined' && !customElements.get(el.localName)) awaitDefinition(el);
  }

  function appear(node: Element) {
    visitAppearing(node);
    for (const el of Array.from(node.querySelectorAll('*'))) visitAppearing(el);
  }

  function visitLeaving(el: Element) {
    handlers.onLeave(el);
    pending.get(el.localName)?.delete(el);
    const shadow = el.shadowRoot;
    if (shadow && roots.has(shadow)) {
      remove(shadow);
      for (const child of Array.from(shadow.children)) leave(child);
    }
  }

  function leave(node: Element) {
    visitLeaving(node);
    for (const el of Array.from(node.querySelectorAll('*'))) visitLeaving(el);
  }

  function awaitDefinition(el: Element) {
    const tag = el.localName;
    let waiting = pending.get(tag);
    if (!waiting) {
      pending.set(tag, (waiting = new Set()));
      customElements.whenDefined(tag).then(() => {
        const hosts = pending.get(tag);
        pending.delete(tag);
        if (stopped || !hosts) return;
        for (const host of hosts) if (host.isConnected && host.shadowRoot) add(host.shadowRoot);
      }, () => pending.delete(tag));
    }
    waiting.add(el);
  }

  function add(root: Root): boolean {
    if (stopped || roots.has(root)) return false;
    const types = root === doc ? DOCUMENT_EVENTS : SHADOW_EVENTS;
    for (const type of types) root.addEventListener(type, handlers.onEvent, LISTEN);
    roots.set(root, types);
    observer.observe(root, OBSERVE);
    if (root === doc) {
      if (doc.documentElement) appear(doc.documentElement);
    } else {
      for (const child of Array.from(root.children)) appear(child);
    }
    return true;
  }

  function remove(root: Root) {
    const types = roots.get(root);
    if (!types) return;
    for (const type of types) root.removeEventListener(type, handlers.onEvent, LISTEN);
    roots.delete(root);
  }

  return {
    add,
    appear,
    stats: () => ({ roots: roots.size, pendingHosts: [...pending.values()].reduce((n, s) => n + s.size, 0) }),
    stop() {
      stopped = true;
      observer.disconnect();
      for (const root of [...roots.keys()]) remove(root);
      pending.clear();
    },
  };
}
