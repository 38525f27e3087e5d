import { LitElement, css, html, nothing } from 'lit';
import { getJson } from './collector-api.js';
import { clockTime, describeEvent, fullTime, pagePath, propertyList, shortId } from './format.js';

/**
 * `<heap-user-timeline>`: one user's story. For an identified user it shows every user id merged
 * into the identity (so anonymous events from before `identify` appear), the merged user
 * properties, and the events newest first, split by session. Fires `heap-close`.
 */
export class HeapUserTimeline extends LitElement {
  static properties = {
    envId: {},
    userId: {},
    revision: { type: Number },
    data: { state: true },
    error: { state: true },
  };

  constructor() {
    super();
    this.envId = '';
    this.userId = '';
    this.revision = 0;
    /** @type {{ identity: string | null, userIds: string[], properties: Record<string, unknown>, events: any[], firstSeen?: number } | null} */
    this.data = null;
    this.error = '';
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.refreshTimer = undefined;
  }

  /**
   * Each event's line by event id, kept across reloads: the timeline is read again as the user's events arrive, and
   * rebuilding up to 300 lines (times, properties as text) on each read slowed a busy stream down.
   * @type {Map<string, unknown>}
   */
  #items = new Map();

  /** @param {Map<string, unknown>} changed */
  updated(changed) {
    if (changed.has('envId') || changed.has('userId')) {
      this.data = null;
      this.#items.clear();
      void this.load();
    } else if (changed.has('revision')) {
      // At most one read per 300 ms: a debounce would never read while events keep arriving.
      this.refreshTimer ??= setTimeout(() => { this.refreshTimer = undefined; void this.load(); }, 300);
    }
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
  }

  async load() {
    const { envId, userId } = this;
    try {
      const { users } = await getJson('v1/users', { env_id: envId, user_id: userId });
      const identity = users[0]?.identity ?? null;
      const merged = identity ? await getJson('v1/users', { env_id: envId, identity }) : { users, properties: users[0]?.properties ?? {} };
      const { events } = await getJson('v1/events', identity
        ? { env_id: envId, identity, order: 'desc', limit: 300 }
        : { env_id: envId, user_id: userId, order: 'desc', limit: 300 });
      if (envId !== this.envId || userId !== this.userId) return;
      // Newest first by when they happened: read newest first as stored, an event that reached the collector late (kept
      // on a device offline, or left by a tab closed during an outage) came above the visitor's later ones, its session
      // split around them. The sort is stable: events of one millisecond keep the order they were stored in.
      events.sort((/** @type {any} */ a, /** @type {any} */ b) => b.server_time - a.server_time);
      this.data = {
        identity,
        userIds: merged.users.map((/** @type {any} */ u) => u.user_id),
        properties: merged.properties ?? {},
        events,
        firstSeen: Math.min(...merged.users.map((/** @type {any} */ u) => u.first_seen)),
      };
      this.error = '';
    } catch (err) {
      this.error = String(/** @type {Error} */ (err).message ?? err);
    }
  }

  render() {
    const close = html`<button class="close" title="close" @click=${() => this.dispatchEvent(new CustomEvent('heap-close'))}>×</button>`;
    if (this.error) return html`<header><h2>User ${shortId(this.userId)}</h2>${close}</header><p class="error">${this.error}</p>`;
    if (!this.data) return html`<header><h2>User ${shortId(this.userId)}</h2>${close}</header><p class="muted">Loading…</p>`;
    const { identity, userIds, properties, events } = this.data;
    const props = Object.entries(properties);
    let lastSession = '';
    const items = new Map();
    const page = html`
      <header><h2>${identity ?? 'Anonymous user'}</h2>${close}</header>
      <p class="muted">${identity
        ? html`Identity merging ${userIds.length} user id${userIds.length === 1 ? '' : 's'}: ${userIds.join(', ')}`
        : html`User id ${this.userId}`}${Number.isFinite(this.data.firstSeen) ? html` · first seen ${fullTime(this.data.firstSeen)}` : nothing}</p>
      <h3>User properties</h3>
      ${props.length
        ? html`<dl>${props.map(([key, value]) => html`<dt>${key}</dt><dd>${typeof value === 'string' ? value : JSON.stringify(value)}</dd>`)}</dl>`
        : html`<p class="muted">None yet (heap.addUserProperties).</p>`}
      <h3>Timeline, newest first (${events.length})</h3>
      <ol>
        ${events.map((e) => {
          const divider = e.session_id !== lastSession
            ? html`<li class="session">session ${shortId(e.session_id)}</li>` : nothing;
          lastSession = e.session_id;
          const anonymous = identity && !e.identity;
          // An identify can make earlier lines anonymous ones: that is part of the key.
          const key = `${e.id}${anonymous ? ' before identify' : ''}`;
          const item = this.#items.get(key) ?? this.item(e, anonymous);
          items.set(key, item);
          return html`${divider}${item}`;
        })}
      </ol>`;
    this.#items = items;
    return page;
  }

  /** @param {any} e @param {unknown} anonymous */
  item(e, anonymous) {
    return html`<li class="event ${e.type}">
      <span class="time" title=${fullTime(e.server_time)}>${clockTime(e.server_time)}</span>
      <span class="type">${e.type}</span>
      <span class="what">${describeEvent(e)}</span>
      <span class="page">${pagePath(e)}</span>
      ${anonymous ? html`<span class="anon" title="sent before identify; merged through user ${e.user_id}">before identify</span>` : nothing}
      ${propertyList(e.properties, 4).shown.map((p) => html`<span class="prop">${p}</span>`)}
    </li>`;
  }

  static styles = css`
    :host { display: block; background: white; border: 1px solid #e5e7eb; border-radius: 8px; padding: 12px 14px;
      font-size: 13px; max-height: 80vh; overflow: auto; position: sticky; top: 12px; }
    header { display: flex; align-items: center; }
    h2 { font-size: 16px; margin: 0 auto 0 0; word-break: break-all; }
    h3 { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: #6b7280; margin: 14px 0 6px; }
    .close { border: 0; background: none; font-size: 20px; cursor: pointer; color: #6b7280; }
    .muted { color: #6b7280; margin: 4px 0; word-break: break-all; }
    .error { color: #b91c1c; }
    dl { display: grid; grid-template-columns: auto 1fr; gap: 2px 12px; margin: 0; }
    dt { color: #6b7280; }
    dd { margin: 0; word-break: break-all; }
    ol { list-style: none; padding: 0; margin: 0; }
    li.session { font-size: 11px; color: #6b7280; border-top: 1px dashed #d1d5db; margin-top: 6px; padding-top: 4px; }
    li.event { display: flex; flex-wrap: wrap; gap: 2px 8px; padding: 4px 0; border-bottom: 1px solid #f3f4f6; overflow-wrap: anywhere; }
    .time { color: #6b7280; font-variant-numeric: tabular-nums; }
    .type { font-size: 11px; padding: 0 6px; border-radius: 999px; background: #e5e7eb; }
    .track .type { background: #e0e7ff; color: #3730a3; }
    .pageview .type { background: #dcfce7; color: #166534; }
    .identify .type, .user_properties .type { background: #fce7f3; color: #9d174d; }
    .what { font-weight: 500; }
    .page { color: #6b7280; }
    .anon { font-size: 11px; color: #92400e; background: #fef3c7; padding: 0 6px; border-radius: 4px; }
    .prop { font-family: ui-monospace, monospace; font-size: 11px; background: #f3f4f6; padding: 0 5px; border-radius: 4px; }
  `;
}

customElements.define('heap-user-timeline', HeapUserTimeline);
