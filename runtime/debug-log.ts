import type { HeapEvent } from './types.ts';

/** Logs one captured event as a collapsed console group (the `debug` setting): a readable line, details inside. */
export function logEvent(event: HeapEvent): void {
  try {
    const { type, name, target, properties, page } = event;
    console.groupCollapsed(`[heap-analytics] ${type}${name ? ` "${name}"` : ''}${target ? ` on <${target.tag}${target.id ? `#${target.id}` : ''}>` : ''}`);
    if (properties) console.table(properties);
    console.log('user', event.user_id, 'identity', event.identity, 'session', event.session_id, 'pageview', event.pageview_id);
    // The core gives every event its page.
    console.log('page', page!.url, page!.title);
    console.log('event', event);
    console.groupEnd();
  } catch {
    // A console replaced by the host may lack groups; debugging output is never worth an exception.
  }
}
