import { LitElement, css, html } from 'lit';
import { getJson } from './collector-api.js';

/** Drop reports can come in a batch with no event (nothing in the stream), so they are also read on a timer. */
const REFRESH_MS = 10_000;
const REASONS = 'cap: the outbox was full; retries: gave up after the retry limit; rejected: the collector refused them as invalid; size: the collector refused them as too large; storage: saved state was unreadable';

/**
 * `<heap-drop-count>`: the events clients of the env id reported dropping before sending, all time
 * (whatever the view's filters), summed per reason, read from `GET /v1/drops`. It re-reads when `revision` changes (at most once a
 * second) and every 10 s.
 */
export class HeapDropCount extends LitElement {
  static properties = {
    envId: {},
    revision: { type: Number },
    drops: { state: true },
  };

  constructor() {
    super();
    this.envId = '';
    this.revision = 0;
    /** @type {{ reason: string, count: number }[] | undefined} */
    this.drops = undefined;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.pending = undefined;
    /** @type {ReturnType<typeof setInterval> | undefined} */
    this.ticker = undefined;
  }

  connectedCallback() {
    super.connectedCallback();
    this.ticker = setInterval(() => void this.load(), REFRESH_MS);
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    clearInterval(this.ticker);
    clearTimeout(this.pending);
  }

  /** @param {Map<string, unknown>} changed */
  updated(changed) {
    if (changed.has('envId')) {
      this.drops = undefined;
      void this.load();
    } else if (changed.has('revision')) this.pending ??= setTimeout(() => { this.pending = undefined; void this.load(); }, 1000);
  }

  async load() {
    const { envId } = this;
    if (!envId) return;
    try {
      const { drops } = await getJson('v1/drops', { env_id: envId });
      if (envId === this.envId) this.drops = drops;
    } catch {
      // A failed read keeps the last totals; the next event or tick tries again.
    }
  }

  render() {
    if (!this.drops) return html``;
    const total = this.drops.reduce((sum, drop) => sum + drop.count, 0);
    // The number is the env id's, all time (GET /v1/drops): said in the text and the title, beside a table that shows
    // the newest events and follows the filters, which a drop report (no user, session or event) cannot.
    const title = 'events clients of this env id reported dropping before sending, all time, whatever the filters.';
    if (total === 0) return html`<span title=${title}>none dropped by clients</span>`;
    return html`<span class="dropped" title=${`${title} ${REASONS}`}>${total} dropped by clients, all time
      (${this.drops.map((drop) => `${drop.reason} ${drop.count}`).join(', ')})</span>`;
  }

  static styles = css`
    :host { font-size: 12px; color: #6b7280; }
    .dropped { padding: 2px 10px; border-radius: 999px; background: #fee2e2; color: #991b1b; }
  `;
}

customElements.define('heap-drop-count', HeapDropCount);
