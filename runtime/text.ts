// Reads the visible-ish text of an element with a fixed budget: no innerText (it forces layout),
// no unbounded textContent (a click on a page wrapper would copy the whole page).
import { REDACT_TEXT, REDACTED } from './redact.ts';

/** Most characters of raw text read before scrubbing; the sent text is cut much shorter later. */
const RAW_LIMIT = 256;
/** Most nodes visited for one element. */
const MAX_NODES = 200;
/** Deepest descent below the element. */
const MAX_DEPTH = 24;

/** Elements whose content is never text a visitor reads, or is what a visitor typed. */
const SKIPPED = new Set(['script', 'style', 'template', 'noscript', 'textarea', 'select', 'datalist', 'input', 'iframe', 'object']);
/** Elements that separate words when rendered, so their text is joined with a space. */
const BLOCKS = new Set([
  'br', 'div', 'p', 'li', 'ul', 'ol', 'dt', 'dd', 'td', 'th', 'tr', 'table', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'section', 'article', 'header', 'footer', 'nav', 'aside', 'main', 'form', 'fieldset', 'legend', 'option', 'figcaption',
]);

/**
 * Reads the text inside `root` (light DOM children, or a slot's assigned nodes), whitespace collapsed and
 * trimmed. Descendants with `data-heap-redact-text` read as `****`; ignored, editable and field content is
 * skipped. When the budget ran out, the last (possibly partial) word is dropped so no fragment leaks.
 */
export function readText(root: Element): string {
  const parts: string[] = [];
  let length = 0;
  let visits = 0;
  let full = false;

  const push = (text: string) => {
    parts.push(text);
    length += text.length;
    if (length >= RAW_LIMIT) full = true;
  };

  const visitChildren = (parent: Element, depth: number) => {
    const assigned = parent.localName === 'slot' ? (parent as HTMLSlotElement).assignedNodes({ flatten: true }) : [];
    if (assigned.length) {
      for (const node of assigned) if (!full) visit(node, depth);
      return;
    }
    for (let node = parent.firstChild; node && !full; node = node.nextSibling) visit(node, depth);
  };

  const visit = (node: Node, depth: number) => {
    if (++visits > MAX_NODES) {
      full = true;
      return;
    }
    if (node.nodeType === 3) {
      const data = (node as Text).data;
      push(data.length > RAW_LIMIT - length ? data.slice(0, RAW_LIMIT - length) : data);
      return;
    }
    if (node.nodeType !== 1 || depth >= MAX_DEPTH) return;
    const el = node as Element;
    const tag = el.localName;
    if (SKIPPED.has(tag) || isIgnored(el) || isEditable(el)) return;
    const block = BLOCKS.has(tag);
    if (block) push(' ');
    if (el.hasAttribute(REDACT_TEXT)) push(` ${REDACTED} `);
    else visitChildren(el, depth + 1);
    if (block) push(' ');
  };

  visitChildren(root, 0);
  let text = parts.join('').replace(/\s+/g, ' ').trim();
  if (full) text = text.replace(/\S*$/, '').trimEnd();
  return text;
}

/** True for an element marked with `heap-ignore` (attribute, data attribute or class). */
function isIgnored(el: Element): boolean {
  return el.hasAttribute('heap-ignore') || el.hasAttribute('data-heap-ignore') || el.classList.contains('heap-ignore');
}

/** True for an element that makes its content editable (what is inside was typed by the visitor). */
function isEditable(el: Element): boolean {
  const value = el.getAttribute('contenteditable');
  return value !== null && value.toLowerCase() !== 'false';
}
