import { pathOf } from './composed-tree.ts';
import { composedParent, describeElement, EVENT, isElement, isShadowRoot, TRIGGER } from './markup-props.ts';
import { warnOnce } from './warn.ts';

/** What makes an annotated element send its event. */
export type Trigger = 'click' | 'submit' | 'change' | 'view' | 'load';

/** Each trigger alone, shared: most elements declare one trigger or none, and need no set of their own. */
const SINGLE = new Map<string, ReadonlySet<Trigger>>((['click', 'submit', 'change', 'view', 'load'] as const).map((t) => [t, new Set([t])]));
/** Inputs that never fire `change`: they are pressed, so they default to `click`. */
export const BUTTON_INPUTS: ReadonlySet<string> = new Set(['button', 'submit', 'reset', 'image']);

/** The trigger an element gets without `data-heap-trigger`: submit for forms, change for fields, click otherwise. */
export function defaultTrigger(el: Element): Trigger {
  const tag = el.localName;
  if (tag === 'form') return 'submit';
  return tag === 'select' || tag === 'textarea' || (tag === 'input' && !BUTTON_INPUTS.has((el.getAttribute('type') ?? '').toLowerCase())) ? 'change' : 'click';
}

/** The element's triggers: `data-heap-trigger` lists one or more (space or comma separated); unknown ones warn. */
export function triggersOf(el: Element): ReadonlySet<Trigger> {
  const raw = el.getAttribute(TRIGGER);
  const single = SINGLE.get(raw ?? defaultTrigger(el));
  if (single) return single;
  const out = new Set<Trigger>();
  for (const token of raw!.toLowerCase().split(/[\s,]+/)) {
    if (SINGLE.has(token)) out.add(token as Trigger);
    else if (token) warnOnce('markup-trigger-invalid', `${TRIGGER}="${raw!.slice(0, 40)}" on ${describeElement(el)} names an unknown trigger "${token.slice(0, 20)}" (use click, submit, change, view or load); it was ignored.`);
  }
  return out.size ? out : SINGLE.get(defaultTrigger(el))!;
}

/** The innermost annotated element on the event's path whose triggers include `trigger`, if any. */
export function findAnnotated(event: Event, trigger: Trigger): Element | null {
  // A submit button can carry the form's event itself, so it comes first.
  const submitter = (event as SubmitEvent).submitter;
  if (carries(submitter, trigger)) return submitter;
  const path = pathOf(event);
  for (const target of path) if (carries(target, trigger)) return target;
  // Submit and change stop at their shadow root: the walk carries on through the host's ancestors.
  const last = path[path.length - 1];
  for (let el = isShadowRoot(last) ? last.host : null; el; el = composedParent(el)) if (carries(el, trigger)) return el;
  return null;
}

const carries = (target: unknown, trigger: Trigger): target is Element => isElement(target) && target.hasAttribute(EVENT) && triggersOf(target).has(trigger);

/**
 * True for the click on a `<label>` whose control sits inside `annotated`: the browser follows it
 * with a click on the control, and counting both would count one press twice.
 */
export function isForwardedByLabel(event: Event, annotated: Element): boolean {
  const path = pathOf(event);
  for (const target of path) {
    if (target === annotated) return false;
    if (isElement(target) && target.localName === 'label') {
      const control = (target as HTMLLabelElement).control;
      return !!control && control !== path[0] && !(control as HTMLInputElement).disabled && annotated.contains(control);
    }
  }
  return false;
}

/** True when the click may leave the page (a link or a submit button), so queued events should leave first. */
export function mayNavigate(event: Event): boolean {
  for (const target of pathOf(event)) {
    if (!isElement(target)) continue;
    const tag = target.localName;
    if ((tag === 'a' || tag === 'area') && target.hasAttribute('href')) return true;
    if ((tag === 'button' || tag === 'input') && (target as HTMLButtonElement).type === 'submit' && (target as HTMLButtonElement).form) return true;
  }
  return false;
}
