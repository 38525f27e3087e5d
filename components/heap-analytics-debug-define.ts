import { HeapAnalyticsDebugElement } from './heap-analytics-debug.ts';

/** Registers `<heap-analytics-debug>` (or another tag name) once; a second call does nothing. */
export function defineHeapAnalyticsDebug(tag = 'heap-analytics-debug'): void {
  if (typeof customElements === 'undefined' || customElements.get(tag)) return;
  customElements.define(tag, class extends HeapAnalyticsDebugElement {});
}

defineHeapAnalyticsDebug();
