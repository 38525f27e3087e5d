import { flatParent, pathOf, rootsOf } from './composed-tree.ts';
import { attributeOf, call, documentText, isMatch, tagOf } from './dom.ts';
import type { HeapRuntime } from './load.ts';
import { createPageviewMarkup } from './markup-pageview.ts';
import { EVENT, isElement, ONCE, PAGEVIEW, PAGEVIEW_PROPS, readEventName, readEventProps, VIEW_REPEAT } from './markup-props.ts';
import { createRoots } from './markup-roots.ts';
import { probe } from './markup-stats.ts';
import { triggersOf, type Trigger } from './markup-triggers.ts';
import { createViewTracker } from './markup-view.ts';
import type { TargetContext } from './types.ts';
import { sanitize } from './redact.ts';
import { forwarded, forwardedBy, nested } from './shadow-roots.ts';
import { LINK } from './target.ts';
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
  /** The control a label's click may be forwarded to next, when the element that click sent from holds it. */
  let forwardedTo: Element | null | undefined;
  let booted: true | undefined;
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
  const atBoot = () => !booted || documentText('readyState') === 'loading';

  // Every handler catches for itself, without a closure per call: the roots call two of them for every click and every added element.
  // The annotated element a DOM event sends from (the innermost on its path whose triggers include the event's type),
  // and whether the page may leave with it: a submit, or a click in a link or on a submit button (queued events
  // should leave first). Nothing when nothing sends, and for the click the browser forwards to a label's control
  // after a click through the `<label>` (on it, or on anything in it, the element or what the element holds) when
  // the control sits inside the element that click sent from: counting both would count one press twice. The
  // label's own click sends: the browser may forward nothing (the page cancelled it, the field is disabled by its
  // fieldset, the click was on a link in the label).
  const onEvent = (event: Event) => {
    try {
      // A middle click on a link (shadow-roots.ts) is a click.
      const trigger = event.type.replace('aux', '') as Trigger;
      // Most events find nothing: that walk is all they cost.
      const path = pathOf(event);
      // An empty name (a template's unfilled field) sends nothing: the element is no annotated one, and the one around it sends.
      const sends = (target: unknown): target is Element => isElement(target) && !!readEventName(target) && triggersOf(target).includes(trigger);
      // A submit button can carry the form's event itself, so it comes first (it is not on the path; other events have none).
      let found: Element | null | undefined = (event as SubmitEvent).submitter;
      // Then the path's first element and those it is rendered in, as the path goes (through the slots it is assigned to)
      // and beyond: submit and change stop at their shadow root, and the search carries on through the host's ancestors.
      // With no shadow root on the path, these are its ancestors, and one native call jumps to the next annotated one.
      if (!sends(found)) for (found = path.find(isElement); found && (rootsOf(event).length || (found = call(found, 'closest', `[${EVENT}]`))) && !sends(found); found = flatParent(found));
      if (!found) return;
      if (trigger !== 'click') return send(found, trigger === 'submit');
      // The click forwarded after a label's, once: the page's own click on the control, next in this task, is a press.
      if (forwardedTo === path[0] && !forwardedBy.defaultPrevented) return (forwardedTo = null);
      // A click a page's handler makes while the visitor's is being dispatched (a card's handler calling `link.click()`
      // in it) is that press again (shadow-roots.ts): an element on the press's path sent for it already, or one inside.
      if (nested?.composedPath().includes(found)) return;
      // The control of the label the click went through (shadow-roots.ts found it for every listener), if any, one around
      // the element too: a click on the element inside a label is forwarded to the label's control as well, within this task.
      if (call(found, 'contains', forwarded)) {
        forwardedTo = forwarded;
        setTimeout(() => (forwardedTo = null));
      }
      // The page may leave with a click on or in a link, or a form's submit button. Of the elements with a form owner,
      // only buttons and inputs have the type "submit" (an `<object type="submit">` would merely flush early).
      send(found, path.some((target) => isElement(target) && (isMatch(target, LINK) || ((target as HTMLButtonElement).type === 'submit' && (target as HTMLButtonElement).form))));
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
        const triggers = name === null ? [] : triggersOf(el);
        (triggers.includes('view') && viewed.get(el) !== name ? watchView : unwatchView)(el);
        if (!triggers.includes('load')) loaded.delete(el);
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
  // On a prerendered page it waits until the visitor opens it (the visitor may never do so): no pageview, load or
  // view event before, and the markup read then is the page's as it is opened, as the boot pageview (load.ts).
  // Stopped roots add nothing: stopping before it needs no check here.
  const boot = () => {
    try {
      addRoot(document);
    } catch (err) {
      failed(err);
    }
    // The page's load events, in this task still: ahead of what the page does once the tracker is ready.
    sendLoads();
    booted = true;
  };
  (documentText as (name: string) => unknown)('prerendering') ? addEventListener.call(document, 'prerenderingchange', boot) : queueMicrotask(boot);

  return () => {
    stopRoots();
    stopViews();
    stopPageviews();
    probe?.stop(runtime);
  };
};
