import { HeapAnalyticsDebugElement } from './heap-analytics-debug.ts';
import { pageRoot } from './heap-analytics-debug-clips.ts';

/** Registers `<heap-analytics-debug>` (or another tag name) once; a second call does nothing. */
export function defineHeapAnalyticsDebug(tag = 'heap-analytics-debug'): void {
  if (typeof customElements === 'undefined' || customElements.get(tag)) return;
  customElements.define(tag, class extends HeapAnalyticsDebugElement {});
}

/**
 * The page's `<heap-analytics-debug>`, added if there is none yet: outside <body>, so that no annotated ancestor of the
 * page can claim a click on it. Through the Document's own members: the document answers `querySelector`,
 * `documentElement` or `createElement` with an image or form of that name. `early`: the `heap-event`s heard while its
 * module loaded, listed first (those it heard itself are not listed twice).
 */
export function showDebugOverlay(early: readonly Event[] = []): Element {
  const own = Document.prototype;
  const overlay = (own.querySelector.call(document, 'heap-analytics-debug') ?? own.createElement.call(document, 'heap-analytics-debug')) as HeapAnalyticsDebugElement;
  // Before it connects: the events it then hears come after these.
  for (const event of early) overlay.record?.(event);
  return overlay.isConnected ? overlay : pageRoot().appendChild(overlay);
}

defineHeapAnalyticsDebug();
