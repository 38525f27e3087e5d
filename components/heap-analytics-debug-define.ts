import { HeapAnalyticsDebugElement, pageRoot } from './heap-analytics-debug.ts';

/** Registers `<heap-analytics-debug>` (or another tag name) once; a second call does nothing. */
export function defineHeapAnalyticsDebug(tag = 'heap-analytics-debug'): void {
  if (typeof customElements === 'undefined' || customElements.get(tag)) return;
  customElements.define(tag, class extends HeapAnalyticsDebugElement {});
}

/**
 * The page's `<heap-analytics-debug>`, added if there is none yet: outside <body>, so that no annotated ancestor of the
 * page can claim a click on it. Through the Document's own members: the document answers `querySelector`,
 * `documentElement` or `createElement` with an image or form of that name.
 */
export function showDebugOverlay(): Element {
  const own = Document.prototype;
  return own.querySelector.call(document, 'heap-analytics-debug') ?? pageRoot().appendChild(own.createElement.call(document, 'heap-analytics-debug'));
}

defineHeapAnalyticsDebug();
