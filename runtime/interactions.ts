// Click, submit and change autocapture: the shared listeners of shadow-roots.ts, nothing per element.
import { pathOf, rootsOf } from './composed-tree.ts';
import { attributeOf, tagOf } from './dom.ts';
import type { HeapRuntime } from './load.ts';
import { isElement } from './markup-props.ts';
import { forwarded, forwardedBy, listenToInteractions, nested } from './shadow-roots.ts';
import { readTarget } from './target.ts';
import { typedFields } from './typed-params.ts';
import { errorOnce } from './warn.ts';

/** The interaction kinds autocapture records, as event types. */
export type InteractionKind = 'click' | 'submit' | 'change';

/** Which interactions to capture, and whether their text may be sent. */
export type InteractionSettings = Record<InteractionKind | 'text', boolean>;

/** Captures clicks, submits and changes on any element of the document (open shadow roots included); returns the stop function. */
export function captureInteractions(runtime: HeapRuntime, settings: InteractionSettings): () => void {
  /** The control a label click is about to forward a click to: that second click is the same press. */
  let forwardedTo: Element | null | undefined;
  const record = (event: Event) => {
    try {
      // A middle click on a link (shadow-roots.ts) is a click.
      const kind = event.type.replace('aux', '') as InteractionKind;
      const click = kind === 'click';
      // Whatever the settings: a GET form's typed fields are masked in the addresses it leads to. Learned before the
      // submit is captured, which runs the navigation check a page's earlier listener may have made due (a pushState).
      if (kind === 'submit') runtime.core.typed(typedFields(event as SubmitEvent));
      if (!settings[kind]) return;
      // Inside open shadow roots, the real target; for closed ones, the host. A node type, not instanceof: an element
      // another frame's document made is an element too.
      const first = pathOf(event)[0] as Node;
      const el = isElement(first) ? first : first.parentElement;
      if (!el) return;
      if (click) {
        // The control's first click since the label's. Only a click with a control to forward to replaces the record: one the
        // page's handler on the label makes on another element comes before the forwarded click. None when the page cancelled
        // the label's click: read now, after all its listeners, ours and any registered after ours.
        if (forwardedTo === el && !forwardedBy.defaultPrevented) return (forwardedTo = null);
        // A click a page's handler makes while the visitor's is being dispatched is that press again (shadow-roots.ts).
        if (nested) return;
        if (forwarded) {
          forwardedTo = forwarded;
          setTimeout(() => (forwardedTo = null));
        }
      }
      // Password and card fields say nothing about themselves; the form they are in may still be submitted. Those are
      // `<input type="password">`, and any element whose `autocomplete` has a token starting with `cc-` or equal to
      // `current-password`, `new-password` or `one-time-code`.
      if (
        kind !== 'submit' &&
        ((tagOf(el) === 'input' && /^\s*password\s*$/i.test(attributeOf(el, 'type')!)) ||
          /(^|\s)(cc-|((current|new)-password|one-time-code)(?!\S))/i.test(attributeOf(el, 'autocomplete')!))
      ) {
        return;
      }
      // The text of a click is the element's, of a submit the submitter's; a change has none (`submitter` is undefined).
      const build = readTarget(el, click ? el : (event as SubmitEvent).submitter, settings.text, !rootsOf(event).length);
      // The event takes its place in order now; its target is completed when the runtime finishes the event, in
      // a microtask (for a real click, before the page's own handlers run), or at once if the page flushes first.
      // A description that fails still sends the event (readTarget's builder catches).
      if (build) runtime.core.capture(kind, undefined, {}, build);
    } catch (err) {
      // One code with the builder's failure, so the cause is reported once.
      errorOnce('autocapture-event-failed', 'an interaction could not be captured; the page is unaffected.', err);
    }
  };
  // Every kind, shadow roots included: the markup tracker hears them all anyway, and `record` skips the kinds switched off.
  return listenToInteractions(record);
}
