import { MAX_TITLE } from './validate.ts';
import type { PageContext } from './types.ts';

/** Reads the page context (url, title, path, referrer) from the document, with overrides from trackPageview. */
export function readPage(overrides: { url?: string; title?: string; previous_page?: string } = {}, referrer?: string): PageContext {
  const hasDom = typeof location !== 'undefined';
  const url = overrides.url ?? (hasDom ? location.href : '');
  const page: PageContext = {
    url,
    title: overrides.title ?? (typeof document !== 'undefined' ? document.title.slice(0, MAX_TITLE - 1) : ''),
    path: pathOf(url),
  };
  const ref = referrer ?? (typeof document !== 'undefined' ? document.referrer : '');
  if (ref) page.referrer = ref;
  if (overrides.previous_page !== undefined) page.previous_page = overrides.previous_page;
  return page;
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '';
  }
}
