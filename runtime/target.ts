// Describes the element an interaction happened on, as the `target` of a click, submit or change event.
import { closestComposed, composedParent, isShadowRoot } from './composed-tree.ts';
import { readRedaction, REDACTED, sanitize, type Redaction } from './redact.ts';
import { readText } from './text.ts';
import type { TargetContext } from './types.ts';

/** Longest target text sent. */
export const MAX_TEXT = 64;
/** Elements in the hierarchy, the target included; nearer ancestors are kept. */
export const MAX_LEVELS = 12;
/** Longest hierarchy string; levels are dropped from the top until it fits. */
export const MAX_HIERARCHY = 1000;
const MAX_ID = 128;
const MAX_CLASSES = 255;
const MAX_HREF = 512;
const MAX_ATTRIBUTES = 16;
const MAX_ATTRIBUTE_VALUE = 128;
const MAX_LEVEL_ID = 64;
const MAX_LEVEL_CLASSES = 3;
const MAX_LEVEL_CLASS = 40;

/** Attributes sent in `attributes`, besides every `data-*` one that is not `data-heap-*` markup. */
const ATTRIBUTES = new Set(['name', 'type', 'role', 'title', 'alt', 'aria-label', 'placeholder', 'for', 'action', 'method', 'target', 'rel']);
/** Attributes that carry text a visitor reads: `****` under `data-heap-redact-text`, absent when text capture is off. */
const TEXT_ATTRIBUTES = new Set(['aria-label', 'alt', 'title', 'placeholder']);
/** Labels read, in order, when an element has no text of its own (an icon). */
const LABELS = ['aria-label', 'alt', 'title'];
/** Ancestors whose text names a click on an icon inside them. */
const CONTROL = 'a[href],area[href],button,summary,label,[role="button"],[role="link"],[role="menuitem"],[role="tab"]';
const LINK = 'a[href],area[href]';
const NAMED_EVENT = 'data-heap-event';
const EDITABLE = '[contenteditable]:not([contenteditable="false" i])';
const LABELLED_INPUTS = new Set(['submit', 'button', 'reset']);

/** What `describeTarget` should include. */
export interface DescribeOptions {
  /** The redaction markup around the element (from `readRedaction`). */
  redaction: Redaction;
  /** Where the text comes from (the element for a click, the submitter for a submit); null sends none. */
  textFrom: Element | null;
  /** False when text capture is off: no text, and no text-bearing attributes. */
  text: boolean;
  /** Include the href of the element or of the link around it. */
  href: boolean;
}

/** Describes `el` for the wire: tag, id, classes, text, href, hierarchy and a few attributes, redacted and bounded. */
export function describeTarget(el: Element, options: DescribeOptions): TargetContext {
  const { redaction } = options;
  const hidden = redaction.attributes;
  const target: TargetContext = { tag: el.localName };
  const id = el.getAttribute('id');
  if (id) target.id = sanitize(id, MAX_ID);
  if (!hidden.has('class')) {
    const classes = (el.getAttribute('class') ?? '').trim().replace(/\s+/g, ' ');
    if (classes) target.classes = sanitize(classes, MAX_CLASSES);
  }
  if (options.text && options.textFrom) {
    const text = textOf(options.textFrom, options.textFrom === el ? redaction : readRedaction(options.textFrom));
    if (text) target.text = text;
  }
  if (options.href && !hidden.has('href')) {
    const href = closestComposed(el, LINK)?.getAttribute('href');
    if (href) target.href = sanitize(href, MAX_HREF);
  }
  target.hierarchy = hierarchyOf(el, redaction);
  const attributes = attributesOf(el, redaction, options.text);
  if (attributes) target.attributes = attributes;
  return target;
}

/** The text naming `el`: its own, else its label, else that of the control (button, link, ...) around it. */
function textOf(el: Element, redaction: Redaction): string | undefined {
  if (redaction.ignored) return undefined;
  if (redaction.text) return REDACTED;
  if (el.localName === 'input') {
    // Only buttons: their value attribute is the label the page wrote, never something typed.
    const type = (el.getAttribute('type') ?? '').toLowerCase();
    const label = LABELLED_INPUTS.has(type) ? el.getAttribute('value') : null;
    return label ? sanitize(label.trim(), MAX_TEXT) || undefined : undefined;
  }
  if (el.closest('select,datalist,textarea') || closestComposed(el, EDITABLE)) return undefined;
  let text = readText(el) || labelOf(el, redaction);
  if (!text) {
    const parent = composedParent(el);
    const control = parent && closestComposed(parent, CONTROL);
    if (control) text = readText(control) || labelOf(control, redaction);
  }
  return text ? sanitize(text, MAX_TEXT) || undefined : undefined;
}

function labelOf(el: Element, redaction: Redaction): string {
  for (const name of LABELS) {
    if (redaction.attributes.has(name)) continue;
    const value = el.getAttribute(name)?.replace(/\s+/g, ' ').trim();
    if (value) return value;
  }
  return '';
}

/** The attributes worth sending: the list above and `data-*`, never one whose name contains "value". */
function attributesOf(el: Element, redaction: Redaction, withText: boolean): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  let count = 0;
  const attrs = el.attributes;
  for (let i = 0; i < attrs.length && count < MAX_ATTRIBUTES; i++) {
    const { name, value } = attrs[i]!;
    if (!ATTRIBUTES.has(name) && !(name.startsWith('data-') && !name.startsWith('data-heap-'))) continue;
    if (name.includes('value') || redaction.attributes.has(name) || name.length > 64) continue;
    let sent: string;
    if (TEXT_ATTRIBUTES.has(name)) {
      if (!withText) continue;
      sent = redaction.text ? REDACTED : sanitize(value, MAX_ATTRIBUTE_VALUE);
    } else {
      sent = sanitize(value, MAX_ATTRIBUTE_VALUE);
    }
    (out ??= {})[name] = sent;
    count++;
  }
  // The markup event this click also fires (on the element or an ancestor), so the two can be joined.
  if (!redaction.attributes.has(NAMED_EVENT)) {
    const named = closestComposed(el, `[${NAMED_EVENT}]`)?.getAttribute(NAMED_EVENT);
    if (named) (out ??= {})[NAMED_EVENT] = sanitize(named, 255);
  }
  return out;
}

/**
 * The element's ancestry as a CSS-like path, outermost first: `div#app > ul.menu > li > a.item`.
 * ` >>> ` marks a step into a shadow root. Each level has the tag, the id and up to three classes.
 */
function hierarchyOf(el: Element, redaction: Redaction): string {
  const levels: string[] = [];
  const scopes = redaction.scopes;
  let scope = 0;
  let current: Element | null = el;
  for (let depth = 0; current && depth < MAX_LEVELS; depth++) {
    if (current.localName === 'html') break;
    let hideClasses = false;
    for (let i = scope; i < scopes.length && !hideClasses; i++) hideClasses = scopes[i]![1].has('class');
    levels.push(levelOf(current, hideClasses));
    if (scope < scopes.length && scopes[scope]![0] === current) scope++;
    const parent = composedParent(current);
    if (parent && parent.localName !== 'html') levels.push(isShadowRoot(current.parentNode) ? ' >>> ' : ' > ');
    current = parent;
  }
  if (levels.length % 2 === 0) levels.pop();
  let hierarchy = levels.reverse().join('');
  while (hierarchy.length > MAX_HIERARCHY && levels.length > 2) {
    levels.splice(0, 2);
    hierarchy = levels.join('');
  }
  return hierarchy.slice(0, MAX_HIERARCHY);
}

function levelOf(el: Element, hideClasses: boolean): string {
  let level = el.localName;
  const id = el.getAttribute('id');
  if (id) level += `#${sanitize(id, MAX_LEVEL_ID)}`;
  if (!hideClasses) {
    const raw = el.getAttribute('class');
    if (raw) {
      let taken = 0;
      for (const name of raw.split(/\s+/)) {
        if (!name) continue;
        level += `.${sanitize(name, MAX_LEVEL_CLASS)}`;
        if (++taken === MAX_LEVEL_CLASSES) break;
      }
    }
  }
  return level;
}
