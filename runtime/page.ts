import { documentText } from './dom.ts';
import { REDACT_TEXT, REDACTED, sanitize } from './redact.ts';
import { maskTyped } from './typed-params.ts';
import { MAX_TITLE, MAX_VALUE } from './validate.ts';
import type { PageContext } from './types.ts';

/** A parsed absolute URL: `location`, or the `URL` a trackPageview url became. */
export type PageUrl = Pick<URL, 'href' | 'pathname'>;

/**
 * A URL or referrer as events carry it: scrubbed, and cut below 1024 characters like a property value. A URL carrying
 * data (a long query, state in the fragment) made every event of the page, and of the session it landed, too big for
 * the collector: each was refused and lost. The values of the parameters a visitor typed into a GET form go as `****`
 * (typed-params.ts), before the cut: a value cut would show its start.
 */
export const pageUrl = (url: string): string => sanitize(maskTyped(url), MAX_VALUE - 1);

/** Reads the page context (url, title, path, referrer) from the document, with overrides from trackPageview. */
export const readPage = (
  // `globalThis.` reads: the runtime also loads where there is no DOM.
  { url = globalThis.location, title, previous_page }: { url?: PageUrl; title?: string; previous_page?: string } = {},
): PageContext => {
  if (title === undefined) {
    // The document's title: `****` under `data-heap-redact-text` (on the title, or on `<head>` or `<html>` around it).
    // The first <title> in document order is the one in the head, found early in the search. The DOM's own method: an
    // image named `querySelector` answers the document's (dom.ts).
    title = documentText('title');
    if (title && Document.prototype.querySelector.call(document, 'title')?.closest(`[${REDACT_TEXT}]`)) title = REDACTED;
  }
  const referrer = documentText('referrer');
  // An email or card number in a query string (a sign-up link, say) or a path (`/users/alice@example.com`) never leaves the page.
  // The URL is the location or one trackPageview parsed and checked, so it is not parsed again; none without a DOM.
  // So is one in the title, the document's or one trackPageview got (a single-page app's `Inbox of ${email}`).
  const page: PageContext = { url: pageUrl(url?.href ?? ''), title: sanitize(title ?? '', MAX_TITLE - 1), path: pageUrl(url?.pathname ?? '') };
  if (referrer) page.referrer = pageUrl(referrer);
  // The page before, as trackPageview() got it: a single-page app passes its router's last location, typed query and all.
  if (previous_page !== undefined) page.previous_page = pageUrl(previous_page);
  return page;
};
