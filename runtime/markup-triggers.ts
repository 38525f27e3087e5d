import { flatParent, pathOf, rootsOf } from './composed-tree.ts';
import { attributeOf, call, isMatch, tagOf } from './dom.ts';
import { describeElement, EVENT, isElement, summarize, TRIGGER } from './markup-props.ts';
import { forwarded } from './shadow-roots.ts';
import { LINK } from './target.ts';
import { warnOnce } from './warn.ts';

/** What makes an annotated element send its event. */
export type Trigger = 'click' | 'submit' | 'change' | 'view' | 'load';

/**
 * The triggers `data-heap-trigger` may name, each alone, shared: most elements declare one trigger or none, and need
 * no list or parse of their own (parsing each cost about a third more script when 10,000 annotated elements were inserted).
 */
const SINGLE = new Map<string, Trigger[]>((['click', 'submit', 'change', 'view', 'load'] as const).map((t) => [t, [t]]));
/** Inputs that never fire `change`: they are pressed, so they default to `click`. */
export const BUTTON_INPUTS: ReadonlySet<string> = new Set(['button', 'submit', 'reset', 'image']);

/** The trigger an element gets without `data-heap-trigger`: submit for forms, change for fields, click otherwise. */
export function defaultTrigger(el: Element): Trigger {
  const tag = tagOf(el);
  if (tag === 'form') return 'submit';
  // An input's `type` is its attribute as the browser understood it: lower case, "text" when missing or unknown.
  return tag === 'select' || tag === 'textarea' || (tag === 'input' && !BUTTON_INPUTS.has((el as HTMLInputElement).type)) ? 'change' : 'click';
}

/** The element's triggers: `data-heap-trigger` lists one or more (space or comma separated); unknown ones warn. */
export const triggersOf = (el: Element): readonly Trigger[] => {
  const raw = attributeOf(el, TRIGGER);
  // A warning is no trigger: the unknown word is left out. None (no attribute, or no known word), the default.
  // An empty attribute (no word) is none too.
  const out =
    raw &&
    (SINGLE.get(raw) ||
      (raw.toLowerCase().split(/[\s,]+/).filter(
        (token) =>
          SINGLE.has(token) ||
          (token && warnOnce('markup-trigger-invalid', `data-heap-trigger=${summarize(raw)} on ${describeElement(el)} names an unknown trigger ${summarize(token)} (use click, submit, change, view or load); it was ignored.`)),
      ) as Trigger[]));
  // The default is read in one place, so that the build inlines it.
  return out?.length ? (out as Trigger[]) : SINGLE.get(defaultTrigger(el))!;
};

/** The control a label's click may be forwarded to next, when the element that click sent from holds it. */
let forwardedTo: Element | null | undefined;

/**
 * The annotated element a DOM event sends from (the innermost on its path whose triggers include the event's type),
 * and whether the page may leave with it: a submit, or a click in a link or on a submit button (queued events
 * should leave first). Nothing when nothing sends, and for the click the browser forwards to a label's control
 * after a click through the `<label>` (on it, or on anything in it, the element or what the element holds) when
 * the control sits inside the element that click sent from: counting both would count one press twice. The
 * label's own click sends: the browser may forward nothing (the page cancelled it, the field is disabled by its
 * fieldset, the click was on a link in the label).
 */
export function findSender(event: Event): [Element, boolean] | null | undefined {
  const trigger = event.type as Trigger;
  // Most events find nothing: that walk is all they cost.
  const path = pathOf(event);
  const sends = (target: unknown): target is Element => isElement(target) && attributeOf(target, EVENT) !== null && triggersOf(target).includes(trigger);
  // A submit button can carry the form's event itself, so it comes first (it is not on the path; other events have none).
  let found: Element | null | undefined = (event as SubmitEvent).submitter;
  // Then the path's first element and those it is rendered in, as the path goes (through the slots it is assigned to)
  // and beyond: submit and change stop at their shadow root, and the search carries on through the host's ancestors.
  // With no shadow root on the path, these are its ancestors, and one native call jumps to the next annotated one.
  if (!sends(found)) for (found = path.find(isElement); found && (rootsOf(event).length || (found = call(found, 'closest', `[${EVENT}]`))) && !sends(found); found = flatParent(found));
  if (!found || trigger !== 'click') return found && [found, trigger === 'submit'];
  // The click forwarded after a label's: not cleared when matched, as every runtime's tracker asks about the same click.
  if (forwardedTo === path[0]) return;
  // The control of the label the click went through (shadow-roots.ts found it for every listener), if any, one around
  // the element too: a click on the element inside a label is forwarded to the label's control as well, within this task.
  if (call(found, 'contains', forwarded)) {
    forwardedTo = forwarded;
    setTimeout(() => (forwardedTo = null));
  }
  // The page may leave with a click on or in a link, or a form's submit button. Of the elements with a form owner,
  // only buttons and inputs have the type "submit" (an `<object type="submit">` would merely flush early).
  return [found, path.some((target) => isElement(target) && (isMatch(target, LINK) || ((target as HTMLButtonElement).type === 'submit' && (target as HTMLButtonElement).form)))];
}

