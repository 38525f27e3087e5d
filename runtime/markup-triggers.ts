import { attributeOf, tagOf } from './dom.ts';
import { describeElement, summarize, TRIGGER } from './markup-props.ts';
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
export const defaultTrigger = (el: Element): Trigger => {
  const tag = tagOf(el);
  if (tag === 'form') return 'submit';
  // An input's `type` is its attribute as the browser understood it: lower case, "text" when missing or unknown.
  return tag === 'select' || tag === 'textarea' || (tag === 'input' && !BUTTON_INPUTS.has((el as HTMLInputElement).type)) ? 'change' : 'click';
};

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
