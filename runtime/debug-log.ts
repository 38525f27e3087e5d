import type { HeapEvent } from './types.ts';

/** Logs one captured event as a collapsed console group (the `debug` setting): a readable line, details inside. */
export function logEvent(event: HeapEvent): void {
  try {
    const label = event.name ? `${event.type} "${event.name}"` : event.type;
    const where = event.target ? ` on <${event.target.tag}${event.target.id ? `#${event.target.id}` : ''}>` : '';
    console.groupCollapsed(`[heap-analytics] ${label}${where}`);
    if (event.properties) console.table(event.properties);
    console.log('user', event.user_id, 'identity', event.identity, 'session', event.session_id, 'pageview', event.pageview_id);
    if (event.page) console.log('page', event.page.url, event.page.title);
    console.log('event', event);
    console.groupEnd();
  } catch {
    // A console replaced by the host may lack groups; debugging output is never worth an exception.
  }
}
