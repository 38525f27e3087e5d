import { HeapAnalyticsElement } from './heap-analytics.ts';
import { LIBRARY } from '../runtime/batch.ts';
import { warnOnce } from '../runtime/warn.ts';

/** Registers `<heap-analytics>` (or another tag name); a second registration warns instead of throwing. */
export function defineHeapAnalytics(tag = 'heap-analytics'): void {
  if (typeof customElements === 'undefined') return;
  const existing = customElements.get(tag) as (CustomElementConstructor & { version?: string }) | undefined;
  if (existing) {
    if (!(existing.prototype instanceof HeapAnalyticsElement)) {
      warnOnce(`define-twice-${tag}`, `<${tag}> is already defined (version ${existing.version ?? 'unknown'}); this copy (version ${LIBRARY.version}) was not registered.`);
    }
    return;
  }
  customElements.define(tag, class extends HeapAnalyticsElement {});
}

defineHeapAnalytics();
