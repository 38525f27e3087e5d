// Small pure helpers that turn stored events into short display text.

// Two formatters built once: toLocaleTimeString with options builds a new formatter on every call, and a table of a
// few hundred rows redrawn on each arriving event spent most of its time there. Hours run 00-23 (hourCycle h23):
// `hour12: false` is h24 in en-US, which showed an event at 00:05 as 24:05, the end of its day.
const clock = new Intl.DateTimeFormat([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
const full = new Intl.DateTimeFormat([], { year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', hourCycle: 'h23' });

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
      return event.page?.title || pagePath(event);
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

/**
 * The page an event happened on, as a path a person reads: the browser sends `/wiki/Москва` as
 * `/wiki/%D0%9C%D0%BE...`. Escapes of reserved characters (`%2F`) stay, as does a path that is no UTF-8.
 * @param {any} event
 */
export function pagePath(event) {
  const page = event.page ?? {};
  let path = page.path;
  try {
    path ||= new URL(page.url).pathname;
    return decodeURI(path);
  } catch {
    return path || '';
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
