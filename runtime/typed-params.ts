// The query parameters a visitor typed. A GET form (a site search) makes the browser write its fields into the address of
// the page it opens (`/search?q=what+was+typed`), and a single-page app's search form pushes the same address itself:
// that address is then the page's URL, the next page's referrer, the session's landing page. The names of the text
// fields of every GET form submitted are remembered (runtime.ts keeps them for later pages), and their values are
// sent as `****` wherever a URL is (pageUrl).
import { attributeOf, isMatch, tagOf } from './dom.ts';
import { REDACTED } from './redact.ts';

/** The names known to this page, the latest first; stored lists are taken as read (`has` below reads a name as text). */
let typed: unknown[] = [];

/** Adds `names` as the latest known, keeping the 20 latest; returns them all, to store. */
export const addTyped = (names: unknown[]): unknown[] => (typed = [...new Set(names.concat(typed))].slice(0, 20));

/**
 * `url` with the value of each parameter of a typed name (in the query, in a hash router's fragment, or written straight
 * after the `#`: `#q=...&page=2`) sent as `****`, the rest as it was, byte for byte. Names are compared decoded, as a
 * form encodes them (`+` a space, percent-escapes).
 */
export const maskTyped = (url: string): string =>
  // `head` is `?name=`, `&name=` or `#name=` (a name holds none of `?&#=`: a router's `#/search?q=` is read from its
  // `?`): after its first character, read as a query, its one parameter is the name decoded. With no name known (no GET
  // form submitted: most sites), no parameter is parsed.
  url.replace(/([?&#][^?&#=]+=)[^&#]*/g, (param, head: string) => (typed.some((name) => new URLSearchParams(head.slice(1)).has(name as string)) ? head + REDACTED : param));

/**
 * The names of the fields that hold typed text in the form a `submit` event submits, if it goes by GET (the submitter's
 * `formmethod` first; a form with no method is GET; `dialog` goes nowhere); undefined for any other. Whether the page
 * cancels the submit does not matter: a single-page app pushes the same address itself.
 */
export function typedFields(event: SubmitEvent): string[] | undefined {
  const form = event.target as HTMLFormElement;
  // The DOM's own members: a form answers `method` and `elements` with its fields of those names (dom.ts).
  const own = (name: string) => Reflect.get(HTMLFormElement.prototype, name, form);
  if (tagOf(form) === 'form' && ((event.submitter as HTMLButtonElement | null)?.formMethod || own('method')) === 'get') {
    // Every named field the visitor can type into: not those whose value the page wrote (hidden, checkbox, radio,
    // buttons, file, range, color, select, fieldset, output), nor a read-only one. A form-associated custom element (a
    // design system's `<x-input name=q>`) counts as typed: what it holds is its own business.
    return [...(own('elements') as HTMLFormControlsCollection)]
      .map((el) => (/-/.test(tagOf(el)) || isMatch(el, ':read-write')) && attributeOf(el, 'name'))
      .filter((name) => name) as string[];
  }
}
