// Click, submit and change autocapture: one capturing listener per type on document, nothing per element.
import type { HeapRuntime } from './load.ts';
import { isSensitiveField, readRedaction } from './redact.ts';
import { listenInShadowRoots } from './shadow-roots.ts';
import { describeTarget } from './target.ts';
import { errorOnce } from './warn.ts';

/** The interaction kinds autocapture records, as event types. */
export type InteractionKind = 'click' | 'submit' | 'change';

/** Which interactions to capture, and whether their text may be sent. */
export interface InteractionSettings {
  click: boolean;
  submit: boolean;
  change: boolean;
  text: boolean;
}

/** Captures clicks, submits and changes on any element of the document (open shadow roots included); returns the stop function. */
export function captureInteractions(runtime: HeapRuntime, settings: InteractionSettings): () => void {
  /** The control a label click is about to forward a click to: that second click is the same press. */
  let forwardedTo: Element | null = null;
  /** Events already recorded: one may come both from a shadow root and from document. */
  const handled = new WeakSet<Event>();
  const record = (event: Event) => {
    try {
      const kind = event.type as InteractionKind;
      if (!settings[kind] || handled.has(event)) return;
      handled.add(event);
      const el = targetOf(event);
      if (!el) return;
      if (kind === 'click') {
        const forwarded = forwardedTo === el;
        forwardedTo = forwardTarget(el);
        if (forwardedTo) setTimeout(() => (forwardedTo = null), 0);
        if (forwarded) return;
      }
      // Password and card fields say nothing about themselves; the form they are in may still be submitted.
      if (kind !== 'submit' && isSensitiveField(el)) return;
      const redaction = readRedaction(el);
      if (redaction.ignored) return;
      const textFrom = kind === 'click' ? el : kind === 'submit' ? submitterOf(event) : null;
      const target = describeTarget(el, { redaction, textFrom, text: settings.text, href: kind === 'click' });
      runtime.core.capture(kind, undefined, {}, { target });
    } catch (err) {
      errorOnce('autocapture-event-failed', 'an interaction could not be captured; the page is unaffected.', err);
    }
  };
  const options = { capture: true, passive: true };
  const types = (['click', 'submit', 'change'] as const).filter((type) => settings[type]);
  for (const type of types) document.addEventListener(type, record, options);
  const stopShadow = settings.submit || settings.change ? listenInShadowRoots(record) : () => {};
  return () => {
    for (const type of types) document.removeEventListener(type, record, options);
    stopShadow();
  };
}

/** The element the interaction happened on: inside open shadow roots, the real one; for closed ones, the host. */
function targetOf(event: Event): Element | null {
  const first = (event.composedPath()[0] ?? event.target) as Node | null;
  if (!first) return null;
  if (first.nodeType === 1) return first as Element;
  return first.nodeType === 3 ? first.parentElement : null;
}

/** The control a click on `el` inside a `<label>` makes the browser click next, if any. */
function forwardTarget(el: Element): Element | null {
  const label = el.closest('label');
  const control = label ? (label as HTMLLabelElement).control : null;
  if (!control || control === el || control.contains(el) || (control as HTMLInputElement).disabled) return null;
  return control;
}

function submitterOf(event: Event): Element | null {
  return (event as SubmitEvent).submitter ?? null;
}
