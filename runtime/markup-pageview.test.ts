import { expect } from '@open-wc/testing';
import { cleanUp, startRuntime, waitForEvents, type StoredEvent } from '../test/collector.ts';
import { mount, settled, tick, unmount } from '../test/markup.ts';

const quiet = { disablePageviewAutocapture: true, disableAutocapture: true };
const pageviews = (events: StoredEvent[]) => events.filter((e) => e.type === 'pageview');

describe('markup pageviews', () => {
  afterEach(() => {
    unmount();
    cleanUp();
  });

  it('starts a pageview with title and declared properties when a view element appears, for SPA views', async () => {
    const heap = startRuntime('spaview', quiet);
    await heap.ready;
    const root = mount(`<div data-heap-pageview-props='{"app":"shop","area":"store"}'></div>`);
    await tick();
    root.firstElementChild!.innerHTML = `
      <main data-heap-pageview="/checkout" data-heap-title="Checkout" data-heap-pageview-props='{"page type":"checkout","area":"payments"}'>
        <button data-heap-event="Pay">Pay</button>
      </main>`;
    await tick();
    root.querySelector('button')!.click();
    const events = await settled(heap);
    const [pageview] = pageviews(events);
    expect(pageview!.page!.title).to.equal('Checkout');
    expect(pageview!.properties).to.deep.equal({ app: 'shop', 'page type': 'checkout', area: 'payments' });
    const pay = events.find((e) => e.name === 'Pay')!;
    expect(pay.pageview_id).to.equal(pageview!.pageview_id);
    expect(pay.properties).to.deep.equal({ app: 'shop', 'page type': 'checkout', area: 'payments' });
  });

  it('gives the pageview of a view element whose data-heap-title a template left empty (or blank) the document\'s title, and no white space around a title', async () => {
    const title = document.title;
    document.title = 'Plans | Example';
    try {
      const heap = startRuntime('pvnotitle', quiet);
      await heap.ready;
      mount(`<main data-heap-pageview="/pricing" data-heap-title="">Plans</main>`);
      await tick();
      // A field left empty between the template's spaces or line breaks is as empty; around a title, they are no part of it.
      mount(`<main data-heap-pageview="/plans" data-heap-title=" \n ">Plans</main><main data-heap-pageview="/checkout" data-heap-title="\n  Checkout\u00a0">Pay</main>`);
      await tick();
      expect(pageviews(await settled(heap)).map((p) => p.page!.title)).to.deep.equal(['Plans | Example', 'Plans | Example', 'Checkout']);
    } finally {
      document.title = title;
    }
  });

  it('starts a new pageview when data-heap-pageview changes value, not for the same value or a title edit', async () => {
    const heap = startRuntime('pvchange', quiet);
    const root = mount(`<main data-heap-pageview="step-1" data-heap-title="Step 1"></main>`);
    await heap.ready;
    const main = root.querySelector('main')!;
    main.setAttribute('data-heap-pageview', 'step-1');
    main.setAttribute('data-heap-title', 'Step 1 again');
    await tick();
    main.setAttribute('data-heap-title', 'Step 2');
    main.setAttribute('data-heap-pageview', 'step-2');
    await tick();
    // Leaving and coming back is a new showing of the view.
    main.remove();
    await tick();
    root.append(main);
    await tick();
    const titles = pageviews(await settled(heap)).map((e) => e.page!.title);
    expect(titles).to.deep.equal(['Step 1', 'Step 2', 'Step 2']);
  });

  it('drops the properties of a view element that takes them off as it starts a new pageview', async () => {
    const heap = startRuntime('pvswap', quiet);
    const root = mount(`<main data-heap-pageview="a" data-heap-pageview-props='{"plan":"pro"}'></main>`);
    await heap.ready;
    await tick();
    const main = root.querySelector('main')!;
    main.removeAttribute('data-heap-pageview-props');
    main.setAttribute('data-heap-pageview', 'b');
    await tick();
    heap.track('After');
    const events = await settled(heap);
    expect(pageviews(events).map((e) => e.properties ?? {})).to.deep.equal([{ plan: 'pro' }, {}]);
    expect(events.find((e) => e.name === 'After')!.properties ?? {}).to.deep.equal({});
  });

  it('applies pageview property declarations as they appear and change, and keeps them across later pageviews', async () => {
    const heap = startRuntime('pvprops', quiet);
    await heap.ready;
    const root = mount(`<div id="route" data-heap-pageview-props='{"route":"home","ab":"B"}'></div>`);
    await tick();
    heap.track('One');
    const route = root.querySelector('#route')!;
    route.setAttribute('data-heap-pageview-props', '{"route":"search","lang":"en"}');
    await tick();
    heap.track('Two');
    // A pageview started by script clears pageview properties; the declaration still in the page fills in.
    heap.trackPageview({ properties: { route: 'override' } });
    heap.track('Three');
    route.remove();
    await tick();
    heap.track('Four');
    heap.trackPageview();
    heap.track('Five');
    const module = mount(`<div data-heap-pageview-props='{"module":"faq"}'></div>`).firstElementChild!;
    await tick();
    heap.track('Six');
    module.removeAttribute('data-heap-pageview-props');
    await tick();
    heap.track('Seven');
    const byName = Object.fromEntries((await settled(heap)).filter((e) => e.type === 'track').map((e) => [e.name, e.properties ?? {}]));
    expect(byName).to.deep.equal({
      One: { route: 'home', ab: 'B' },
      Two: { route: 'search', lang: 'en' },
      Three: { route: 'override', lang: 'en' },
      Four: { route: 'override', lang: 'en' },
      Five: {},
      Six: { module: 'faq' },
      Seven: {},
    });
  });

  it('removes a declared key the new declaration lacks even when its name is one every object inherits (constructor)', async () => {
    const heap = startRuntime('pvinherited', quiet);
    await heap.ready;
    const route = mount(`<div data-heap-pageview-props='{"constructor":"kit","route":"home"}'></div>`).firstElementChild!;
    await tick();
    route.setAttribute('data-heap-pageview-props', '{"route":"home"}');
    await tick();
    heap.track('After');
    const [after] = (await settled(heap)).filter((e) => e.name === 'After');
    expect(after!.properties).to.deep.equal({ route: 'home' });
  });

  it('leaves the pageview properties as they are for edits that declare none', async () => {
    const heap = startRuntime('pvnone', quiet);
    await heap.ready;
    heap.addPageviewProperties({ set: 'by script' });
    const button = mount(`<button data-heap-event="Old">Go</button>`).firstElementChild!;
    await tick();
    button.setAttribute('data-heap-event', 'New');
    button.setAttribute('data-heap-pageview-props', '');
    await tick();
    button.setAttribute('data-heap-pageview-props', ' ');
    button.removeAttribute('data-heap-pageview-props');
    await tick();
    heap.track('After');
    const [after] = (await settled(heap)).filter((e) => e.name === 'After');
    expect(after!.properties).to.deep.equal({ set: 'by script' });
  });

  it('fills in after a pageview from every declaration still in the page, the newest winning, whatever the key', async () => {
    const heap = startRuntime('pvfill', quiet);
    await heap.ready;
    mount(`<div data-heap-pageview-props='{"section":"docs","constructor":"kept"}'></div>`);
    await tick();
    mount(`<div data-heap-pageview-props='{"section":"faq"}'></div>`);
    await tick();
    heap.trackPageview({ properties: { page: 'two' } });
    heap.track('After');
    const [after] = (await settled(heap)).filter((e) => e.name === 'After');
    expect(after!.properties).to.deep.equal({ section: 'faq', constructor: 'kept', page: 'two' });
  });

  it('gives the page swapped in no pageview properties of the page it replaced, when the new is inserted before the old is removed (htmx)', async () => {
    const heap = startRuntime('pvswapin', quiet);
    await heap.ready;
    const outlet = mount(`<main data-heap-pageview="/pricing" data-heap-pageview-props='{"section":"pricing"}'></main>`);
    await tick();
    // htmx's swaps insert the new content before the old, then remove the old, in one task.
    const next = document.createElement('main');
    next.setAttribute('data-heap-pageview', '/docs');
    next.setAttribute('data-heap-pageview-props', '{"topic":"install"}');
    outlet.prepend(next);
    next.nextElementSibling!.remove();
    await tick();
    heap.track('Read');
    const events = await settled(heap);
    expect(pageviews(events).map((e) => e.properties)).to.deep.equal([{ section: 'pricing' }, { topic: 'install' }]);
    expect(events.find((e) => e.name === 'Read')!.properties).to.deep.equal({ topic: 'install' });
  });

  it('lets the automatic boot pageview stand for a view element present at boot, adding its properties after it', async () => {
    mount(`<body-wrap data-heap-pageview-props='{"site":"docs"}'><main data-heap-pageview data-heap-title="Guide" data-heap-pageview-props='{"page type":"guide"}'></main></body-wrap>`);
    const heap = startRuntime('pvboot', { disableAutocapture: true });
    await heap.ready;
    heap.track('Read');
    const events = await settled(heap);
    expect(pageviews(events)).to.have.length(1);
    expect(events.find((e) => e.name === 'Read')!.properties).to.deep.equal({ site: 'docs', 'page type': 'guide' });
  });

  it('sends the pageview of a view element present at boot when automatic pageviews are off', async () => {
    mount(`<main data-heap-pageview data-heap-title="Pricing" data-heap-pageview-props='{"page type":"pricing"}'></main>`);
    const heap = startRuntime('pvbootoff', quiet);
    const [pageview] = await waitForEvents(heap.envId, 1, { type: 'pageview' });
    expect(pageview!.page!.title).to.equal('Pricing');
    expect(pageview!.properties).to.deep.equal({ 'page type': 'pricing' });
    expect(pageviews(await settled(heap))).to.have.length(1);
  });

  const product = (name: string) => `<main data-heap-pageview="product" data-heap-title="${name}" data-heap-pageview-props='{"page type":"product"}'><h1>${name}</h1></main>`;

  for (const [automatic, options] of [
    ['on', { disableAutocapture: true }],
    ['off', quiet],
  ] as const) {
    it(`sends no second pageview when hydration replaces a server-rendered view element with a fresh copy (automatic pageviews ${automatic})`, async () => {
      const root = mount(product('Lamp'));
      const heap = startRuntime(`pvhydrate${automatic}`, options);
      await heap.ready;
      await tick();
      // The framework's client render, its markup not matching the server's: the server's elements go, fresh copies
      // take their place.
      root.innerHTML = product('Lamp');
      await tick();
      heap.track('Read');
      const events = await settled(heap);
      const views = pageviews(events);
      expect(views.length).to.equal(1);
      const view = views[0];
      const read = events.find((e) => e.name === 'Read')!;
      expect([read.pageview_id, read.properties]).to.deep.equal([view!.pageview_id, { 'page type': 'product' }]);
    });
  }

  it('starts a pageview for a view element of the same key put in the place of the last at a new URL (a client-side navigation)', async () => {
    const root = mount(product('Lamp'));
    const heap = startRuntime('pvsamekey', quiet);
    await heap.ready;
    await tick();
    const original = location.href;
    try {
      // Another product: the router pushes the URL, then renders the view.
      history.pushState(null, '', '/product/2');
      root.innerHTML = product('Chair');
      await tick();
    } finally {
      history.replaceState(null, '', original);
    }
    expect(pageviews(await settled(heap)).map((e) => e.page!.title)).to.deep.equal(['Lamp', 'Chair']);
  });

  it('waits for the visitor to open a prerendered page before sending its markup pageview and load events, then sends them once', async () => {
    // A page prerendered by speculation rules (faked as in pageviews.test.ts): the visitor may never open it.
    const own = Object.getOwnPropertyDescriptor(Document.prototype, 'prerendering');
    Object.defineProperty(Document.prototype, 'prerendering', { configurable: true, get: () => true });
    mount(`<main data-heap-pageview="/pricing" data-heap-title="Pricing"><p data-heap-event="Promo shown" data-heap-trigger="load">Sale</p></main>`);
    let heap;
    try {
      heap = startRuntime('pvprerender', quiet);
      await heap.ready;
      await tick();
      expect(await settled(heap)).to.deep.equal([]);
    } finally {
      if (own) Object.defineProperty(Document.prototype, 'prerendering', own);
      else delete (Document.prototype as { prerendering?: boolean }).prerendering;
    }
    // The visitor opens it: the browser activates the page.
    document.dispatchEvent(new Event('prerenderingchange'));
    await tick();
    const events = await settled(heap);
    expect(events.map((e) => [e.name ?? e.type, e.page!.title])).to.deep.equal([
      ['pageview', 'Pricing'],
      ['Promo shown', 'Pricing'],
    ]);
    expect(events[1]!.pageview_id).to.equal(events[0]!.pageview_id);
  });
});
