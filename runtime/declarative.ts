import { attributeOf, documentText, tagOf } from './dom.ts';
import type { HeapRuntime } from './load.ts';
import { createPageviewMarkup } from './markup-pageview.ts';
import { EVENT, ONCE, PAGEVIEW, PAGEVIEW_PROPS, readEventName, readEventProps, VIEW_REPEAT } from './markup-props.ts';
import { createRoots } from './markup-roots.ts';
import { probe } from './markup-stats.ts';
import { findSender, triggersOf } from './markup-triggers.ts';
import { createViewTracker } from './markup-view.ts';
import type { TargetContext } from './types.ts';
import { sanitize } from './redact.ts';
import { cleanProps, MAX_VALUE } from './validate.ts';
import { errorOnce } from './warn.ts';

/** Reports a failure of markup handling once; each handler catches for itself, so that none reaches the page. */
const failed = (err: unknown) => errorOnce('markup-failed', 'markup tracking failed for one element or event; the page is unaffected.', err);

/** Turns data-heap-* markup into track and pageview calls; returns the function that stops watching. */
export const observeMarkup = (runtime: HeapRuntime): (() => void) => {
  // Only started with a document (features.ts): no MutationObserver, no markup tracking.
  if (typeof MutationObserver !== 'function') return () => {};
  /** Elements that sent an event, for `data-heap-once`. */
  const fired = new WeakSet<Element>();
  /** Present `load` elements, by the event name they sent: a new name is a new annotation. */
  const loaded = new WeakMap<Element, string>();
  /** `view` elements already seen (and not repeating), by event name. */
  const viewed = new WeakMap<Element, string | null>();
  let booting = true;
  probe?.start(runtime);

  const send = (el: Element, navigating?: boolean) => {
    if (fired.has(el) && attributeOf(el, ONCE) !== null) return;
    // Name and properties come checked and cut to the limits as they were read, with the markup's own warnings.
    const name = readEventName(el);
    if (name === null) return;
    // Only the count per event is left: the API's cap applies (a plain object, so never undefined). The rest it
    // checks again passes as it is, with no warning; and its object is plain and readable, so no call name is needed.
    const properties = cleanProps(readEventProps(el))!;
    fired.add(el);
    // Which element, never what is in it: no text, no value.
    const target: TargetContext = { tag: tagOf(el) };
    const id = attributeOf(el, 'id');
    // Cut as a property value is, emails and card numbers scrubbed as in an autocaptured click's target.
    if (id) target.id = sanitize(id, MAX_VALUE - 1);
    runtime.core.capture('track', name, properties, target);
    // A link or a form may take the page away: hand the event to a keepalive request now.
    if (navigating) runtime.flush();
  };

  const [watchView, unwatchView, stopViews] = createViewTracker((el) => {
    try {
      send(el);
      if (attributeOf(el, VIEW_REPEAT) !== null && attributeOf(el, ONCE) === null) return true;
      viewed.set(el, attributeOf(el, EVENT));
    } catch (err) {
      failed(err);
    }
  });
  const [updatePageview, leavePageview, stopPageviews] = createPageviewMarkup(runtime);

  /** Elements whose load event waits for the elements read with them (onUpdate). */
  const loads: Element[] = [];
  const sendLoads = () => {
    for (const el of loads.splice(0)) {
      try {
        send(el);
      } catch (err) {
        failed(err);
      }
    }
  };

  // Read as the DOM defines it: an image named `readyState` would answer (dom.ts), and the pageview markup parsed
  // while the page loads would send a second pageview.
  const atBoot = () => booting || documentText('readyState') === 'loading';

  // Every handler catches for itself, without a closure per call: the roots call two of them for every click and every added element.
  const onEvent = (event: Event) => {
    try {
      const sender = findSender(event);
      if (sender) send(...sender);
    } catch (err) {
      failed(err);
    }
  };

  // Both sides bring themselves in line with the attributes, so the one an edit did not touch changes nothing. An
  // element that appeared needs neither without their attributes (most have none).
  const onUpdate = (el: Element, appeared?: boolean) => {
    try {
      // The element's view and load tracking, in line with its current attributes.
      if (!appeared || attributeOf(el, EVENT) !== null) {
        const name = attributeOf(el, EVENT);
        // No event name, no triggers.
        const triggers = name === null ? undefined : triggersOf(el);
        if (triggers?.includes('view') && viewed.get(el) !== name) watchView(el);
        else unwatchView(el);
        if (!triggers?.includes('load')) loaded.delete(el);
        else if (loaded.get(el) !== name) {
          loaded.set(el, name!);
          // Sent once every element of the page or of the insertion is read: pageview markup after it in the tree (a
          // template's data-heap-pageview-props on <main>, the element's own data-heap-pageview) applies to it too.
          if (loads.push(el) === 1) queueMicrotask(sendLoads);
        }
      }
      if (!appeared || attributeOf(el, PAGEVIEW) !== null || attributeOf(el, PAGEVIEW_PROPS) !== null) updatePageview(el, appeared && atBoot());
    } catch (err) {
      failed(err);
    }
  };

  const onLeave = (el: Element) => {
    unwatchView(el);
    loaded.delete(el);
    leavePageview(el);
  };

  const [addRoot, stopRoots] = createRoots(onEvent, onUpdate, onLeave);

  // The first scan waits a microtask, so that the element's identity attribute applies before boot-time events.
  // Stopped roots add nothing: stopping before it needs no check here.
  queueMicrotask(() => {
    try {
      addRoot(document);
    } catch (err) {
      failed(err);
    }
    // The page's load events, in this task still: ahead of what the page does once the tracker is ready.
    sendLoads();
    booting = false;
  });

  return () => {
    stopRoots();
    stopViews();
    stopPageviews();
    probe?.stop(runtime);
  };
};
