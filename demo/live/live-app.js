import { LitElement, css, html, nothing } from 'lit';
import { getJson, openStream } from './collector-api.js';
import './drop-count.js';
import './event-table.js';
import './rate-chart.js';
import './user-timeline.js';

/** Most events kept on screen; older ones fall off the bottom. */
const MAX_SHOWN = 500;
/** Events a (re)connected view starts with. */
const BACKLOG = 100;
const FILTER_KEYS = /** @type {const} */ (['type', 'name', 'user_id', 'identity', 'session_id']);
/** Filters that name a person or a session, which belong to one env id; a type or an event name means the same in any. */
const PER_ENV_KEYS = ['user_id', 'identity', 'session_id'];
const TYPES = ['pageview', 'track', 'click', 'submit', 'change', 'view', 'identify', 'user_properties'];

/**
 * `<heap-live-app>`: the collector's live view. Streams the stored events of one env id, newest
 * first, with filters, a per-minute chart, the clients' drop reports and a user timeline. Its state lives in the page URL
 * (`?env_id=demo&type=track&user=...`), so a view can be shared or reloaded.
 */
export class HeapLiveApp extends LitElement {
  static properties = {
    envIds: { state: true },
    envId: { state: true },
    filter: { state: true },
    events: { state: true },
    status: { state: true },
    selectedUser: { state: true },
    revision: { state: true },
  };

  constructor() {
    super();
    const params = new URLSearchParams(location.search);
    /** @type {string[]} */
    this.envIds = [];
    this.envId = params.get('env_id') ?? '';
    /** @type {Record<string, string>} */
    this.filter = Object.fromEntries(FILTER_KEYS.map((key) => [key, params.get(key) ?? '']));
    /** @type {any[]} newest first */
    this.events = [];
    this.status = 'connecting';
    this.selectedUser = params.get('user') ?? '';
    /** Bumped whenever events arrive, so the chart and the timeline refresh. */
    this.revision = 0;
    /** @type {(() => void) | undefined} */
    this.closeStream = undefined;
  }

  connectedCallback() {
    super.connectedCallback();
    void this.loadEnvIds().then(() => {
      if (!this.envId) this.envId = this.envIds.includes('demo') ? 'demo' : (this.envIds[0] ?? 'demo');
      this.connect();
    });
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.closeStream?.();
  }

  async loadEnvIds() {
    try {
      this.envIds = (await getJson('v1/envs')).envs;
    } catch {
      // The list is only a convenience for the env picker; typing an env id still works.
    }
  }

  /** (Re)opens the stream for the current env id and filters, starting from the newest events. */
  connect() {
    this.closeStream?.();
    this.events = [];
    this.saveToUrl();
    this.closeStream = openStream({ env_id: this.envId, ...this.filter }, {
      backlog: BACKLOG,
      // A stream that lost its place (a replaced database) starts over with as many events as the table holds.
      refill: MAX_SHOWN,
      onEvents: (events, live) => {
        // A reconnect to a replaced database starts over with its backlog: show each event once.
        const shown = new Set(this.events.map((e) => e.id));
        const fresh = events.filter((e) => !shown.has(e.id)).reverse();
        if (live) for (const event of fresh) event.arrivedLive = true;
        this.events = [...fresh, ...this.events].slice(0, MAX_SHOWN);
        this.revision++;
      },
      onStatus: (status) => { this.status = status; },
    });
  }

  saveToUrl() {
    const params = new URLSearchParams({ env_id: this.envId });
    for (const key of FILTER_KEYS) if (this.filter[key]) params.set(key, this.filter[key]);
    if (this.selectedUser) params.set('user', this.selectedUser);
    history.replaceState(null, '', `?${params}`);
  }

  /**
   * Shows another env id. Its users and sessions are not the old env id's, so the user, identity and session filters
   * and the open timeline go (left, they matched nothing there and the table stayed empty); type and name stay, as the
   * same site's events keep their names across env ids (staging and production).
   * @param {string} envId
   */
  setEnvId(envId) {
    if (envId === this.envId) return;
    this.envId = envId;
    this.filter = { ...this.filter, ...Object.fromEntries(PER_ENV_KEYS.map((key) => [key, ''])) };
    this.selectedUser = '';
    this.connect();
  }

  /** @param {Record<string, string>} changes */
  setFilter(changes) {
    this.filter = { ...this.filter, ...changes };
    this.connect();
  }

  /** @param {CustomEvent<{ key: string, value: string }>} e */
  onPick(e) {
    const { key, value } = e.detail;
    if (key === 'user') {
      this.selectedUser = value;
      this.saveToUrl();
    } else {
      this.setFilter({ [key]: value });
    }
  }

  render() {
    const active = FILTER_KEYS.filter((key) => this.filter[key]);
    return html`
      <header>
        <h1>heap-analytics <span>live view</span></h1>
        <label>env id
          <input list="env-ids" .value=${this.envId} @focus=${() => this.loadEnvIds()}
            @change=${(/** @type {Event} */ e) => this.setEnvId(/** @type {HTMLInputElement} */ (e.target).value.trim() || 'demo')}>
          <datalist id="env-ids">${this.envIds.map((id) => html`<option value=${id}></option>`)}</datalist>
        </label>
        <span class="status ${this.status}" title="server-sent events">${this.status}</span>
        <span class="count">${this.events.length} event${this.events.length === 1 ? '' : 's'} shown</span>
        <heap-drop-count .envId=${this.envId} .revision=${this.revision}></heap-drop-count>
      </header>
      <heap-rate-chart .envId=${this.envId} .filter=${this.filter} .revision=${this.revision}></heap-rate-chart>
      <form class="filters" @submit=${(/** @type {Event} */ e) => e.preventDefault()} @change=${this.onFilterInput}>
        <select name="type" .value=${this.filter.type}>
          <option value="">all types</option>
          ${TYPES.map((type) => html`<option value=${type} ?selected=${this.filter.type === type}>${type}</option>`)}
        </select>
        <input name="name" placeholder="event name" .value=${this.filter.name}>
        <input name="user_id" placeholder="user id" .value=${this.filter.user_id}>
        <input name="identity" placeholder="identity" .value=${this.filter.identity}>
        <input name="session_id" placeholder="session id" .value=${this.filter.session_id}>
        <button type="button" ?disabled=${active.length === 0}
          @click=${() => this.setFilter(Object.fromEntries(FILTER_KEYS.map((key) => [key, ''])))}>Clear filters</button>
      </form>
      <main class=${this.selectedUser ? 'with-timeline' : ''}>
        <heap-event-table .events=${this.events} .filters=${active.map((key) => `${key.replace('_', ' ')} ${this.filter[key]}`)}
          @heap-pick=${this.onPick}></heap-event-table>
        ${this.selectedUser
          ? html`<heap-user-timeline .envId=${this.envId} .userId=${this.selectedUser} .revision=${this.revision}
              @heap-close=${() => { this.selectedUser = ''; this.saveToUrl(); }}></heap-user-timeline>`
          : nothing}
      </main>
    `;
  }

  /** @param {Event} e */
  onFilterInput(e) {
    const input = /** @type {HTMLInputElement | HTMLSelectElement} */ (e.target);
    if (!FILTER_KEYS.includes(/** @type {any} */ (input.name))) return;
    this.setFilter({ [input.name]: input.value.trim() });
  }

  static styles = css`
    :host { display: flex; flex-direction: column; gap: 12px; padding: 16px 20px; max-width: 1400px; margin: 0 auto; }
    header { display: flex; align-items: center; gap: 16px; flex-wrap: wrap; }
    h1 { font-size: 18px; margin: 0 auto 0 0; }
    h1 span { font-weight: 400; color: #6b7280; }
    label { font-size: 13px; color: #374151; display: flex; gap: 6px; align-items: center; }
    input, select, button { font: inherit; font-size: 13px; padding: 4px 8px; border: 1px solid #d1d5db; border-radius: 6px; background: white; }
    button { cursor: pointer; }
    button:disabled { cursor: default; opacity: .5; }
    .status { font-size: 12px; padding: 2px 10px; border-radius: 999px; background: #fef3c7; color: #92400e; }
    .status::before { content: '● '; }
    .status.live { background: #dcfce7; color: #166534; }
    .count { font-size: 12px; color: #6b7280; }
    .filters { display: flex; gap: 8px; flex-wrap: wrap; }
    .filters input { width: 150px; }
    main { display: grid; grid-template-columns: 1fr; gap: 12px; align-items: start; }
    main.with-timeline { grid-template-columns: minmax(0, 1fr) 380px; }
  `;
}

customElements.define('heap-live-app', HeapLiveApp);
