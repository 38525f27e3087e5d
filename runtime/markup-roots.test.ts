import { expect } from '@open-wc/testing';
import { html, LitElement } from 'lit';
import { captureConsole, cleanUp, ENDPOINT, forgetEnv, startRuntime, uniqueEnv, waitForEvents } from '../test/collector.ts';
import { load, type HeapRuntime } from './load.ts';
import { resetWarnings } from './warn.ts';
import { mount, settled, tick, tracks, unmount, withoutCustomElements } from '../test/markup.ts';
import { countMarkup, markupStats } from './markup-stats.ts';

countMarkup();

const quiet = { disablePageviewAutocapture: true, disableAutocapture: true };

/** A Lit component whose open shadow root holds annotated markup, as a design system's card would. */
class MarkupCard extends LitElement {
  override render() {
    return html`
      <div data-heap-props='{"module":"card"}'>
        <button id="cta" data-heap-event="Card CTA" data-heap-prop-cta="buy">Buy</button>
        <form data-heap-event="Card form" @submit=${(e: Event) => e.preventDefault()}>
          <input name="q" data-heap-event="Card field" />
          <button id="send">Send</button>
        </form>
        <p data-heap-event="Card loaded" data-heap-trigger="load">Card</p>
        <slot></slot>
      </div>`;
  }
}
customElements.define('markup-card', MarkupCard);

/** The same card, defined only when a test says so: its shadow root appears on upgrade, with no mutation to see. */
class LateCard extends LitElement {
  override render() {
    return html`<p data-heap-event="Late loaded" data-heap-trigger="load">Late</p><input data-heap-event="Late field" />`;
  }
}

const inner = (host: Element, selector: string) => host.shadowRoot!.querySelector(selector) as HTMLElement;
const change = (el: Element) => el.dispatchEvent(new Event('change', { bubbles: true }));

describe('markup in shadow roots', () => {
  afterEach(() => {
    unmount();
    cleanUp();
  });

  it('tracks clicks, submits, changes and load triggers inside a Lit component, with scopes across the boundary', async () => {
    const heap = startRuntime('lit', quiet);
    await heap.ready;
    const root = mount(`<section data-heap-prop-section="pricing"><markup-card><input id="slotted" data-heap-event="Slotted field"></markup-card></section>`);
    const card = root.querySelector('markup-card') as MarkupCard;
    await card.updateComplete;
    await waitForEvents(heap.envId, 1, { name: 'Card loaded' });
    inner(card, '#cta').click();
    change(inner(card, 'input'));
    inner(card, '#send').click();
    change(root.querySelector('#slotted')!);
    expect(tracks(await settled(heap))).to.deep.equal([
      ['Card loaded', { section: 'pricing', module: 'card' }],
      ['Card CTA', { section: 'pricing', module: 'card', cta: 'buy' }],
      ['Card field', { section: 'pricing', module: 'card' }],
      ['Card form', { section: 'pricing', module: 'card' }],
      // A slotted field's change passes through the card's shadow root and the document: counted once.
      ['Slotted field', { section: 'pricing' }],
    ]);
  });

  it('finds the shadow root of a component present at boot', async () => {
    const root = mount(`<markup-card></markup-card>`);
    const card = root.querySelector('markup-card') as MarkupCard;
    await card.updateComplete;
    const heap = startRuntime('litboot', quiet);
    await heap.ready;
    change(inner(card, 'input'));
    const names = tracks(await settled(heap)).map(([name]) => name);
    expect(names).to.deep.equal(['Card loaded', 'Card field']);
  });

  it('finds the shadow root of a component defined after it was inserted, in the document or in a shadow root', async () => {
    const heap = startRuntime('late', quiet);
    await heap.ready;
    const root = mount(`<late-card></late-card><div id="host"></div>`);
    // The host was empty when it was inserted: a click reveals its root, which holds a card of the same tag.
    const host = root.querySelector('#host')!;
    host.attachShadow({ mode: 'open' }).innerHTML = `<button>Open</button><late-card></late-card>`;
    inner(host, 'button').click();
    await tick();
    expect(markupStats(heap)!.roots).to.equal(2);
    customElements.define('late-card', LateCard);
    const card = root.querySelector('late-card') as LateCard;
    const nested = inner(host, 'late-card') as LateCard;
    await Promise.all([card.updateComplete, nested.updateComplete]);
    await waitForEvents(heap.envId, 2, { name: 'Late loaded' });
    change(inner(card, 'input'));
    change(inner(nested, 'input'));
    await waitForEvents(heap.envId, 2, { name: 'Late field' });
    expect(markupStats(heap)!.roots).to.equal(4);
  });

  it('does not look into a removed custom element once its tag is defined', async () => {
    const heap = startRuntime('undefinedgone', quiet);
    await heap.ready;
    const root = mount(`<gone-card></gone-card>`);
    const card = root.querySelector('gone-card')!;
    await tick();
    card.remove();
    await tick();
    customElements.define('gone-card', class extends LateCard {});
    await (card as LateCard).updateComplete;
    await tick();
    expect(markupStats(heap)!.roots).to.equal(1);
    // Back in the page, it is met again.
    root.append(card);
    await tick();
    expect(markupStats(heap)!.roots).to.equal(2);
  });

  // Only where a test can force a collection: Chromium, which web-test-runner.config.mjs starts with --expose-gc.
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    it('lets a removed custom element whose tag is never defined be collected, with its subtree', async () => {
      const heap = startRuntime('undefinedfreed', quiet);
      await heap.ready;
      const box = document.createElement('div');
      box.innerHTML = '<never-defined-panel><p>content</p></never-defined-panel><never-defined-panel></never-defined-panel>';
      const refs = Array.from(box.children, (el) => new WeakRef(el));
      document.body.append(box);
      await tick();
      box.remove();
      box.replaceChildren();
      await tick();
      // A collection may still find them alive for a moment (a record or a stack slot not yet gone: one CI run of
      // two collections did): a few rounds, each in a task of its own; a real leak holds them through all of them.
      for (let round = 0; round < 10 && refs.some((ref) => ref.deref()); round++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        gc();
      }
      expect(refs.map((ref) => ref.deref() === undefined)).to.deep.equal([true, true]);
    });

    it('lets a stopped tracker be collected in a page holding a custom element whose tag is never defined', async () => {
      // A layout that removes <heap-analytics> and renders it again later stops the tracker and boots a new one each
      // time; the wait for the tag's definition, which never ends, kept every stopped tracker (its queue, its stores).
      const envId = uniqueEnv('stoppedfreed');
      mount('<never-defined-widget>hi</never-defined-widget>');
      const refs: WeakRef<HeapRuntime>[] = [];
      for (let i = 0; i < 3; i++) {
        const heap = load(envId, { endpoint: ENDPOINT, ...quiet })!;
        await tick();
        refs.push(new WeakRef(heap));
        heap.dispose();
      }
      forgetEnv(envId);
      // The last one stays reachable from the test's markup probe (its counters): the earlier ones are the check.
      for (let round = 0; round < 10 && refs.slice(0, 2).some((ref) => ref.deref()); round++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        gc();
      }
      expect(refs.slice(0, 2).map((ref) => ref.deref() === undefined)).to.deep.equal([true, true]);
    });
  }

  it('tracks markup around custom-element tags where the page has no custom element registry', async () => {
    resetWarnings();
    const { errors, result } = await withoutCustomElements(() =>
      captureConsole(async () => {
        const heap = startRuntime('noregistry', quiet);
        await heap.ready;
        const root = mount(`<promo-card data-heap-event="Promo opened"><button>Open</button></promo-card><p data-heap-event="Promo shown" data-heap-trigger="load">Sale</p>`);
        await tick();
        (root.querySelector('button') as HTMLElement).click();
        return tracks(await settled(heap));
      }),
    );
    expect(result).to.deep.equal([['Promo shown', {}], ['Promo opened', {}]]);
    expect(errors).to.deep.equal([]);
  });

  it('finds a shadow root attached later by script when the visitor first uses it', async () => {
    const heap = startRuntime('attachlater', quiet);
    await heap.ready;
    const host = mount(`<div></div>`).firstElementChild!;
    await tick();
    host.attachShadow({ mode: 'open' }).innerHTML = `<input data-heap-event="Inner field">`;
    const input = inner(host, 'input');
    await tick();
    expect(markupStats(heap)!.roots).to.equal(1);
    // A click (or, for keyboard users, focus) reveals the root through the event's composed path.
    input.click();
    expect(markupStats(heap)!.roots).to.equal(2);
    change(input);
    await waitForEvents(heap.envId, 1, { name: 'Inner field' });
  });

  it('finds a shadow root attached later from focus alone, as a keyboard user reaches it', async () => {
    const heap = startRuntime('focuslater', quiet);
    await heap.ready;
    const host = mount(`<div></div>`).firstElementChild!;
    await tick();
    host.attachShadow({ mode: 'open' }).innerHTML = `<input data-heap-event="Focused field">`;
    const input = inner(host, 'input');
    let focused = false;
    input.addEventListener('focusin', () => (focused = true), { once: true });
    input.focus();
    // Firefox fires no focus events in a window that is not the focused one (two test pages run at once):
    // there, send the focusin the keyboard user's focus would have sent.
    if (!focused) input.dispatchEvent(new FocusEvent('focusin', { bubbles: true, composed: true }));
    expect(markupStats(heap)!.roots).to.equal(2);
    change(input);
    await waitForEvents(heap.envId, 1, { name: 'Focused field' });
  });

  it('finds a shadow root attached later from a click on content slotted into it', async () => {
    const heap = startRuntime('slotlater', quiet);
    await heap.ready;
    const host = mount(`<div><button>Open</button></div>`).firstElementChild!;
    await tick();
    host.attachShadow({ mode: 'open' }).innerHTML = `<p data-heap-event="Panel loaded" data-heap-trigger="load">Panel</p><slot></slot>`;
    // The click's target is the light-DOM button itself, yet its path passes through the root it is slotted into.
    (host.querySelector('button') as HTMLElement).click();
    expect(markupStats(heap)!.roots).to.equal(2);
    await waitForEvents(heap.envId, 1, { name: 'Panel loaded' });
  });

  it('sees only the host of a closed shadow root: annotate the host', async () => {
    const heap = startRuntime('closed', quiet);
    const root = mount(`<div id="widget" data-heap-event="Widget used" data-heap-prop-kind="closed"></div>`);
    const widget = root.querySelector('#widget')!;
    const shadow = widget.attachShadow({ mode: 'closed' });
    shadow.innerHTML = `<button data-heap-event="Hidden inside">Press</button>`;
    await heap.ready;
    (shadow.querySelector('button') as HTMLElement).click();
    expect(tracks(await settled(heap))).to.deep.equal([['Widget used', { kind: 'closed' }]]);
  });

  it('sends the host\'s event once for a click on a label inside its closed shadow root, not again for the click forwarded to the label\'s control', async () => {
    const heap = startRuntime('closedlabel', quiet);
    const root = mount(`<x-closed data-heap-event="Widget used"></x-closed>`);
    const shadow = root.firstElementChild!.attachShadow({ mode: 'closed' });
    shadow.innerHTML = `<label><input type="checkbox"> <b>Remember me</b></label>`;
    await heap.ready;
    (shadow.querySelector('b') as HTMLElement).click();
    // The browser forwarded the click: the box is ticked.
    expect((shadow.querySelector('input') as HTMLInputElement).checked).to.equal(true);
    expect(tracks(await settled(heap))).to.deep.equal([['Widget used', {}]]);
  });

  it('lets go of the shadow root of a host moved into an iframe\'s document, and sends nothing for a change in it: that page\'s tracker counts it', async () => {
    const heap = startRuntime('rootsadopted', quiet);
    await heap.ready;
    const root = mount(`<iframe></iframe><div id="host"></div>`);
    const host = root.querySelector('#host')!;
    host.attachShadow({ mode: 'open' }).innerHTML = `<input data-heap-event="Widget field">`;
    // The host was empty when it was inserted: a click reveals its root.
    inner(host, 'input').click();
    expect(markupStats(heap)!.roots).to.equal(2);
    const frame = root.querySelector('iframe')!.contentDocument!;
    frame.body.append(frame.adoptNode(host));
    await tick();
    expect(markupStats(heap)!.roots).to.equal(1);
    change(inner(host, 'input'));
    expect(tracks(await settled(heap))).to.deep.equal([]);
  });

  it('lets go of the shadow root of a removed host, and never of the document, in a page with an image named isConnected', async () => {
    const heap = startRuntime('rootsclobbered', quiet);
    await heap.ready;
    const root = mount(`<img name="isConnected"><button data-heap-event="Outer">Go</button><div id="host"></div>`);
    root.querySelector('#host')!.attachShadow({ mode: 'open' }).innerHTML = `<p data-heap-event="Inner" data-heap-trigger="view">x</p>`;
    // The host was empty when it was inserted: a click reveals its root.
    (inner(root.querySelector('#host')!, 'p')).click();
    expect(markupStats(heap)!).to.deep.include({ roots: 2, viewWatched: 1 });
    root.querySelector('#host')!.remove();
    await tick();
    expect(markupStats(heap)!).to.deep.include({ roots: 1, viewWatched: 0 });
    const late = document.createElement('button');
    late.setAttribute('data-heap-event', 'Late');
    late.setAttribute('data-heap-trigger', 'load');
    root.append(late);
    (root.querySelector('button') as HTMLElement).click();
    // The document's markup is still watched: the one inserted after the release loads, the one present clicks.
    expect(tracks(await settled(heap)).map(([name]) => name).sort()).to.deep.equal(['Late', 'Outer']);
  });
});
