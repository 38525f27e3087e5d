// `change` and `submit` are not composed: inside a shadow root they stop at the root and never reach
// `document`. Open roots are found lazily, from the composed events that precede those two (focus,
// input, click), and get one capturing listener per type, shared by every subscriber.
import { isShadowRoot } from './composed-tree.ts';

type Listener = (event: Event) => void;

/** Events that stop at their shadow root and are relayed from there. */
const RELAYED = ['change', 'submit'] as const;
/** Composed events whose path reveals the open shadow roots a change or submit will come from. */
const DISCOVERY = ['focusin', 'input', 'click'] as const;

const subscribers = new Set<Listener>();
const hooked = new WeakSet<ShadowRoot>();

function relay(event: Event): void {
  // Subscribers may hear an event twice (here and at document) and must tell them apart: the `composed`
  // flag does not (Chromium marks submit composed, yet it stops at the root).
  for (const listener of subscribers) listener(event);
}

function discover(event: Event): void {
  try {
    const path = event.composedPath();
    // At document, an event from inside a shadow root is retargeted to the host: only then is there a root to find.
    if (path[0] === event.target) return;
    for (const node of path) {
      if (!isShadowRoot(node) || hooked.has(node)) continue;
      hooked.add(node);
      for (const type of RELAYED) node.addEventListener(type, relay, { capture: true, passive: true });
    }
  } catch {
    // Finding roots is best effort; the page's own handling of this event must not be disturbed.
  }
}

/**
 * Calls `listener` with every `change` and `submit` event inside open shadow roots of the document (they
 * never reach document listeners); the same event may also reach document. Returns the unsubscribe function.
 */
export function listenInShadowRoots(listener: Listener): () => void {
  if (subscribers.size === 0) {
    for (const type of DISCOVERY) document.addEventListener(type, discover, { capture: true, passive: true });
  }
  subscribers.add(listener);
  return () => {
    if (!subscribers.delete(listener) || subscribers.size > 0) return;
    for (const type of DISCOVERY) document.removeEventListener(type, discover, { capture: true });
  };
}
