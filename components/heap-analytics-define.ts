import { HeapAnalyticsElement } from './heap-analytics.ts';
import { LIBRARY } from '../runtime/batch.ts';
import { warnOnce } from '../runtime/warn.ts';

/** Registers `<heap-analytics>` (or another tag name); a second registration warns instead of throwing. */
export function defineHeapAnalytics(tag = 'heap-analytics'): void {
  const registry = globalThis.customElements;
  if (registry) {
    const existing = registry.get(tag) as (CustomElementConstructor & { version?: string }) | undefined;
    if (!existing) registry.define(tag, class extends HeapAnalyticsElement {});
    else if (!(existing.prototype instanceof HeapAnalyticsElement)) {
      warnOnce(`define-twice-${tag}`, `<${tag}> is already defined (version ${existing.version ?? 'unknown'}); this copy (version ${LIBRARY.version}) was not registered.`);
    }
  }
  // None under Node (server rendering); null in some browser extensions' content scripts, where load() still works.
  else if (registry === null) warnOnce('no-custom-elements', `this page has no custom element registry, so <${tag}> cannot be defined; boot the tracker with load() from heap-analytics/runtime instead.`);
}

defineHeapAnalytics();
