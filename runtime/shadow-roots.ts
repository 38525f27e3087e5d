// `change` and `submit` are not composed: inside a shadow root they stop at the root and never reach
// `document`. Open roots are found lazily, from the composed events that precede those two (focus,
// input, click), or handed in by whoever finds them first (the markup tracker, as hosts appear), and get
// one capturing listener per type, shared by every subscriber.
import { isShadowRoot } from './composed-tree.ts';

type Listener = (event: Event) => void;

/** Events that stop at their shadow root and are relayed from there. */
const RELAYED = ['change', 'submit'] as const;
/** Composed events whose path reveals the open shadow roots a change or submit will come from. */
const DISCOVERY = ['focusin', 'input', 'click'] as const;
const LISTEN: AddEventListenerOptions = { capture: true, passive: true };

const subscribers = new Set<Listener>();
const hooked = new WeakSet<ShadowRoot>();

function relay(event: Event): void {
  // Subscribers may hear an event twice (here and at document) and must tell them apart: the `composed`
  // flag does not (Chromium marks submit composed, yet it stops at the root).
  for (const listener of subscribers) listener(event);
}

/** Relays the `change` and `submit` events of `root` to the subscribers from now on (once per root). */
export function relayShadowRoot(root: ShadowRoot): void {
  if (hooked.has(root)) return;
  hooked.add(root);
  // The listeners stay for the root's life: they cost nothing without subscribers and go with the root.
  for (const type of RELAYED) root.addEventListener(type, relay, LISTEN);
}

function discover(event: Event): void {
  try {
    const path = event.composedPath();
    // At document, an event from inside a shadow root is retargeted to the host: only then is there a root to find.
    if (path[0] !== event.target) for (const node of path) if (isShadowRoot(node)) relayShadowRoot(node);
  } catch {
    // Finding roots is best effort; the page's own handling of this event must not be disturbed.
  }
}

/**
 * Calls `listener` with every `change` and `submit` event inside open shadow roots of the document (they
 * never reach document listeners); the same event may also reach document. Returns the unsubscribe function.
 */
export function listenInShadowRoots(listener: Listener): () => void {
  if (!subscribers.size) for (const type of DISCOVERY) document.addEventListener(type, discover, LISTEN);
  subscribers.add(listener);
  return () => {
    if (subscribers.delete(listener) && !subscribers.size) for (const type of DISCOVERY) document.removeEventListener(type, discover, LISTEN);
  };
}
