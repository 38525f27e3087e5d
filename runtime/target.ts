// Describes the element an interaction happened on, as the `target` of a click, submit or change event.
import { closestComposed, composedParent, isShadowRoot } from './composed-tree.ts';
import { PRIVACY_MARKUP, readRedaction, REDACTED, sanitize } from './redact.ts';
import { readText, UNREAD } from './text.ts';
import type { TargetContext } from './types.ts';

/** Longest target text sent. */
export const MAX_TEXT = 64;
/** Elements in the hierarchy, the target included; nearer ancestors are kept. */
export const MAX_LEVELS = 12;
/** Longest hierarchy string; levels are dropped from the top until it fits. */
export const MAX_HIERARCHY = 1000;

/**
 * Attributes sent in `attributes`: a short list, and every `data-*` one that is not `data-heap-*` markup. The
 * first group catches those that carry text a visitor reads: `****` under `data-heap-redact-text`, absent when
 * text capture is off.
 */
const SENT = /^(?:(aria-label|alt|title|placeholder)|name|type|role|for|action|method|target|rel|data-(?!heap-).*)$/;
/** Ancestors whose text names a click on an icon inside them. */
const CONTROL = 'a[href],area[href],button,summary,label,[role=button],[role=link],[role=menuitem],[role=tab]';
const LINK = 'a[href],area[href]';
const NAMED = 'data-heap-event';
/** Text inside these was typed (or chosen) by the visitor: never read. */
const TYPED = `select,datalist,textarea,${UNREAD}`;
/** Everything a target's description looks for around it: a constant, so the engine parses it once. */
const AROUND = `${PRIVACY_MARKUP},${LINK},[${NAMED}],${TYPED}`;

/** What a target description includes. */
export interface TargetOptions {
  /** Where the text comes from (the element for a click, the submitter for a submit); null sends none. */
  textFrom: Element | null;
  /** False when text capture is off: no text, and no text-bearing attributes. */
  text: boolean;
  /** Include the href of the element or of the link around it. */
  href: boolean;
}

/**
 * Reads on the caller's stack what must be as it is at the interaction (the redaction markup, the ancestry with
 * its ids and classes, the link and markup event around, whether the text may be read at all) and returns the
 * function that builds the description from it: text, attributes, scrubbing and bounds, which can run a moment
 * later. Null when `heap-ignore` covers the element: nothing is captured.
 */
export function readTarget(el: Element, options: TargetOptions): (() => TargetContext) | null {
  // One native walk finds nothing of interest around in the common case.
  const around = closestComposed(el, AROUND);
  const redaction = around ? readRedaction(el) : { attributes: new Set<string>() };
  if (!redaction) return null;
  const hidden = redaction.attributes;
  // Per level, innermost first: tag, id, classes (null when redacted), the step up to the parent.
  const chain: (string | null)[] = [];
  let hideClasses = !!redaction.classesUpTo;
  for (let level: Element | null = el, n = 0; level && n < MAX_LEVELS && level.localName !== 'html'; n++) {
    const up: ParentNode | null = level.parentNode;
    const intoShadow = isShadowRoot(up);
    chain.push(level.localName, level.getAttribute('id'), hideClasses ? null : level.getAttribute('class'), intoShadow ? ' >>> ' : ' > ');
    if (level === redaction.classesUpTo) hideClasses = false;
    level = intoShadow ? up.host : up?.nodeType === 1 ? (up as Element) : null;
  }
  const href = around && options.href && !hidden.has('href') ? closestComposed(el, LINK)?.getAttribute('href') : null;
  const named = around && !hidden.has(NAMED) ? closestComposed(el, '[data-heap-event]')?.getAttribute(NAMED) : null;
  let from = options.text ? options.textFrom : null;
  const fromRedaction = from === el ? redaction : from && readRedaction(from);
  if (!fromRedaction || (!fromRedaction.text && from!.localName !== 'input' && (from !== el || around) && closestComposed(from!, TYPED))) from = null;

  return () => {
    const target: TargetContext = { tag: el.localName };
    const [, id, classes] = chain;
    if (id) target.id = sanitize(id, 128);
    const collapsed = classes?.trim().replace(/\s+/g, ' ');
    if (collapsed) target.classes = sanitize(collapsed, 255);
    const text = from && (fromRedaction!.text ? REDACTED : sanitize(textOf(from, fromRedaction!.attributes).trim(), MAX_TEXT));
    if (text) target.text = text;
    if (href) target.href = sanitize(href, 512);
    target.hierarchy = hierarchyOf(chain);
    // The attributes worth sending: the list above and `data-*`, never one whose name contains "value".
    let count = 0;
    for (const name of el.getAttributeNames()) {
      const sent = SENT.exec(name);
      if (!sent || name.includes('value') || name.length > 64 || hidden.has(name) || (sent[1] && !options.text)) continue;
      (target.attributes ??= {})[name] = sent[1] && redaction.text ? REDACTED : sanitize(el.getAttribute(name)!, 128);
      if (++count === 16) break;
    }
    // The markup event this click also fires (on the element or an ancestor), so the two can be joined.
    if (named) (target.attributes ??= {})[NAMED] = sanitize(named, 255);
    return target;
  };
}

/** Describes `el` for the wire at once: tag, id, classes, text, href, hierarchy and a few attributes, redacted and bounded. */
export const describeTarget = (el: Element, options: TargetOptions): TargetContext | undefined => readTarget(el, options)?.();

/** The text naming `el`: its own, else its label, else that of the control (button, link, ...) around it. */
function textOf(el: Element, hidden: Set<string>): string {
  // Only buttons: their value attribute is the label the page wrote, never something typed.
  if (el.localName === 'input') return (/^(submit|button|reset)$/i.test(el.getAttribute('type')!) && el.getAttribute('value')) || '';
  // An element with no text of its own (an icon) is named by these, in this order.
  const own = (of: Element) =>
    readText(of) || ['aria-label', 'alt', 'title'].map((name) => !hidden.has(name) && of.getAttribute(name)?.replace(/\s+/g, ' ').trim()).find(Boolean);
  const text = own(el);
  if (text) return text;
  const parent = composedParent(el);
  const control = parent && closestComposed(parent, CONTROL);
  return (control && own(control)) || '';
}

/**
 * The ancestry as a CSS-like path, outermost first: `div#app > ul.menu > li > a.item`. ` >>> ` marks a step
 * into a shadow root. Each level has the tag, the id and up to three classes; outer levels that do not fit are left out.
 */
function hierarchyOf(chain: (string | null)[]): string {
  let hierarchy = '';
  for (let i = 0; i < chain.length; i += 4) {
    const id = chain[i + 1];
    let level = chain[i]! + (id ? `#${sanitize(id, 64)}` : '');
    for (const name of chain[i + 2]?.trim().split(/\s+/, 3) ?? []) if (name) level += `.${sanitize(name, 40)}`;
    const longer = i ? level + chain[i - 1] + hierarchy : level;
    if (i && longer.length > MAX_HIERARCHY) break;
    hierarchy = longer;
  }
  return hierarchy.slice(0, MAX_HIERARCHY);
}
