import { expect, fixture, html } from '@open-wc/testing';
import './heap-analytics-define.ts';
import type { HeapAnalyticsElement } from './heap-analytics.ts';
import type { HeapAnalyticsDebugElement } from './heap-analytics-debug.ts';
import { loadDebugOverlay } from './heap-analytics-debug-loader.ts';
import { getRuntime } from '../runtime/load.ts';
import { captureConsole, cleanUp, ENDPOINT, failOnUncaught, forgetEnv, uniqueEnv } from '../test/collector.ts';
import { mount, settled, unmount, until } from '../test/markup.ts';

// The Document's own method: a test below names an image querySelector.
const overlay = () => Document.prototype.querySelector.call(document, 'heap-analytics-debug') as HeapAnalyticsDebugElement | null;
const shadow = (el: HeapAnalyticsDebugElement) => el.shadowRoot!;

async function tab(el: HeapAnalyticsDebugElement, name: string): Promise<HTMLElement> {
  const button = [...shadow(el).querySelectorAll('header button')].find((b) => b.textContent!.startsWith(name)) as HTMLElement;
  button.click();
  await el.updateComplete;
  return shadow(el).querySelector('ul')!;
}

describe('<heap-analytics-debug>', () => {
  let envId = '';
  afterEach(() => {
    getRuntime(envId)?.dispose();
    forgetEnv(envId);
    delete (window as { heap?: unknown }).heap;
    overlay()?.remove();
    unmount();
    cleanUp();
  });

  async function start(attrs = true) {
    envId = uniqueEnv('debug');
    const page = mount(`<section data-heap-props='{"section":"pricing"}'>
      <button id="buy" data-heap-event="Buy" data-heap-prop-plan="pro">Buy</button></section>
      <button id="bad" data-heap-event="Broken" data-heap-props='{"plan": pro}'>Broken</button>`);
    const el = attrs
      ? await fixture<HeapAnalyticsElement>(html`<heap-analytics env-id=${envId} endpoint=${ENDPOINT} flush-interval="20" debug-overlay></heap-analytics>`)
      : await fixture<HeapAnalyticsElement>(html`<heap-analytics env-id=${envId} endpoint=${ENDPOINT} flush-interval="20"></heap-analytics>`);
    expect(await el.ready).to.equal(true);
    // The element imports the overlay's module on first use, which a busy test server can take longer to serve than
    // `until` waits for a draw: wait for that module itself (the same import, so the element's copy resolves with it).
    if (attrs) await import('./heap-analytics-debug-define.ts');
    return { el, page };
  }

  it('is loaded by the debug-overlay attribute, outlines annotated elements and lists problems', async () => {
    await start();
    await until(() => !!overlay()?.shadowRoot?.querySelector('.box'), 'the overlay to draw');
    const el = overlay()!;
    expect(el.hasAttribute('data-heap-ignore')).to.equal(true);
    expect(el.entries.map((e) => e.event)).to.deep.equal([null, 'Buy', 'Broken']);
    // One outline per annotated element; labels name the events.
    expect(shadow(el).querySelectorAll('.box').length).to.equal(3);
    expect([...shadow(el).querySelectorAll('.label')].map((l) => l.textContent)).to.deep.equal(['Buy', 'Broken']);
    const problems = await tab(el, 'Problems');
    expect(problems.textContent).to.contain('<button id="bad" data-heap-event="Broken">');
    expect(problems.textContent).to.contain('markup-json-invalid');
  });

  it('lists the problems of its own identity attributes, which the tracker warns of', async () => {
    envId = uniqueEnv('debug');
    mount(`<button data-heap-event="Buy">Buy</button>`);
    const el = await fixture<HeapAnalyticsElement>(html`<heap-analytics env-id=${envId} endpoint=${ENDPOINT} identity="undefined" user-properties='{"plan": "pro"' debug-overlay></heap-analytics>`);
    expect(await el.ready).to.equal(true);
    await import('./heap-analytics-debug-define.ts');
    await until(() => !!overlay()?.shadowRoot?.querySelector('.box'), 'the overlay to draw');
    const problems = await tab(overlay()!, 'Problems');
    expect(problems.textContent).to.contain('<heap-analytics>');
    expect(problems.textContent).to.contain('identity-junk');
    expect(problems.textContent).to.contain('user-properties on <heap-analytics> is not a JSON object');
  });

  it('shows the properties an element would send when it is hovered', async () => {
    const { page } = await start();
    await until(() => !!overlay()?.shadowRoot?.querySelector('.box'), 'the overlay to draw');
    const el = overlay()!;
    page.querySelector('#buy')!.dispatchEvent(new MouseEvent('mouseover', { bubbles: true, composed: true }));
    await el.updateComplete;
    const detail = shadow(el).querySelector('.detail')!;
    expect(detail.textContent).to.contain('Buy');
    expect(JSON.parse(detail.querySelector('pre')!.textContent!)).to.deep.equal({ section: 'pricing', plan: 'pro' });
  });

  it('shows markup in its own order on a right-to-left page', async () => {
    document.documentElement.dir = 'rtl';
    try {
      await start();
      await until(() => !!overlay()?.shadowRoot?.querySelector('.box'), 'the overlay to draw');
      const list = await tab(overlay()!, 'Elements');
      const description = [...list.querySelectorAll('.pick > span')].find((s) => s.textContent!.startsWith('<button id="buy"'))!;
      const text = [...description.childNodes].find((n) => n.nodeType === Node.TEXT_NODE) as Text;
      // Where its first and last characters are drawn: `<` left of `>`, not the brackets swapped and moved.
      const at = (i: number) => {
        const range = document.createRange();
        range.setStart(text, i);
        range.setEnd(text, i + 1);
        return range.getBoundingClientRect().left;
      };
      expect(at(0) < at(text.data.length - 1), text.data).to.equal(true);
    } finally {
      document.documentElement.removeAttribute('dir');
    }
  });

  it('keeps the element picked in the list, and its details, when the page changes or scrolls', async () => {
    const { page } = await start();
    await until(() => !!overlay()?.shadowRoot?.querySelector('.box'), 'the overlay to draw');
    const el = overlay()!;
    const list = await tab(el, 'Elements');
    (list.querySelectorAll('li')[1] as HTMLElement).click();
    await el.updateComplete;
    expect(shadow(el).querySelector('.detail')!.textContent).to.contain('Buy');
    // A page that changes by itself (a clock, a carousel) or scrolls: the overlay reads the page again.
    const before = el.entries;
    page.append(document.createElement('span'));
    await until(() => el.entries !== before, 'the overlay to read the page again');
    await el.updateComplete;
    expect(shadow(el).querySelector('.detail')?.textContent ?? '').to.contain('Buy');
    expect(shadow(el).querySelector('li.selected')?.textContent ?? '').to.contain('data-heap-event="Buy"');
  });

  it('outlines each annotated element where it is on a page zoomed by CSS zoom on <html>', async () => {
    document.documentElement.style.zoom = '1.5';
    try {
      const { page } = await start();
      await until(() => !!overlay()?.shadowRoot?.querySelector('.box'), 'the overlay to draw');
      const el = overlay()!;
      const rect = (target: Element) => {
        const r = target.getBoundingClientRect();
        return [r.left, r.top, r.width, r.height].map(Math.round);
      };
      const button = page.querySelector('#buy')!;
      const index = el.entries.findIndex((e) => e.element === button);
      expect(rect(shadow(el).querySelectorAll('.box')[index]!)).to.deep.equal(rect(button));
    } finally {
      document.documentElement.style.zoom = '';
    }
  });

  it('outlines markup a component renders into its shadow root after the overlay drew, and once it is defined', async () => {
    const { page } = await start();
    await until(() => !!overlay()?.shadowRoot?.querySelector('.box'), 'the overlay to draw');
    const el = overlay()!;
    const host = document.createElement('div');
    const root = host.attachShadow({ mode: 'open' });
    let before = el.entries;
    page.append(host);
    await until(() => el.entries !== before, 'the overlay to read the page again');
    // Rendered later, with nothing else on the page changing: a component's own update.
    root.innerHTML = '<button data-heap-event="Shadow buy">Buy</button>';
    await until(() => el.entries.some((e) => e.event === 'Shadow buy'), 'the markup in the shadow root');
    // A component whose tag is defined after the overlay's scan (a lazily loaded library): it renders on upgrade.
    const tag = `x-${envId.toLowerCase()}`;
    before = el.entries;
    page.insertAdjacentHTML('beforeend', `<${tag}></${tag}>`);
    await until(() => el.entries !== before, 'the overlay to read the page again');
    customElements.define(
      tag,
      class extends HTMLElement {
        connectedCallback() {
          this.attachShadow({ mode: 'open' }).innerHTML = '<a href="#" data-heap-event="Upgraded">Go</a>';
        }
      },
    );
    await until(() => el.entries.some((e) => e.event === 'Upgraded'), 'the markup of the upgraded element');
    await el.updateComplete;
    expect([...shadow(el).querySelectorAll('.label')].map((l) => l.textContent)).to.include.members(['Shadow buy', 'Upgraded']);
  });

  it('outlines the part of an element its scrolled list or carousel shows, and none for those it hides', async () => {
    const { page } = await start();
    await until(() => !!overlay()?.shadowRoot?.querySelector('.box'), 'the overlay to draw');
    const el = overlay()!;
    const items = Array.from({ length: 20 }, (_, i) => `<li><button data-heap-event="Item ${i}" style="display:block;height:40px">Item ${i}</button></li>`).join('');
    // A dropdown positioned against the page escapes the list's overflow, and stays outlined.
    page.insertAdjacentHTML('afterbegin', `<ul id="list" style="height:100px;overflow:auto;margin:0;padding:0">${items}<li><span data-heap-event="Escaping" style="position:absolute;top:400px;left:300px">Menu</span></li></ul>`);
    const list = page.querySelector('#list')!;
    list.scrollTop = 20;
    await until(() => el.entries.some((e) => e.event === 'Escaping'), 'the overlay to read the page again');
    await until(() => [...shadow(el).querySelectorAll('.label')].some((l) => l.textContent === 'Item 2'), 'the outlines to follow the scroll');
    const drawn = [...shadow(el).querySelectorAll('.box')].filter((b) => b.textContent!.startsWith('Item '));
    // Items 0 (in part) to 2 show; 3, just below its edge, to 19 are hidden by the list.
    expect(drawn.map((b) => b.textContent)).to.deep.equal(['Item 0', 'Item 1', 'Item 2']);
    const bounds = list.getBoundingClientRect();
    for (const box of drawn.map((b) => b.getBoundingClientRect())) {
      expect(box.top).to.be.at.least(bounds.top - 0.5);
      expect(box.bottom).to.be.at.most(bounds.bottom + 0.5);
    }
    expect([...shadow(el).querySelectorAll('.label')].map((l) => l.textContent)).to.include('Escaping');
  });

  it('outlines, of a page with thousands of annotated elements, those in view, and follows the scroll', async () => {
    const { page } = await start();
    await until(() => !!overlay()?.shadowRoot?.querySelector('.box'), 'the overlay to draw');
    const el = overlay()!;
    page.insertAdjacentHTML('beforeend', `<ul>${Array.from({ length: 2000 }, (_, i) => `<li><button data-heap-event="Row ${i}">Row ${i}</button></li>`).join('')}</ul>`);
    await until(() => el.entries.length > 2000, 'the overlay to read the page again');
    await el.updateComplete;
    const labels = () => [...shadow(el).querySelectorAll('.label')].map((l) => l.textContent);
    // Each drawn outline is an element of the overlay, redrawn at every scrolled frame.
    expect(labels().length).to.be.within(1, 200);
    const row = page.querySelectorAll('li button')[1500]!;
    try {
      row.scrollIntoView({ block: 'center' });
      await until(() => labels().includes('Row 1500'), 'the outline of the row scrolled to');
      const box = [...shadow(el).querySelectorAll('.box')].find((b) => b.textContent === 'Row 1500')!.getBoundingClientRect();
      expect(Math.round(box.top)).to.equal(Math.round(row.getBoundingClientRect().top));
      expect(labels()).not.to.include('Row 0');
    } finally {
      scrollTo(0, 0);
    }
  });

  it('is used from the keyboard (its rows are buttons, Escape collapses the panel and moves the keyboard to its expand button), its outlines hidden from screen readers', async () => {
    await start();
    await until(() => !!overlay()?.shadowRoot?.querySelector('.box'), 'the overlay to draw');
    const el = overlay()!;
    const list = await tab(el, 'Elements');
    // The list's rows are buttons, which the keyboard reaches and Enter or Space presses (the browser's own behaviour).
    // Keys are dispatched here, not typed: with two test windows open, Firefox gives the keyboard to the other one.
    const row = list.querySelectorAll('li')[1]!.querySelector('button') as HTMLButtonElement;
    expect(row.localName).to.equal('button');
    row.focus();
    row.click();
    await until(() => (shadow(el).querySelector('.detail')?.textContent ?? '').includes('Buy'), 'the detail of the element picked');
    row.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, composed: true }));
    await until(() => shadow(el).activeElement?.getAttribute('aria-label') === 'Expand', 'the keyboard on the expand button');
    expect(shadow(el).querySelector('.panel')!.classList.contains('closed')).to.equal(true);
    (shadow(el).activeElement as HTMLButtonElement).click();
    await el.updateComplete;
    expect(shadow(el).querySelector('.panel')!.classList.contains('closed')).to.equal(false);
    // A screen reader reads the panel, not a label per outlined element at the end of the page.
    for (const box of shadow(el).querySelectorAll('.box')) expect(box.closest('[aria-hidden="true"]')).not.to.equal(null);
  });

  it('warns once per page when reading the page again fails, not on every change, scroll or resize', async () => {
    const { page } = await start();
    await until(() => !!overlay()?.shadowRoot?.querySelector('.box'), 'the overlay to draw');
    const el = overlay()!;
    // A page script that patched an annotated element's method: each rescan measures it and fails.
    Object.defineProperty(page.querySelector('#buy')!, 'getBoundingClientRect', {
      value: () => {
        throw new Error('patched by the page');
      },
    });
    const { warnings } = await captureConsole(() => {
      for (let i = 0; i < 3; i++) el.refresh();
    });
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.include('debug-overlay-failed').and.include('patched by the page');
  });

  it('stays above the page’s own fixed layers, even one at the highest z-index (a chat widget, a cookie banner)', async () => {
    const { page } = await start();
    await until(() => !!overlay()?.shadowRoot?.querySelector('.panel'), 'the overlay to draw');
    const banner = document.createElement('div');
    banner.style.cssText = 'position:fixed;inset:0;z-index:2147483647;background:#fff';
    page.append(banner);
    const panel = overlay()!.shadowRoot!.querySelector('.panel')!.getBoundingClientRect();
    const hit = document.elementFromPoint(panel.left + panel.width / 2, panel.top + panel.height / 2);
    expect(hit === overlay(), `the panel is under <${hit?.localName}>`).to.equal(true);
  });

  it('stays above the page’s popovers and modal dialogs opened after it, without dimming the page', async () => {
    // A page rule for every backdrop, as sites write for their dialogs.
    const style = document.createElement('style');
    style.textContent = '::backdrop { background: rgb(0 0 0 / 0.5); }';
    document.head.append(style);
    try {
      const { page } = await start();
      await until(() => !!overlay()?.shadowRoot?.querySelector('.panel'), 'the overlay to draw');
      const el = overlay()!;
      const center = () => {
        const box = el.shadowRoot!.querySelector('.panel')!.getBoundingClientRect();
        return [box.left + box.width / 2, box.top + box.height / 2] as const;
      };
      // A menu or a toast in the top layer, over the panel's corner.
      page.insertAdjacentHTML('beforeend', '<div popover="manual" id="menu" style="inset:0;width:auto;height:auto;margin:0"><button data-heap-event="Menu item">Item</button></div>');
      (page.querySelector('#menu') as HTMLElement & { showPopover(): void }).showPopover();
      await until(() => document.elementFromPoint(...center()) === el, 'the overlay over the popover');
      const [x, y] = center();
      expect(document.elementsFromPoint(x, y).some((e) => e.id === 'menu'), 'the popover is still open').to.equal(true);
      // Its own top-layer box takes no backdrop of the page's.
      expect(getComputedStyle(el, '::backdrop').display).to.equal('none');
      // A modal dialog makes the rest of the page inert, the overlay too (no hit test reaches it): that it enters the
      // top layer again after the dialog, so above it, with the outlines of the dialog's elements, is what shows.
      (page.querySelector('#menu') as HTMLElement & { hidePopover(): void }).hidePopover();
      page.insertAdjacentHTML('beforeend', '<dialog><button data-heap-event="Sign up">Sign up</button></dialog>');
      const dialog = page.querySelector('dialog')!;
      let raised = false;
      el.addEventListener('toggle', (e) => (raised ||= (e as ToggleEvent).newState === 'open'));
      dialog.showModal();
      await until(() => raised && el.matches(':popover-open'), 'the overlay to enter the top layer over the dialog');
      dialog.close();
    } finally {
      style.remove();
    }
  });

  it('keeps its place above the page and its own font on a page whose CSS reset unsets every element', async () => {
    // The "new CSS reset" many sites copy: every element but a few loses every style, the overlay's host included.
    const reset = document.createElement('style');
    reset.textContent = '*:where(:not(html, iframe, canvas, img, svg, video, audio):not(svg *, symbol *)) { all: unset; display: revert; } html { font-family: serif; }';
    document.head.append(reset);
    try {
      const { page } = await start();
      await until(() => !!overlay()?.shadowRoot?.querySelector('.panel'), 'the overlay to draw');
      // A sticky header or a modal's layer, as most sites have.
      const layer = document.createElement('p');
      layer.style.cssText = 'position:fixed;inset:0;z-index:10;background:#fff';
      page.append(layer);
      const panel = overlay()!.shadowRoot!.querySelector('.panel')!;
      const box = panel.getBoundingClientRect();
      const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
      expect(hit === overlay(), `the panel is under <${hit?.localName}>`).to.equal(true);
      expect(getComputedStyle(panel).fontFamily).to.contain('system-ui');
    } finally {
      reset.remove();
    }
  });

  it('lists live events, and clicks inside it send nothing', async () => {
    const { el: heap, page } = await start();
    await until(() => !!overlay()?.shadowRoot?.querySelector('.box'), 'the overlay to draw');
    const el = overlay()!;
    // Clicks on the overlay's own controls: autocapture must skip them, markup must not claim them.
    await tab(el, 'Elements');
    (shadow(el).querySelector('ul li') as HTMLElement).click();
    await tab(el, 'Problems');
    const before = await settled(heap.runtime!);
    expect(before.filter((e) => e.type !== 'pageview' && e.name !== '__sentinel__')).to.deep.equal([]);

    (page.querySelector('#buy') as HTMLElement).click();
    const events = await tab(el, 'Events');
    await until(() => el.events.some((e) => e.name === 'Buy'), 'the live event');
    await el.updateComplete;
    expect(events.textContent).to.contain('Buy');
    expect(events.textContent).to.contain('"plan":"pro"');
    // Autocapture is on: the page's own click was captured, the overlay's were not.
    const after = await settled(heap.runtime!);
    expect(after.filter((e) => e.type !== 'pageview' && e.name !== '__sentinel__').map((e) => [e.type, e.target?.tag])).to.deep.equal([
      ['click', 'button'],
      ['track', 'button'],
    ]);
  });

  it('lists the events captured before it loaded (the boot pageview, the calls a snippet queued), in order, then the later ones', async () => {
    envId = uniqueEnv('debug-early');
    window.heap = Object.assign([['identify', 'u1'], ['track', 'Queued', { n: 1 }]], { appid: envId }) as never;
    const heap = await fixture<HeapAnalyticsElement>(html`<heap-analytics env-id=${envId} endpoint=${ENDPOINT} flush-interval="20" debug-overlay></heap-analytics>`);
    await import('./heap-analytics-debug-define.ts');
    await until(() => !!overlay()?.shadowRoot?.querySelector('.panel'), 'the overlay to draw');
    heap.track('After');
    const el = overlay()!;
    await until(() => el.events.some((e) => e.name === 'After'), 'the later event');
    // Newest first.
    expect(el.events.map((e) => `${e.type} ${e.name ?? ''}`.trim())).to.deep.equal(['track After', 'track Queued', 'pageview', 'identify']);
    await el.updateComplete;
    const list = await tab(el, 'Events');
    expect(list.querySelectorAll('li.event').length).to.equal(4);
  });

  it('lists each event once where two <heap-analytics> of one env id share the tracker', async () => {
    envId = uniqueEnv('debug-twice');
    const page = mount(`<button id="buy" data-heap-event="Buy">Buy</button>`);
    // A layout's element and a page template's: the second reuses the first's tracker (one console warning).
    await captureConsole(() =>
      fixture(html`<div><heap-analytics env-id=${envId} endpoint=${ENDPOINT} debug-overlay></heap-analytics><heap-analytics env-id=${envId} endpoint=${ENDPOINT}></heap-analytics></div>`),
    );
    await import('./heap-analytics-debug-define.ts');
    await until(() => !!overlay()?.shadowRoot?.querySelector('.box'), 'the overlay to draw');
    (page.querySelector('#buy') as HTMLElement).click();
    const el = overlay()!;
    await until(() => el.events.some((e) => e.name === 'Buy'), 'the click');
    await settled(getRuntime(envId)!);
    expect(el.events.filter((e) => e.type !== 'pageview').map((e) => `${e.type} ${e.name ?? ''}`.trim())).to.deep.equal(['track __sentinel__', 'track Buy', 'click']);
  });

  it('lists each pageview of a single-page app with its path', async () => {
    await start();
    await until(() => !!overlay()?.shadowRoot?.querySelector('.panel'), 'the overlay to draw');
    const el = overlay()!;
    const url = location.href;
    try {
      const pageviews = () => el.events.filter((e) => e.type === 'pageview').length;
      history.pushState(null, '', '/debug-route-a');
      await until(() => pageviews() === 2, 'the pageview of the first route');
      history.pushState(null, '', '/debug-route-b?x=1');
      await until(() => pageviews() === 3, 'the pageview of the second route');
      const list = await tab(el, 'Events');
      const lines = [...list.querySelectorAll('li')].map((li) => li.textContent!.replace(/\s+/g, ' ').trim()).filter((text) => text.startsWith('pageview'));
      expect(lines.slice(0, 2)).to.deep.equal(['pageview /debug-route-b', 'pageview /debug-route-a']);
    } finally {
      history.replaceState(history.state, '', url);
    }
  });

  it('names the env id of each event where two trackers (two env ids) capture the same click', async () => {
    envId = uniqueEnv('debug-one');
    const other = uniqueEnv('debug-two');
    const page = mount(`<button id="buy" data-heap-event="Buy">Buy</button>`);
    try {
      await fixture(html`<div><heap-analytics env-id=${envId} endpoint=${ENDPOINT} debug-overlay></heap-analytics><heap-analytics env-id=${other} endpoint=${ENDPOINT}></heap-analytics></div>`);
      await import('./heap-analytics-debug-define.ts');
      await until(() => !!overlay()?.shadowRoot?.querySelector('.box'), 'the overlay to draw');
      (page.querySelector('#buy') as HTMLElement).click();
      const el = overlay()!;
      await until(() => el.events.filter((e) => e.name === 'Buy').length === 2, 'both trackers’ events');
      const list = await tab(el, 'Events');
      const buys = [...list.querySelectorAll('li')].map((li) => li.textContent!.replace(/\s+/g, ' ').trim()).filter((text) => text.startsWith('track Buy'));
      expect(buys.map((text) => text.slice(text.lastIndexOf('· ') + 2)).sort()).to.deep.equal([envId, other].sort());
    } finally {
      getRuntime(other)?.dispose();
      forgetEnv(other);
    }
  });

  it('is loaded by ?heap-debug in the page URL, through the same loader', async () => {
    const { el } = await start(false);
    expect(overlay()).to.equal(null);
    // The page's own URL is what the loader reads: set it for the test, then put it back.
    const url = location.href;
    const visit = (query: string) => history.replaceState(history.state, '', `${location.pathname}${query}`);
    try {
      for (const query of ['?x=1', '?heap-debugger', '?x=heap-debug']) {
        visit(query);
        expect(await loadDebugOverlay(el), query).to.equal(null);
      }
      visit('?heap-debug=1');
      const loaded = await loadDebugOverlay(el);
      expect(loaded).to.equal(overlay());
      expect(loaded!.localName).to.equal('heap-analytics-debug');
      // Later requests reuse the overlay.
      for (const query of ['?x=1&heap-debug', '?heap-debug', '?heap-debug#top']) {
        visit(query);
        expect(await loadDebugOverlay(el), query).to.equal(loaded);
      }
    } finally {
      history.replaceState(history.state, '', url);
    }
    expect(document.querySelectorAll('heap-analytics-debug').length).to.equal(1);
  });

  it('is not loaded by debug-overlay="false", as every boolean attribute reads "false" (a template binding it off)', async () => {
    const { el } = await start(false);
    for (const value of ['false', ' FALSE ']) {
      el.setAttribute('debug-overlay', value);
      expect(loadDebugOverlay(el) === null, value).to.equal(true);
    }
    el.setAttribute('debug-overlay', 'true');
    expect(await loadDebugOverlay(el)).to.equal(overlay());
  });

  it('outlines each annotated element where it is, and shows its details there, on a page whose CSP allows no inline styles', async () => {
    envId = uniqueEnv('debug-csp');
    const frame = document.createElement('iframe');
    // Tall enough for the details to go below the element.
    frame.style.height = '400px';
    // A policy without 'unsafe-inline' for styles refuses every style attribute written in markup; it is reported.
    frame.srcdoc = `<meta http-equiv="Content-Security-Policy" content="style-src 'self'">
      <p>Pricing</p><button data-heap-event="Buy">Buy the plan</button>
      <script type="module">
        const refused = [];
        document.addEventListener('securitypolicyviolation', (e) => refused.push(e.violatedDirective));
        await import('/components/heap-analytics-define.ts');
        const heap = document.createElement('heap-analytics');
        for (const [name, value] of [['env-id', '${envId}'], ['endpoint', '${ENDPOINT}'], ['debug-overlay', '']]) heap.setAttribute(name, value);
        document.body.append(heap);
        const button = document.querySelector('button');
        const root = () => document.querySelector('heap-analytics-debug')?.shadowRoot;
        while (!root()?.querySelector('.box')) await new Promise((resolve) => setTimeout(resolve, 20));
        button.dispatchEvent(new MouseEvent('mouseover', { bubbles: true, composed: true }));
        while (!root().querySelector('.detail')) await new Promise((resolve) => setTimeout(resolve, 20));
        const rect = (el) => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.width, r.height].map(Math.round); };
        const detail = root().querySelector('.detail').getBoundingClientRect();
        parent.postMessage({ button: rect(button), box: rect(root().querySelector('.box')), detailBelow: detail.top > button.getBoundingClientRect().bottom, refused }, '*');
      </script>`;
    const answer = new Promise<Record<string, unknown>>((resolve) => addEventListener('message', (e) => resolve(e.data), { once: true }));
    document.body.append(frame);
    try {
      const { button, ...seen } = await answer;
      expect(seen).to.deep.equal({ box: button, detailBelow: true, refused: [] });
    } finally {
      frame.remove();
    }
  });

  describe('on a page whose images and forms are named like the document’s members', () => {
    failOnUncaught();

    it('is added, outlines, shows properties on hover and is removed without an error on the page', async () => {
      envId = uniqueEnv('debug-named');
      const heap = document.createElement('heap-analytics');
      for (const [name, value] of [['env-id', envId], ['endpoint', ENDPOINT], ['debug-overlay', '']]) heap.setAttribute(name, value!);
      // The names the overlay's own code reads on the document (Lit reads others, such as createElement and importNode).
      const page = mount(`<img name="addEventListener" alt=""><form name="removeEventListener"></form>
        <img name="querySelector" alt=""><img name="documentElement" alt="">
        <button id="buy" data-heap-event="Buy" data-heap-prop-plan="pro">Buy</button>`);
      page.append(heap);
      await until(() => !!overlay()?.shadowRoot?.querySelector('.box'), 'the overlay to draw');
      const el = overlay()!;
      expect(el.entries.map((e) => e.event)).to.deep.equal(['Buy']);
      page.querySelector('#buy')!.dispatchEvent(new MouseEvent('mouseover', { bubbles: true, composed: true }));
      await el.updateComplete;
      expect(JSON.parse(shadow(el).querySelector('.detail pre')!.textContent!)).to.deep.equal({ plan: 'pro' });
      el.remove();
      heap.remove();
      await new Promise((resolve) => setTimeout(resolve));
    });
  });
});
