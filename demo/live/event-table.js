import { LitElement, css, html } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { clockTime, describeEvent, fullTime, pagePath, propertyList, shortId } from './format.js';

/**
 * `<heap-event-table>`: events newest first, one row each. Clicking a type, name or session
 * filters by it and clicking a user opens their timeline: it fires `heap-pick` with `{key, value}`.
 */
export class HeapEventTable extends LitElement {
  static properties = {
    events: { attribute: false },
    filters: { attribute: false },
  };

  /**
   * Each event's row, built once: a stored event never changes, and a redraw comes with every arriving event, so
   * rebuilding 500 rows (their times formatted, their properties turned to text) each time slowed a busy stream down.
   * @type {WeakMap<object, unknown>}
   */
  #rows = new WeakMap();

  constructor() {
    super();
    /** @type {any[]} */
    this.events = [];
    /** @type {string[]} the filters on, in words (`type track`), for the empty table to say what matched nothing */
    this.filters = [];
  }

  /** @param {string} key @param {string} value */
  pick(key, value) {
    this.dispatchEvent(new CustomEvent('heap-pick', { detail: { key, value }, bubbles: true, composed: true }));
  }

  render() {
    if (this.events.length === 0) {
      return html`<p class="empty">${this.filters.length
        ? `No events match these filters yet: ${this.filters.join(', ')}.`
        : html`No events yet. Open the <a href="/demo/" target="_blank">demo site</a> (or any page with the
          element pointed at this collector) and click around: events show up here a second or two later.`}</p>`;
    }
    return html`
      <table>
        <thead><tr><th>time</th><th>type</th><th>event</th><th>user / identity</th><th>session</th><th>page</th><th>properties</th></tr></thead>
        <tbody>${repeat(this.events, (e) => e.id, (e) => this.#rowOf(e))}</tbody>
      </table>`;
  }

  /** @param {any} e */
  #rowOf(e) {
    let row = this.#rows.get(e);
    if (row === undefined) this.#rows.set(e, row = this.row(e));
    return row;
  }

  /** @param {any} e */
  row(e) {
    const props = propertyList(e.properties);
    return html`
      <tr class=${e.arrivedLive ? 'arrived' : ''} data-id=${e.id} data-type=${e.type}>
        <td class="time" title=${`${fullTime(e.server_time)} (client clock ${fullTime(e.time)})`}>${clockTime(e.server_time)}</td>
        <td><button class="badge ${e.type}" title="show only ${e.type} events" @click=${() => this.pick('type', e.type)}>${e.type}</button></td>
        <td class="what">${e.type === 'track'
          ? html`<button class="link" title="show only this event" @click=${() => this.pick('name', e.name)}>${e.name}</button>`
          : describeEvent(e)}</td>
        <td><button class="link user" title=${`user ${e.user_id}: open the timeline`} @click=${() => this.pick('user', e.user_id)}>
          ${e.identity ? html`<strong>${e.identity}</strong>` : shortId(e.user_id)}</button></td>
        <td><button class="link mono" title=${`session ${e.session_id}: show only this session`}
          @click=${() => this.pick('session_id', e.session_id)}>${shortId(e.session_id)}</button></td>
        <td class="page" title=${e.page?.url ?? ''}>${pagePath(e)}</td>
        <td class="props">${props.shown.map((p) => html`<span class="prop">${p}</span>`)}${props.hidden
          ? html`<span class="more" title=${JSON.stringify(e.properties)}>+${props.hidden}</span>` : ''}</td>
      </tr>`;
  }

  static styles = css`
    :host { display: block; background: white; border: 1px solid #e5e7eb; border-radius: 8px; overflow: auto; }
    table { border-collapse: collapse; width: 100%; font-size: 13px; }
    th { text-align: left; font-weight: 600; color: #6b7280; font-size: 11px; text-transform: uppercase; letter-spacing: .04em;
      padding: 8px 10px; border-bottom: 1px solid #e5e7eb; position: sticky; top: 0; background: #f9fafb; }
    td { padding: 6px 10px; border-bottom: 1px solid #f3f4f6; vertical-align: top; }
    tr.arrived { animation: arrive 2s ease-out; }
    @keyframes arrive { from { background: #fef9c3; } to { background: transparent; } }
    .time { color: #6b7280; font-variant-numeric: tabular-nums; white-space: nowrap; }
    .what { max-width: 260px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .page { color: #374151; max-width: 200px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    button { font: inherit; border: 0; background: none; padding: 0; cursor: pointer; color: inherit; text-align: left; }
    .link:hover { text-decoration: underline; }
    .user { color: #1d4ed8; white-space: nowrap; }
    .mono { font-family: ui-monospace, monospace; font-size: 12px; color: #6b7280; }
    .badge { font-size: 11px; padding: 1px 8px; border-radius: 999px; background: #e5e7eb; white-space: nowrap; }
    .badge.track { background: #e0e7ff; color: #3730a3; }
    .badge.pageview { background: #dcfce7; color: #166534; }
    .badge.identify, .badge.user_properties { background: #fce7f3; color: #9d174d; }
    .badge.click, .badge.submit, .badge.change, .badge.view { background: #fef3c7; color: #92400e; }
    .prop { display: inline-block; margin: 0 4px 2px 0; padding: 0 6px; border-radius: 4px; background: #f3f4f6;
      font-family: ui-monospace, monospace; font-size: 11px; max-width: 240px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .more { font-size: 11px; color: #6b7280; }
    .empty { padding: 24px; color: #4b5563; margin: 0; }
  `;
}

customElements.define('heap-event-table', HeapEventTable);
