// Small pure helpers that turn stored events into short display text.

// Two formatters built once: toLocaleTimeString with options builds a new formatter on every call, and a table of a
// few hundred rows redrawn on each arriving event spent most of its time there.
const clock = new Intl.DateTimeFormat([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
const full = new Intl.DateTimeFormat([], { year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', hour12: false });

// A client clock the collector could not read arrives as null or garbage; show a dash rather than throw mid-render.
const shown = (/** @type {Intl.DateTimeFormat} */ format, /** @type {number} */ ms) => (Number.isFinite(ms) ? format.format(ms) : '–');

/** @param {number} ms @returns {string} HH:MM:SS in the viewer's time zone */
export function clockTime(ms) {
  return shown(clock, ms);
}

/** @param {number} ms @returns {string} date and time, for titles */
export function fullTime(ms) {
  return shown(full, ms);
}

/**
 * What happened, in a few words: the name of a track event, the title of a pageview, the text of a clicked element.
 * @param {any} event
 */
export function describeEvent(event) {
  switch (event.type) {
    case 'track':
      return event.name ?? '';
    case 'pageview':
      return event.page?.title || event.page?.path || '';
    case 'identify':
      return event.identity ?? '';
    case 'user_properties':
      return Object.keys(event.properties ?? {}).join(', ');
    default: {
      const target = event.target ?? {};
      const label = target.text || target.id || target.tag || '';
      return event.name ? `${event.name} · ${label}` : label;
    }
  }
}

/** The page an event happened on, as a path. @param {any} event */
export function pagePath(event) {
  const page = event.page ?? {};
  if (page.path) return page.path;
  try {
    return new URL(page.url).pathname;
  } catch {
    return '';
  }
}

/** Shortens a long id for a table cell; the full id goes in the title. @param {string} id */
export function shortId(id) {
  return id.length > 10 ? `…${id.slice(-6)}` : id;
}

/**
 * Properties as `key: value` strings, at most `max`, and how many were left out.
 * @param {Record<string, unknown> | null | undefined} properties @param {number} [max]
 */
export function propertyList(properties, max = 6) {
  const entries = Object.entries(properties ?? {});
  return {
    shown: entries.slice(0, max).map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`),
    hidden: Math.max(0, entries.length - max),
  };
}
