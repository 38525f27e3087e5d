import { LitElement, css, html, svg } from 'lit';
import { getJson } from './collector-api.js';
import { clockTime } from './format.js';

const MINUTE = 60_000;
/** Minutes shown. */
const WINDOW = 30;
const COLORS = ['#4f46e5', '#0891b2', '#16a34a', '#ea580c', '#db2777', '#ca8a04'];
const OTHER_COLOR = '#9ca3af';
const WIDTH = 600;
const HEIGHT = 90;

/**
 * `<heap-rate-chart>`: events per minute over the last half hour, stacked by event name (track
 * events) or type (everything else, shown as a type badge), read from `GET /v1/counts`. It counts the events the
 * table's filters match (`filter`, keyed as the /v1/events query), so each bar is the table's rows of that minute. It
 * re-reads when `revision` changes (at most once a second) and every 30 s as the window moves.
 */
export class HeapRateChart extends LitElement {
  static properties = {
    envId: {},
    filter: { attribute: false },
    rows: { state: true },
    since: { state: true },
  };

  constructor() {
    super();
    this.envId = '';
    /** @type {Record<string, string>} */
    this.filter = {};
    /** @type {{ bucket_start: number, type?: string, name: string, count: number }[]} */
    this.rows = [];
    this.since = windowStart();
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.pending = undefined;
    /** @type {ReturnType<typeof setInterval> | undefined} */
    this.ticker = undefined;
  }

  #revision = 0;

  /**
   * The collector's clock less this one's, from its last answer: the window is the last minutes on the collector's clock,
   * where event times are. On the viewer's, a clock 45 minutes slow showed no bar at all.
   */
  #offset = 0;

  /**
   * Bumped by the app as events arrive: the counts are read again, at most once a second. Not a reactive property: a
   * redraw for each arriving event redid every bar (and its time) with nothing new to show.
   */
  get revision() {
    return this.#revision;
  }

  set revision(value) {
    if (value === this.#revision) return;
    this.#revision = value;
    this.pending ??= setTimeout(() => { this.pending = undefined; void this.load(); }, 1000);
  }

  connectedCallback() {
    super.connectedCallback();
    this.ticker = setInterval(() => void this.load(), 30_000);
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    clearInterval(this.ticker);
    clearTimeout(this.pending);
  }

  /** @param {Map<string, unknown>} changed */
  updated(changed) {
    if (changed.has('envId') || changed.has('filter')) void this.load();
  }

  async load() {
    const { envId, filter } = this;
    if (!envId) return;
    const since = windowStart(this.#offset);
    try {
      const { counts, now } = await getJson('v1/counts', { ...filter, env_id: envId, bucket: 'minute', since });
      // An answer for the env id or filters of a moment ago would stand for the ones now shown.
      if (envId !== this.envId || filter !== this.filter) return;
      // A window found to be another on the collector's clock is read again at once.
      if (Number.isFinite(now) && windowStart((this.#offset = now - Date.now())) !== since) return void this.load();
      this.since = since;
      this.rows = counts;
    } catch {
      // A failed read keeps the last chart; the next event or tick tries again.
    }
  }

  render() {
    // A series is a type and a name: a track event named "pageview" is not a pageview.
    const keyOf = (/** @type {{ type?: string, name: string }} */ row) => `${row.type}\n${row.name}`;
    const totals = new Map();
    const rowOf = new Map();
    for (const row of this.rows) {
      totals.set(keyOf(row), (totals.get(keyOf(row)) ?? 0) + row.count);
      rowOf.set(keyOf(row), row);
    }
    const top = [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, COLORS.length).map(([key]) => key);
    const colorOf = (/** @type {string} */ key) => { const i = top.indexOf(key); return i < 0 ? OTHER_COLOR : COLORS[i]; };
    const columns = Array.from({ length: WINDOW }, () => /** @type {{ type?: string, name: string, count: number }[]} */ ([]));
    // The series past the top ones make one grey bar a minute: a bar each (a site naming an event per product) drew
    // thousands, and the page froze for seconds at each read of the counts.
    const rest = columns.map(() => ({ names: 0, count: 0 }));
    for (const row of this.rows) {
      const column = Math.floor((row.bucket_start - this.since) / MINUTE);
      if (column < 0 || column >= WINDOW) continue;
      if (top.includes(keyOf(row))) columns[column].push(row);
      else rest[column] = { names: rest[column].names + 1, count: rest[column].count + row.count };
    }
    rest.forEach(({ names, count }, i) => { if (count) columns[i].unshift({ name: `${names} more`, count }); });
    const peak = Math.max(1, ...columns.map((c) => c.reduce((sum, r) => sum + r.count, 0)));
    const slot = WIDTH / WINDOW;
    const bars = columns.flatMap((column, i) => {
      let y = HEIGHT;
      // One time per minute, not per series: a minute of many event names has many bars.
      const minute = column.length ? clockTime(this.since + i * MINUTE) : '';
      return column
        .sort((a, b) => top.indexOf(keyOf(a)) - top.indexOf(keyOf(b)))
        .map((row) => {
          const h = (row.count / peak) * (HEIGHT - 4);
          y -= h;
          return svg`<rect x=${i * slot + 1} y=${y} width=${slot - 2} height=${h} fill=${colorOf(keyOf(row))}>
            <title>${minute} · ${describe(row)}: ${row.count}</title></rect>`;
        });
    });
    const others = [...totals.keys()].filter((name) => !top.includes(name));
    const filtered = Object.values(this.filter).some(Boolean);
    return html`
      <div class="head">
        <h2>Events per minute${filtered ? ' matching the filters' : ''}, last ${WINDOW} minutes</h2>
        <span class="peak">peak ${peak === 1 && this.rows.length === 0 ? 0 : peak}/min</span>
      </div>
      <svg viewBox="0 0 ${WIDTH} ${HEIGHT}" preserveAspectRatio="none" role="img" aria-label="events per minute by name">
        <line x1="0" y1=${HEIGHT - 0.5} x2=${WIDTH} y2=${HEIGHT - 0.5} stroke="#e5e7eb"></line>
        ${bars}
      </svg>
      <div class="axis"><span>${clockTime(this.since)}</span><span>now</span></div>
      <ul class="legend">
        ${top.map((key) => {
          const row = rowOf.get(key);
          return html`<li title=${describe(row)}><i style="background:${colorOf(key)}"></i>${isType(row)
            ? html`<span class="type">${row.type}</span>` : row.name} <b>${totals.get(key)}</b></li>`;
        })}
        ${others.length ? html`<li><i style="background:${OTHER_COLOR}"></i>${others.length} more</li>` : ''}
        ${this.rows.length === 0 ? html`<li class="none">no events${filtered ? ' match the filters' : ''} in this window</li>` : ''}
      </ul>`;
  }

  static styles = css`
    :host { display: block; background: white; border: 1px solid #e5e7eb; border-radius: 8px; padding: 10px 14px; }
    .head { display: flex; align-items: baseline; }
    h2 { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: #6b7280; margin: 0 auto 6px 0; }
    .peak { font-size: 12px; color: #6b7280; }
    svg { display: block; width: 100%; height: 90px; }
    .axis { display: flex; justify-content: space-between; font-size: 11px; color: #9ca3af; }
    .legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 14px; padding: 0; margin: 6px 0 0; font-size: 12px; }
    .legend li { max-width: 100%; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
    .legend b { font-weight: 600; color: #374151; }
    .none { color: #9ca3af; }
    .type { font-size: 11px; padding: 0 6px; border-radius: 999px; background: #e5e7eb; }
  `;
}

/** Rows that count a whole type (not a track event's name). @param {{ type?: string }} row */
function isType(row) {
  return row.type !== undefined && row.type !== 'track';
}

/** A series in words, for titles. @param {{ type?: string, name: string }} row */
function describe(row) {
  if (isType(row)) return `all ${row.type} events`;
  return row.type ? `${row.type} event: ${row.name}` : row.name;
}

/** Start of the oldest minute shown, so the newest column is the current minute, on the collector's clock (`offset` ahead of this one). */
function windowStart(offset = 0) {
  return Math.floor((Date.now() + offset) / MINUTE) * MINUTE - (WINDOW - 1) * MINUTE;
}

customElements.define('heap-rate-chart', HeapRateChart);
