import { css, html, LitElement, nothing } from 'lit';
import { guard } from 'lit/directives/guard.js';
import { clipsOf, pageRoot, type Clip } from './heap-analytics-debug-clips.ts';
import { member } from '../runtime/dom.ts';
import { auditMarkup, type AuditEntry } from '../runtime/markup-audit.ts';
import type { HeapEvent } from '../runtime/types.ts';
import { safeMessage, warnOnce } from '../runtime/warn.ts';

/** Most live events kept in the list; older ones scroll away. */
const MAX_LIVE = 50;
/** What the overlay watches in the document and each open shadow root: any change may add, move or change markup. */
const WATCH: MutationObserverInit = { subtree: true, childList: true, attributes: true };

interface Box {
  entry: AuditEntry;
  top: number;
  left: number;
  width: number;
  height: number;
}

/**
 * `<heap-analytics-debug>`: a debug overlay that outlines every element with `data-heap-*` markup, shows the event
 * and properties each would send (hover an element, or pick it in the list), lists live events and flags markup
 * problems. Loaded on demand by `<heap-analytics debug-overlay>` or `?heap-debug`; never part of the main bundle.
 * It only draws in its own shadow root: the page's elements are never touched.
 */
export class HeapAnalyticsDebugElement extends LitElement {
  static override properties = {
    _entries: { state: true },
    _boxes: { state: true },
    _events: { state: true },
    _selected: { state: true },
    _tab: { state: true },
    _open: { state: true },
  };

  // The highest z-index: a page's chat widget or cookie banner often takes it, and at a tie the overlay, after <body>, wins.
  // Important: a page's rule on every element beats the host's own normal ones (the outer tree wins them), and
  // a popular reset's `*:where(...) { all: unset }` left the panel static, under the page's sticky header, in the
  // page's font; of important ones the shadow tree's win. Left to right: `all` leaves the page's direction, and on a
  // right-to-left page markup and JSON came out garbled (`<button id="buy">` with its brackets swapped and moved).
  static override styles = css`
    :host { all: initial !important; position: fixed !important; inset: 0 !important; pointer-events: none !important; z-index: 2147483647 !important; font: 12px/1.4 system-ui, sans-serif !important; color: #111 !important; direction: ltr !important; }
    :host::backdrop { display: none !important; }
    .box { position: fixed; box-sizing: border-box; border: 2px solid #2563eb; border-radius: 2px; pointer-events: none; }
    .box.scope { border: 1px dashed #64748b; }
    .box.pageview { border: 2px dotted #7c3aed; }
    .box.problem { border-color: #dc2626; }
    .box.selected { background: rgb(37 99 235 / 0.12); border-width: 3px; }
    .label { position: absolute; top: -18px; left: -2px; background: #2563eb; color: #fff; padding: 0 4px; font-size: 11px; white-space: nowrap; max-width: 240px; overflow: hidden; text-overflow: ellipsis; }
    .problem > .label { background: #dc2626; }
    .scope > .label, .pageview > .label { display: none; }
    .panel { position: fixed; right: 8px; bottom: 8px; width: min(420px, calc(100vw - 16px)); max-height: 60vh; display: flex; flex-direction: column; background: #fff; border: 1px solid #94a3b8; border-radius: 6px; box-shadow: 0 4px 16px rgb(0 0 0 / 0.2); pointer-events: auto; overflow: hidden; }
    .panel.closed { width: auto; }
    header { display: flex; gap: 4px; align-items: center; padding: 4px 6px; background: #0f172a; color: #fff; }
    header strong { flex: 1; }
    button { font: inherit; cursor: pointer; border: 1px solid #cbd5e1; background: #f8fafc; border-radius: 4px; padding: 1px 6px; }
    button[aria-pressed='true'] { background: #2563eb; color: #fff; }
    ul { list-style: none; margin: 0; padding: 0; overflow: auto; }
    li { padding: 4px 8px; border-top: 1px solid #e2e8f0; cursor: pointer; }
    li:hover, li.selected { background: #eff6ff; }
    .pick { all: unset; display: block; width: 100%; }
    .pick > span { display: block; }
    .pick:focus-visible { outline: 2px solid #2563eb; }
    .code { font-family: ui-monospace, monospace; color: #dc2626; }
    pre { margin: 2px 0 0; font: 11px/1.3 ui-monospace, monospace; white-space: pre-wrap; word-break: break-all; }
    .detail { position: fixed; max-width: 360px; background: #0f172a; color: #fff; padding: 6px 8px; border-radius: 4px; pointer-events: none; }
    .muted { color: #64748b; }
  `;

  declare _entries: AuditEntry[];
  declare _boxes: Box[];
  declare _events: HeapEvent[];
  declare _selected: AuditEntry | null;
  declare _tab: 'elements' | 'problems' | 'events';
  declare _open: boolean;

  #observer?: MutationObserver;
  #frame = 0;
  #hovered: Element | null = null;
  #zoom = 1;
  /** The env id of each listed event's tracker. */
  #envs = new WeakMap<HeapEvent, string>();
  /** The ancestors clipping each annotated element, found at each scan. */
  #clips = new Map<Element, Clip[]>();
  #changed = false;
  /** Names of the undefined custom elements already waited for. */
  #waiting = new Set<string>();

  constructor() {
    super();
    this._entries = [];
    this._boxes = [];
    this._events = [];
    this._selected = null;
    this._tab = 'elements';
    this._open = true;
  }

  /** Every annotated element found by the last scan, with what it would send and its problems. */
  get entries(): readonly AuditEntry[] {
    return this._entries;
  }

  /** The live events seen since the overlay was added, newest first. */
  get events(): readonly HeapEvent[] {
    return this._events;
  }

  override connectedCallback() {
    super.connectedCallback();
    // Autocapture skips it; markup tracking finds no annotated element in it.
    this.setAttribute('data-heap-ignore', '');
    // The window's own methods, on the document (runtime/dom.ts).
    addEventListener.call(document, 'heap-event', this.#onHeapEvent);
    addEventListener.call(document, 'mouseover', this.#onHover, { capture: true, passive: true });
    addEventListener('scroll', this.#schedule, { capture: true, passive: true });
    addEventListener('resize', this.#schedule, { passive: true });
    this.#observer = new MutationObserver((records) => {
      // Our own host's attribute and the overlay's insertion are not page changes.
      const page = records.filter((r) => r.target !== this && !this.contains(r.target));
      // A dialog opened (showModal sets `open`): over it.
      if (page.some((r) => r.attributeName === 'open')) this.#raise();
      // A class or style changed (an animation, a carousel) or text only (a clock) moves outlines but changes no
      // markup: redrawn without a scan, which takes a quarter of a second on a page of thousands of annotated elements.
      if (page.some((r) => (r.type === 'attributes' ? !/^(class|style)$/.test(r.attributeName!) : [...r.addedNodes, ...r.removedNodes].some((n) => n.nodeType === 1)))) this.#onChange();
      else if (page.length) this.#schedule();
    });
    this.#observer.observe(document, WATCH);
    // In the top layer, over the page's modal dialogs and popovers (a signup modal, a menu), which no z-index is
    // above: their annotated elements were outlined under them, out of sight, and the panel covered. Raised again
    // over each one opened later. Where there are no popovers, the z-index serves.
    this.setAttribute('popover', 'manual');
    addEventListener.call(document, 'toggle', this.#onToggle, true);
    this.#raise();
    this.refresh();
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    removeEventListener.call(document, 'heap-event', this.#onHeapEvent);
    removeEventListener.call(document, 'mouseover', this.#onHover, { capture: true });
    removeEventListener.call(document, 'toggle', this.#onToggle, true);
    removeEventListener('scroll', this.#schedule, { capture: true });
    removeEventListener('resize', this.#schedule);
    this.#observer?.disconnect();
    cancelAnimationFrame(this.#frame);
    this.#frame = 0;
  }

  /** Scans the page again and redraws the outlines; runs by itself on DOM changes (scrolling and resizing redraw only). */
  refresh(): void {
    this.#redraw(true);
  }

  #redraw(scan: boolean) {
    try {
      if (scan) {
        const selected = this._selected?.element;
        this._entries = auditMarkup(pageRoot()).filter((e) => e.element !== this && !this.contains(e.element));
        this.#watch(pageRoot());
        const styles = new Map<Element, CSSStyleDeclaration>();
        const style = (el: Element) => styles.get(el) ?? styles.set(el, getComputedStyle(el)).get(el)!;
        this.#clips = new Map(this._entries.map((e) => [e.element, clipsOf(e.element, style)]));
        // Each scan makes new entries: the element picked or hovered stays picked, as it reads now.
        this._selected = (selected && this._entries.find((e) => e.element === selected)) || null;
      }
      this.#measure();
    } catch (err) {
      // The overlay is a debugging aid: it must never break the page it inspects.
      // Once per page, as every code: a rescan that fails once fails on each change, scroll and resize after it.
      warnOnce('debug-overlay-failed', `the overlay failed to read the page again: ${safeMessage(err)}; its outlines may be out of date.`);
    }
  }

  /**
   * Watches the open shadow roots under `root` as the document (a mutation observer on the document hears none of
   * their changes), and waits for the custom elements not defined yet: a component library renders its markup into
   * shadow roots after the first scan, and its outlines never came until something else on the page changed.
   */
  #watch(root: ParentNode) {
    for (const el of root.querySelectorAll('*')) {
      // The DOM's own getter (runtime/dom.ts): a form answers with its field named shadowRoot.
      const shadow: ShadowRoot | null = member(el, 'shadowRoot');
      // Not its own: each draw would be a change, and a draw again.
      if (shadow && el !== this) {
        this.#observer!.observe(shadow, WATCH);
        this.#watch(shadow);
      }
    }
    for (const { localName } of root.querySelectorAll(':not(:defined)')) {
      if (this.#waiting.has(localName)) continue;
      this.#waiting.add(localName);
      customElements.whenDefined(localName).then(() => this.isConnected && this.#onChange());
    }
  }

  #measure() {
    // A page zoomed by CSS `zoom` on <html> zooms the overlay too: rects come in the viewport's pixels, which the
    // outlines' own positions would zoom again (at 1.5 each outline sat half as far again from the corner as its element).
    const zoom = (this.#zoom = (this as { currentCSSZoom?: number }).currentCSSZoom || 1);
    const boxes: Box[] = [];
    const rects = new Map<Element, DOMRect>();
    for (const entry of this._entries) {
      const rect = entry.element.getBoundingClientRect();
      if (rect.width === 0 && rect.height === 0) continue;
      let { top, left, bottom, right } = rect;
      // The part its scrolled list or carousel shows: outlines of the rows and slides it hid were drawn over the page
      // around it.
      for (const clip of this.#clips.get(entry.element) ?? []) {
        // Measured once for all its rows.
        const r = rects.get(clip.el) ?? rects.set(clip.el, clip.el.getBoundingClientRect()).get(clip.el)!;
        if (clip.x) (left = Math.max(left, r.left)), (right = Math.min(right, r.right));
        if (clip.y) (top = Math.max(top, r.top)), (bottom = Math.min(bottom, r.bottom));
      }
      // Clipped to nothing; an element of no height or width (a view trigger's marker) still has its outline.
      if (right < left || bottom < top || (right === left && rect.width) || (bottom === top && rect.height)) continue;
      // Outlines out of view are not drawn: on a page of thousands of annotated rows, each drawn, every scrolled frame
      // took a quarter of a second.
      if (bottom < 0 || right < 0 || top > innerHeight || left > innerWidth) continue;
      boxes.push({ entry, top: top / zoom, left: left / zoom, width: (right - left) / zoom, height: (bottom - top) / zoom });
    }
    this._boxes = boxes;
  }

  #raise() {
    try {
      this.hidePopover();
      this.showPopover();
    } catch {
      // No popovers in this browser: the z-index serves.
    }
  }

  /** A page's popover opened (toggle does not bubble: heard in the capture phase); not the overlay's own. */
  #onToggle = (event: Event) => {
    if (event.target !== this && (event as ToggleEvent).newState === 'open') this.#raise();
  };

  /** Redraws at the next frame; the page is scanned again only when it changed since the last scan. */
  #schedule = () => {
    if (this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.#redraw(this.#changed);
      this.#changed = false;
    });
  };

  #onChange() {
    this.#changed = true;
    this.#schedule();
  }

  /**
   * Lists one `heap-event`, once: two `<heap-analytics>` of one env id (a layout's and a page's) share a tracker and
   * each re-emits its events, which the list showed twice.
   */
  record(event: Event): void {
    const detail = (event as CustomEvent<HeapEvent>).detail;
    if (!detail || typeof detail !== 'object' || this._events.some((e) => e.id === detail.id)) return;
    // The element that re-emitted it (its path is empty once dispatched: then the target, the element itself).
    this.#envs.set(detail, ((event.composedPath()[0] ?? event.target) as Element).getAttribute?.('env-id') ?? '');
    this._events = [detail, ...this._events].slice(0, MAX_LIVE);
  }

  #onHeapEvent = (event: Event) => this.record(event);

  #onHover = (event: Event) => {
    const path = event.composedPath();
    if (path.includes(this)) return;
    const entry = this.#innermost(path);
    if ((entry?.element ?? null) === this.#hovered) return;
    this.#hovered = entry?.element ?? null;
    this._selected = entry;
  };

  #innermost(path: EventTarget[]): AuditEntry | null {
    for (const target of path) {
      const entry = this._entries.find((e) => e.element === target && e.kind === 'event');
      if (entry) return entry;
    }
    return null;
  }

  #select(entry: AuditEntry) {
    this._selected = entry;
    try {
      entry.element.scrollIntoView({ block: 'nearest' });
    } catch {
      // An element removed meanwhile cannot scroll.
    }
  }

  override render() {
    const problems = this._entries.filter((e) => e.problems.length);
    const problemCount = problems.reduce((n, e) => n + e.problems.length, 0);
    const selected = this._selected;
    const selectedBox = selected && this._boxes.find((b) => b.entry === selected);
    // Positions go in through the style property (CSSOM), the outlines' and the details' alike: a page whose CSP allows
    // no inline styles refuses a style attribute written in markup, and every outline sat in the corner, sizeless.
    return html`
      <div aria-hidden="true">
        ${this._boxes.map(
          (b) => html`<div
            class="box ${b.entry.kind} ${b.entry.problems.length ? 'problem' : ''} ${b.entry === selected ? 'selected' : ''}"
            part="outline"
            .style=${`top:${b.top}px;left:${b.left}px;width:${b.width}px;height:${b.height}px`}
          >${b.entry.event !== null ? html`<span class="label">${b.entry.event}</span>` : nothing}</div>`,
        )}
      </div>
      ${selected && selectedBox ? this.#detail(selected, selectedBox) : nothing}
      <section class="panel ${this._open ? '' : 'closed'}" part="panel" aria-label="heap-analytics debug" @keydown=${this.#onKey}>
        <header>
          <strong>heap-analytics debug</strong>
          ${this._open
            ? html`${this.#tabButton('elements', `Elements ${this._entries.length}`)} ${this.#tabButton('problems', `Problems ${problemCount}`)}
              ${this.#tabButton('events', `Events ${this._events.length}`)}`
            : html`<span>${problemCount} problems</span>`}
          <button class="toggle" @click=${() => (this._open = !this._open)} aria-label=${this._open ? 'Collapse' : 'Expand'} aria-expanded=${this._open}>${this._open ? '–' : '+'}</button>
        </header>
        ${this._open ? guard([this._tab, this._entries, this._selected, this._events], () => this.#list(problems)) : nothing}
      </section>
    `;
  }

  /** Escape, with the keyboard in the panel, collapses it and leaves the keyboard on the button that expands it again. */
  #onKey = (event: KeyboardEvent) => {
    if (event.key !== 'Escape' || !this._open) return;
    this._open = false;
    this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('.toggle')!.focus());
  };

  #tabButton(tab: 'elements' | 'problems' | 'events', label: string) {
    return html`<button aria-pressed=${this._tab === tab ? 'true' : 'false'} @click=${() => (this._tab = tab)}>${label}</button>`;
  }

  #list(problems: AuditEntry[]) {
    if (this._tab === 'events') {
      // Two trackers (two env ids) capture each click twice: which is which.
      const several = new Set(this._events.map((e) => this.#envs.get(e))).size > 1;
      return html`<ul class="events">
        ${this._events.length ? nothing : html`<li class="muted">No event yet: interact with the page.</li>`}
        ${this._events.map(
          // A pageview's path: a single-page app's pageviews were a column of identical lines.
          (e) => html`<li class="event"><strong>${e.type}</strong> ${e.name ?? (e.type === 'pageview' ? e.page?.path : '')} ${e.target ? html`<span class="muted">&lt;${e.target.tag}${e.target.id ? `#${e.target.id}` : ''}&gt;</span>` : nothing}
            ${several ? html`<span class="muted">· ${this.#envs.get(e)}</span>` : nothing}
            ${e.properties && Object.keys(e.properties).length ? html`<pre>${JSON.stringify(e.properties)}</pre>` : nothing}</li>`,
        )}
      </ul>`;
    }
    const list = this._tab === 'problems' ? problems : this._entries;
    return html`<ul class=${this._tab}>
      ${list.length ? nothing : html`<li class="muted">${this._tab === 'problems' ? 'No markup problems found.' : 'No data-heap-* markup on this page.'}</li>`}
      ${list.map(
        (entry) => html`<li class=${entry === this._selected ? 'selected' : ''} @click=${() => this.#select(entry)}>
          <button class="pick" aria-pressed=${entry === this._selected}>
            <span>${entry.description}</span>
            ${this._tab === 'problems'
              ? entry.problems.map((p) => html`<span><span class="code">${p.code}</span> ${p.message}</span>`)
              : html`<span class="muted">${entry.kind === 'event' ? `${entry.event ?? '(no name)'} on ${entry.triggers.join(', ')}` : entry.kind}${entry.problems.length ? html` · <span class="code">${entry.problems.length} problem(s)</span>` : nothing}</span>`}
          </button>
        </li>`,
      )}
    </ul>`;
  }

  #detail(entry: AuditEntry, box: Box) {
    const below = box.top + box.height + 6;
    const top = below + 120 < innerHeight / this.#zoom ? below : Math.max(4, box.top - 126);
    return html`<div class="detail" part="detail" .style=${`top:${top}px;left:${Math.max(4, Math.min(box.left, innerWidth / this.#zoom - 370))}px`}>
      <div><strong>${entry.event ?? entry.kind}</strong>${entry.triggers.length ? ` · ${entry.triggers.join(', ')}` : ''}</div>
      <pre>${JSON.stringify(entry.properties, null, 1)}</pre>
      ${entry.problems.map((p) => html`<div>⚠ ${p.code}</div>`)}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'heap-analytics-debug': HeapAnalyticsDebugElement;
  }
}
