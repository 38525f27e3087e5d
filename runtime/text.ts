// Reads the visible-ish text of an element with a fixed budget: no innerText (it forces layout),
// no unbounded textContent (a click on a page wrapper would copy the whole page).
import { attributeOf, isMatch, member, nodeTypeOf, tagOf } from './dom.ts';
import { IGNORE, REDACT_TEXT, REDACTED } from './redact.ts';

/** Most characters of raw text read before scrubbing; the sent text is cut much shorter later. */
const RAW_LIMIT = 256;

/**
 * Text inside these was typed (or chosen) by the visitor, or is ignored: never read. An `output`'s text is its value
 * (a total worked out from fields, a live preview of what was typed). Custom fields by their role
 * (`combobox`, `listbox`, `textbox`, `searchbox`: a custom select shows the chosen option, a list of suggestions
 * echoes what was typed; `spinbutton`: a custom number field or a date field's day, month or year shows the number
 * typed), not a `checkbox` or `menuitemcheckbox`, whose text is its label; and a select's button by
 * `aria-haspopup=listbox`, which some libraries give no role (Headless UI's Listbox). A role is a list of tokens the
 * browser compares in any case (`role="textbox "`, a template's leftover space, is a textbox): each is matched as a
 * part of the value, in any case. A list matches the same in any order: this one gzips best.
 */
export const TYPED = `select,datalist,textarea,output,${IGNORE},[aria-haspopup=listbox i],[role*=spin i],[role*=box i]:not([role*=check i]),[contenteditable]:not([contenteditable=false i])`;
/**
 * Besides, elements whose content is never text a visitor reads, and live regions: a screen reader's announcements,
 * often hidden (react-select's "option Red, selected."), not what names a click around them.
 */
const SKIPPED = `script,style,template,noscript,input,iframe,object,${TYPED},[aria-live]`;
/** A file input's label is a field too: pages write the chosen file's name there. */
export const fileLabel = (el: Element): boolean => tagOf(el) == 'label' && (el as { control?: HTMLInputElement }).control?.type == 'file';

/** Elements that separate words when rendered, so their text is joined with a space. */
const BLOCKS = /^(br|div|p|li|ul|ol|dt|dd|td|th|tr|table|h[1-6]|section|article|header|footer|nav|aside|main|form|fieldset|legend|option|figcaption)$/;

/**
 * Reads the text inside `root` (light DOM children, or a slot's assigned nodes), trimmed; the caller collapses
 * whitespace. Descendants with `data-heap-redact-text` read as `****`; ignored, editable and field content (a file
 * input's label too) is skipped. When the budget (200 nodes, 24 levels, 256 characters) ran out, the last (possibly partial) word
 * is dropped so no fragment leaks.
 */
export function readText(root: Element): string {
  let text = '';
  let visits = 0;

  // Once the budget is spent, this walk stops at its next node, and so does each walk it is in: the count and the
  // text only grow (the text by the spaces that close the elements it was in, no more).
  const visitChildren = (parent: Element, depth: number): void => {
    // As rendered: an open shadow root's content instead of the host's children, a slot's assigned nodes. The DOM's
    // `shadowRoot`: a form answers with its field of that name.
    const shadow: ShadowRoot | null = member(parent, 'shadowRoot');
    for (const node of tagOf(parent) === 'slot' ? (parent as HTMLSlotElement).assignedNodes({ flatten: true }) : shadow ? shadow.childNodes : (member(parent, 'childNodes') as NodeListOf<ChildNode>)) {
      if (++visits > 200 || text.length >= RAW_LIMIT) return;
      const type = nodeTypeOf(node);
      if (type === 3) text += (node as Text).data;
      else if (type === 1 && depth < 24) {
        const el = node as Element;
        if (isMatch(el, SKIPPED) || fileLabel(el)) continue;
        const block = BLOCKS.test(tagOf(el)) ? ' ' : '';
        text += block;
        if (attributeOf(el, REDACT_TEXT) !== null) text += ` ${REDACTED} `;
        else visitChildren(el, depth + 1);
        text += block;
      }
    }
  };

  visitChildren(root, 0);
  // When the budget ran out, the last word read may go on in what was not read: it is dropped, whatever follows it.
  return (visits > 200 || text.length >= RAW_LIMIT ? text.slice(0, RAW_LIMIT).replace(/\S*\s*$/, '') : text).trim();
}
