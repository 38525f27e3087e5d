// Describes the element an interaction happened on, as the `target` of a click, submit or change event.
import { composedParent, flatParent } from './composed-tree.ts';
import { attributeOf, call, isMatch, member, parentOf, tagOf } from './dom.ts';
import { EVENT as NAMED } from './markup-props.ts';
import { IGNORE, REDACT_TEXT, REDACTED, sanitize } from './redact.ts';
import { fileLabel, readText, TYPED } from './text.ts';
import { maskTyped } from './typed-params.ts';
import type { TargetContext } from './types.ts';
import { errorOnce } from './warn.ts';

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
/** Links: a click in one may take the page away. SVG links written with `xlink:href` (older exports) too, which `a[href]` misses. */
export const LINK = ':any-link';
/** Ancestors whose text names a click on an icon inside them. */
const CONTROL = `${LINK},button,summary,label,[role=button],[role=link],[role=menuitem],[role=tab]`;
const REDACT_ATTRIBUTES = 'data-heap-redact-attributes';
/**
 * Every element a target's description cares about around it, and a few more: each of `TYPED`, `CONTROL` (links
 * included) and the markup below, in fewer and simpler selectors (any `href`, `role`, `contenteditable` or `aria-haspopup`), as it is
 * tested on every ancestor of every click and each selector costs there; the loop tests each exactly. A constant,
 * so the engine parses it once. The same in any order: this one gzips best.
 */
const AROUND = `select,datalist,textarea,output,${IGNORE},[${NAMED}],[${REDACT_ATTRIBUTES}],[${REDACT_TEXT}],[href],[contenteditable],button,summary,label,[role],[aria-haspopup]`;

/**
 * What the markup on an element and its ancestors says about describing it, as a tuple (its members' names would
 * ship): the attributes named by `data-heap-redact-attributes` there (lower case); whether `data-heap-redact-text` is
 * there; the nearest field, `select` or editable region it is in or is (the text there is the visitor's); the
 * outermost element whose `data-heap-redact-attributes` lists `class` (classes are hidden up to it); the href of the
 * nearest link and the event name of the nearest `[data-heap-event]` element (the element itself included); the
 * nearest control (button, link, ...) around the element, not the element itself (its text names an icon in it).
 */
type Around = [hidden: Set<string>, redacted?: boolean, typed?: Element, classesUpTo?: Element, href?: string | null, named?: string | null, control?: Element];

/**
 * Reads the markup on `el` and the elements it is rendered in, across shadow roots and through the slots it is
 * assigned to (as the click's path goes); null when `heap-ignore` is there (capture nothing). `light` says those are
 * its ancestors (no shadow root on the click's path, so nothing on the way is slotted or in a shadow root): the
 * walk jumps from one element that matters to the next instead of testing every level.
 */
function readAround(el: Element, light?: boolean): Around | null {
  const hidden = new Set<string>();
  let redacted, typed, classesUpTo, href, named, control;
  // In the light DOM, each step is one native call for the levels that match nothing: the nearest element `AROUND` matches.
  for (let node: Element | null = el; node && (!light || (node = call(node, 'closest', AROUND))); node = light ? member(node, 'parentElement') : flatParent(node)) {
    if (!light && !isMatch(node, AROUND)) continue;
    // `TYPED` includes `heap-ignore`: one test for most elements, which are neither.
    if (isMatch(node, TYPED) || fileLabel(node)) {
      if (isMatch(node, IGNORE)) return null;
      typed ??= node;
    }
    redacted ||= attributeOf(node, REDACT_TEXT) !== null;
    // `id` may be listed but is never redacted (it is how events are defined): it is not among the names looked up.
    for (const part of attributeOf(node, REDACT_ATTRIBUTES)?.split(',') ?? []) {
      const name = part.trim().toLowerCase();
      if (name === 'class') classesUpTo = node;
      hidden.add(name);
    }
    if (isMatch(node, LINK)) href ??= attributeOf(node, 'href');
    if (node !== el && isMatch(node, CONTROL)) control ??= node;
    // Null until an element with the attribute is met: the nearest one names the event.
    named ??= attributeOf(node, NAMED);
  }
  return [hidden, redacted, typed, classesUpTo, href, named, control];
}

/**
 * Reads on the caller's stack what must be as it is at the interaction (the markup around, the ancestry with its
 * ids and classes, the link and markup event around, whether the text may be read at all) and returns the
 * function that builds the description from it: text, attributes, scrubbing and bounds, which can run a moment
 * later. `from` is where the text comes from (the element for a click, the submitter for a submit): only a click,
 * on its own element, sends the link's href. `text` is false when text capture is off (no text, no text-bearing
 * attributes). Null when `heap-ignore` covers the element: nothing is captured.
 */
export function readTarget(el: Element, from: Element | null | undefined, text: boolean, light?: boolean): (() => TargetContext) | null {
  const around = readAround(el, light);
  if (!around) return null;
  // Members are read by position: destructuring walks an iterator, which costs on a click's first, cold runs.
  const hidden = around[0];
  // Per level, innermost first: tag, id, classes (null when redacted), the step up to the parent.
  const chain: (string | null)[] = [];
  // Classes are hidden from the element up to this one.
  let hideUpTo = around[3];
  // The root element (`html`, whose parent is the document) ends the walk without a level of its own, unless it is
  // the element itself (a click in the page's margin, below a short body): no tag is read just to find it. The top
  // of a tree the page took out of the document before this listener ran is a level like any other.
  for (let level: Element | null = el, up; level && chain.length < MAX_LEVELS * 4 && ((up = composedParent(level)) || level === el || !level.isConnected); level = up) {
    // Not the parent node: the step from a shadow root to its host.
    chain.push(tagOf(level), attributeOf(level, 'id'), hideUpTo ? null : attributeOf(level, 'class'), up === parentOf(level) ? ' > ' : ' >>> ');
    if (level === hideUpTo) hideUpTo = undefined;
  }
  // Inside a field or an editable region (not the field or region itself), the element is the visitor's content: a
  // link they pasted, an image, a mention. Its attributes and href are theirs too.
  const inside = (around[2] ?? el) !== el;
  const href = !inside && from === el && !hidden.has('href') && around[4];
  const named = !hidden.has(NAMED) && around[5];
  const fromAround = text && from && (from === el ? around : readAround(from));

  return () => {
    const tag = chain[0]!;
    const target: TargetContext = { tag };
    try {
      if (chain[1]) target.id = sanitize(chain[1], 128);
      const collapsed = chain[2]?.replace(/\s+/g, ' ').trim();
      if (collapsed) target.classes = sanitize(collapsed, 255);
      // The text naming `from`: its own, else its label, else that of the control (button, link, ...) around it; none
      // in a field. An element with no text of its own (an icon) is named by these, in this order.
      const own = (of: Element) =>
        readText(of) || ['aria-label', 'alt', 'title'].map((name) => !(fromAround as Around)[0].has(name) && attributeOf(of, name)?.trim()).find(Boolean);
      // The redacted text is `****` wherever it is. Of an input, only a button's: its value attribute is the label the
      // page wrote, never something typed; an image button has none, but its alt text. Inside a field, a `select` or an
      // editable region (as it was at the interaction), the text is the visitor's, a button input's value too (a custom
      // select's toggle showing the choice).
      const sentText =
        fromAround &&
        (fromAround[1]
          ? REDACTED
          : sanitize(
              ((!fromAround[2] &&
                (tagOf(from!) === 'input'
                  ? /^(submit|button|reset|image)$/i.test(attributeOf(from!, 'type')!) && (attributeOf(from!, 'value') || own(from!))
                  : own(from!) || (fromAround[6] && own(fromAround[6])))) ||
                ''
              )
                .replace(/\s+/g, ' ')
                .trim(),
              MAX_TEXT,
            ));
      if (sentText) target.text = sentText;
      // A results page's links (the next page, another sort order) repeat the query a GET form wrote: masked as in page URLs.
      if (href) target.href = sanitize(maskTyped(href), 512);
      // The ancestry as a CSS-like path, outermost first (`div#app > ul.menu > li > a.item`, ` >>> ` a step into a
      // shadow root): per level the tag, the id and up to three classes; outer levels that do not fit are left out.
      let hierarchy = '';
      for (let i = 0; i < chain.length; i += 4) {
        const levelId = chain[i + 1];
        let level = chain[i]! + (levelId ? `#${sanitize(levelId, 64)}` : '');
        for (const name of chain[i + 2]?.trim().split(/\s+/, 3) ?? []) if (name) level += `.${sanitize(name, 40)}`;
        // The target's own level is kept, cut if it must be.
        const longer = i ? level + chain[i - 1] + hierarchy : level.slice(0, MAX_HIERARCHY);
        if (longer.length > MAX_HIERARCHY) break;
        hierarchy = longer;
      }
      target.hierarchy = hierarchy;
      // The attributes worth sending: the list above and `data-*`, never one whose name contains "value" in any case.
      // Names are matched lower case: an SVG element keeps the case a script gave (`data-userValue`), redaction markup does not.
      let count = 0;
      // A field's own title is its content: Select2 and bootstrap-select write the chosen option (or a typed tag) there.
      if (around[2]) hidden.add('title');
      if (!inside) for (const name of (call(el, 'getAttributeNames') as string[])) {
        const lower = name.toLowerCase();
        const sent = SENT.exec(name);
        if (!sent || lower.includes('value') || name.length > 64 || hidden.has(lower) || (sent[1] && !text)) continue;
        (target.attributes ??= {})[name] = sent[1] && around[1] ? REDACTED : sanitize(attributeOf(el, name)!, 128);
        if (++count === 16) break;
      }
      // The markup event this click also fires (on the element or an ancestor), so the two can be joined.
      if (named) (target.attributes ??= {})[NAMED] = sanitize(named, 255);
      return target;
    } catch (err) {
      // A description that fails still sends the event, with the tag alone (the failure reported once).
      errorOnce('autocapture-event-failed', 'an interaction could not be captured; the page is unaffected.', err);
      return { tag };
    }
  };
}

/** Describes `el` for the wire at once (the description a click would send, for tests). */
export const describeTarget = (el: Element): TargetContext | undefined => readTarget(el, el, true)?.();
