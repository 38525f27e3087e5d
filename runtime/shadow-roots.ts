// The page's clicks, submits and changes, heard once for every module that wants them. Clicks cross shadow
// boundaries, so a document listener hears them all. `change` and `submit` are not composed: inside a shadow
// root they stop at the root and never reach `document`. Open roots are found lazily, from the composed events
// that precede those two (focus, input, click), or handed in by whoever finds them first (the markup tracker, as
// hosts appear), and get one capturing listener per type. Subscribers may also hear of each root found that way
// (the markup tracker watches those roots' markup too).
import { pathOf, rootsOf } from './composed-tree.ts';
import { inPage, isElement, isMatch } from './dom.ts';
import { LINK } from './target.ts';

type Listener = (event: Event) => void;
type RootListener = (root: ShadowRoot) => void;

/** Events that stop at their shadow root and are relayed from there. */
const RELAYED = ['change', 'submit'];
/** What subscribers hear. */
const HEARD = ['click', ...RELAYED];
/**
 * What the document listener hears: the composed events whose path reveals the open shadow roots a change or submit
 * will come from, and the middle clicks that open a link in a new tab (no `click`), too.
 */
const AT_DOCUMENT = ['focusin', 'input', 'auxclick', ...HEARD];
/** How the SDK listens: first, and never delaying the page's scrolling. */
const LISTEN: AddEventListenerOptions = { capture: true, passive: true };

/**
 * The control the browser clicks next after the click the subscribers are hearing: found once for
 * them all, autocapture and every runtime's markup tracker. Kept until the next event, as pathOf keeps its path.
 */
export let forwarded: Element | null | undefined;
/** The last click with a control to forward to: the browser forwards nothing when the page cancelled it. */
export let forwardedBy: Event;
/**
 * The click, submit or change still being dispatched when the one the subscribers are hearing was made, if any: a
 * page's handler proxying the visitor's click (a card's calling `link.click()`, an Upload button's calling
 * `fileInput.click()`, a component submitting through a hidden button of its own). Both are the same press. Firefox
 * hands a label's click on to its control, and dispatches a checkbox's change, within the click's dispatch.
 */
export let nested: Event | undefined;
/** The outermost event heard: while it is being dispatched, its `eventPhase` is not 0. */
let press: Event | undefined;

/** Each subscriber, with what it is told of the roots discovery finds. */
const subscribers = new Map<Listener, RootListener | undefined>();

/**
 * Relays the `change` and `submit` events of `root` to the subscribers from now on (once per root). The document
 * hears them already while anyone listens: relaying its own adds nothing.
 */
export function relayShadowRoot(root: Document | ShadowRoot): void {
  // The listeners stay for the root's life: they cost nothing without subscribers and go with the root. Adding
  // them again adds nothing (a listener is one per type, function and capture), so no set of hooked roots is kept.
  // The window's own method, as on the document (dom.ts).
  for (const type of RELAYED) addEventListener.call(root, type, heard, LISTEN);
}

/** Hears the document's events and, in each shadow root found, those that stop at it. */
function heard(event: Event): void {
  const path = pathOf(event);
  const at = event.currentTarget;
  try {
    // Every root on the path, including those a slotted node's event passes through (its target is not retargeted).
    for (const root of rootsOf(event)) {
      relayShadowRoot(root);
      subscribers.forEach((found) => found?.(root));
    }
  } catch {
    // Finding roots is best effort; the page's own handling of this event must not be disturbed.
  }
  // In a root, only the events that stop there: one that goes on (a slotted field's change, passing through the root
  // it is slotted into) reaches document, whose listeners hear it. The `composed` flag cannot tell (Chromium marks
  // submit composed, yet it stops at the root); the path can. A root hears only the relayed types, and only while it is
  // in this page: its host moved into an iframe's document, the tracker of that page hears them.
  // Each subscriber guards itself.
  // A middle click on a link opens it in a new tab, as a ctrl-click does: the press of a link, told as a click. Elsewhere
  // it does nothing (or pastes, or scrolls), and other buttons open a context menu.
  if (at === document ? HEARD.includes(event.type) || ((event as MouseEvent).button === 1 && path.some((target) => isElement(target) && isMatch(target, LINK))) : path.at(-1) === at && inPage(at as Node)) {
    // The control the browser clicks next, after a click with this path: the control of the innermost label the click
    // went through, if any, unless the click is already on or in the control (an icon in a button) or the control is
    // disabled. The path, not `closest()`: a label around a component holds the click on its shadow content too.
    // A label inside a closed shadow root cannot be seen: a click on a custom element may be one on such a label,
    // whose forwarded click reaches the page as one more on that element, in this task. Other clicks on it in this
    // task count once with it (a script's two `host.click()`), and a closed root on a built-in element is not
    // guessed at: any `div` or `span` clicked would wait a task for a second click.
    nested = press?.eventPhase ? press : void (press = event);
    const control = (path.find((target) => (target as Element).localName === 'label') as HTMLLabelElement | undefined)?.control;
    if ((forwarded = control && !path.includes(control) && !(control as HTMLInputElement).disabled ? control : /-/.test((path[0] as Element).localName) ? (path[0] as Element) : null)) forwardedBy = event;
    subscribers.forEach((_, listener) => listener(event));
  }
}

/**
 * Calls `listener` with every click, submit and change of the document, those inside open shadow roots included,
 * each once. `found`, if given, hears of every root on the path of a document event (repeatedly: it tells known
 * ones apart). Returns the unsubscribe function.
 */
export function listenToInteractions(listener: Listener, found?: RootListener): () => void {
  // The window's own methods, on the document (dom.ts).
  if (!subscribers.size) for (const type of AT_DOCUMENT) addEventListener.call(document, type, heard, LISTEN);
  subscribers.set(listener, found);
  return () => {
    if (subscribers.delete(listener) && !subscribers.size) for (const type of AT_DOCUMENT) removeEventListener.call(document, type, heard, LISTEN);
  };
}
