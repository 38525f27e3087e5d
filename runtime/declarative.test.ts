import { expect } from '@open-wc/testing';
import { captureConsole, cleanUp, requestLog, startRuntime, waitForEvents } from '../test/collector.ts';
import { mount, settled, tick, tracks, unmount, until } from '../test/markup.ts';
import { countMarkup, markupStats } from './markup-stats.ts';

countMarkup();

// Markup events only: no automatic pageviews or interaction events beside them.
const quiet = { disablePageviewAutocapture: true, disableAutocapture: true };

describe('declarative tracking', () => {
  afterEach(() => {
    unmount();
    cleanUp();
  });

  it('sends the event of markup present at boot when clicked, with its properties and the element, never its text', async () => {
    const root = mount(`
      <button id="start" data-heap-event="Start trial" data-heap-prop-plan="pro" data-heap-number-seats="3"
        data-heap-boolean-annual="false" data-heap-props='{"Payment Plan":"Pro","price":49,"trial":true}'>Secret label</button>`);
    const heap = startRuntime('boot', quiet);
    await heap.ready;
    root.querySelector('button')!.click();
    const [event] = await waitForEvents(heap.envId, 1, { type: 'track' });
    expect(event!.name).to.equal('Start trial');
    expect(event!.properties).to.deep.equal({ 'Payment Plan': 'Pro', price: 49, trial: true, plan: 'pro', seats: 3, annual: false });
    expect(event!.target).to.deep.equal({ tag: 'button', id: 'start' });
    expect((await requestLog(heap.envId)).some((r) => r.body.includes('Secret label'))).to.equal(false);
  });

  it('cuts a long element id before a character it would split', async () => {
    const id = `${'a'.repeat(1022)}😀`;
    const root = mount(`<button id="${id}" data-heap-event="Long id">Go</button>`);
    const heap = startRuntime('long-id', quiet);
    await heap.ready;
    root.querySelector('button')!.click();
    const [event] = await waitForEvents(heap.envId, 1, { type: 'track' });
    expect(event!.target).to.deep.equal({ tag: 'button', id: 'a'.repeat(1022) });
  });

  it('scrubs emails and card numbers from the element id, as the click autocaptured on the same element does', async () => {
    const root = mount(`<button id="remove-alice@example.com-4111111111111111" data-heap-event="Remove">Remove</button>`);
    const heap = startRuntime('id-scrub', quiet);
    await heap.ready;
    root.querySelector('button')!.click();
    const [event] = await waitForEvents(heap.envId, 1, { type: 'track' });
    expect(event!.target).to.deep.equal({ tag: 'button', id: '****-****' });
  });

  it('handles markup inserted after boot, with nothing bound per element', async () => {
    const heap = startRuntime('later', quiet);
    await heap.ready;
    const before = markupStats(heap)!;
    const root = mount(`<a data-heap-event="Read more" data-heap-prop-slot="hero"><span>Read</span></a>`);
    await tick();
    root.querySelector('span')!.click();
    const [event] = await waitForEvents(heap.envId, 1, { type: 'track' });
    expect([event!.name, event!.properties]).to.deep.equal(['Read more', { slot: 'hero' }]);
    expect(markupStats(heap)).to.deep.equal(before);
  });

  it('sends one load event for each of 1,000 annotated nodes inserted at once, and clicks still resolve', async () => {
    const heap = startRuntime('thousand', { ...quiet, batchSize: 200 });
    await heap.ready;
    const items = Array.from({ length: 1000 }, (_, i) => `<li data-heap-event="Item shown" data-heap-trigger="load click" data-heap-number-i="${i}">${i}</li>`);
    const root = mount(`<ul data-heap-prop-list="results">${items.join('')}</ul>`);
    await tick();
    const events = await waitForEvents(heap.envId, 1000, { name: 'Item shown' });
    // Batches travel two at a time, so arrival order is not capture order.
    expect(events.map((e) => e.properties!.i as number).sort((a, b) => a - b)).to.deep.equal([...Array(1000).keys()]);
    expect(events.every((e) => e.properties!.list === 'results')).to.equal(true);
    (root.querySelectorAll('li')[500] as HTMLElement).click();
    const all = await waitForEvents(heap.envId, 1001, { name: 'Item shown' });
    expect(all.filter((e) => e.properties!.i === 500)).to.have.length(2);
  });

  it('applies attribute edits: new names, new properties, new triggers, and removal of the event', async () => {
    const heap = startRuntime('attrs', quiet);
    const root = mount(`<button data-heap-event="Old name" data-heap-prop-v="1">Go</button><div id="banner">Sale</div>`);
    await heap.ready;
    const button = root.querySelector('button')!;
    const banner = root.querySelector('#banner')!;
    button.setAttribute('data-heap-event', 'New name');
    button.setAttribute('data-heap-prop-v', '2');
    button.click();
    banner.setAttribute('data-heap-trigger', 'load');
    banner.setAttribute('data-heap-event', 'Banner shown');
    await waitForEvents(heap.envId, 1, { name: 'Banner shown' });
    banner.setAttribute('data-heap-event', 'Banner changed');
    await waitForEvents(heap.envId, 1, { name: 'Banner changed' });
    button.removeAttribute('data-heap-event');
    button.click();
    expect(tracks(await settled(heap))).to.deep.equal([
      ['New name', { v: '2' }],
      ['Banner shown', {}],
      ['Banner changed', {}],
    ]);
  });

  it('on an element declaring both an event and a pageview, an edit of one side leaves the other as it was', async () => {
    const heap = startRuntime('both', quiet);
    await heap.ready;
    const root = mount(`<main data-heap-pageview="home" data-heap-event="Home shown" data-heap-trigger="load">Home</main>`);
    await tick();
    const main = root.querySelector('main')!;
    main.setAttribute('data-heap-pageview-props', '{"area":"store"}');
    main.setAttribute('data-heap-trigger', 'load click');
    await tick();
    main.setAttribute('data-heap-pageview', 'about');
    await tick();
    const events = await settled(heap);
    // The element's load event is sent in the pageview it starts, not the one before.
    expect(events.map((e) => (e.type === 'track' ? e.name : e.type))).to.deep.equal(['pageview', 'Home shown', 'pageview']);
    expect(events[1]!.pageview_id).to.equal(events[0]!.pageview_id);
  });

  it('stops tracking removed elements and sends load again when an element reappears, unless data-heap-once', async () => {
    const heap = startRuntime('removal', quiet);
    await heap.ready;
    const root = mount(`<p data-heap-event="Promo shown" data-heap-trigger="load">A</p><p data-heap-event="Once shown" data-heap-trigger="load" data-heap-once>B</p>`);
    await tick();
    const [promo, once] = Array.from(root.querySelectorAll('p'));
    promo!.remove();
    once!.remove();
    await tick();
    root.append(promo!, once!);
    await tick();
    // Moving within the page in one go is neither a leave nor an appearance.
    root.prepend(promo!);
    await tick();
    expect(tracks(await settled(heap)).map(([name]) => name)).to.deep.equal(['Promo shown', 'Once shown', 'Promo shown']);
  });

  it('sends one load event per element when a subtree and then markup inside it are added in the same task', async () => {
    const heap = startRuntime('nested', quiet);
    await heap.ready;
    const root = mount('');
    const section = document.createElement('section');
    section.innerHTML = `<p data-heap-event="Outer" data-heap-trigger="load">A</p>`;
    root.append(section);
    section.insertAdjacentHTML('beforeend', `<p data-heap-event="Inner" data-heap-trigger="load">B</p>`);
    const moved = document.createElement('p');
    moved.setAttribute('data-heap-event', 'Moved');
    moved.setAttribute('data-heap-trigger', 'load');
    root.append(moved);
    section.append(moved);
    await tick();
    expect(tracks(await settled(heap)).map(([name]) => name)).to.deep.equal(['Outer', 'Inner', 'Moved']);
  });

  it('gives a load event the pageview properties declared later in the same page or insertion', async () => {
    // A banner in the header, the template's pageview properties on <main> after it: both in the page at boot.
    const page = `<header><p data-heap-event="Promo shown" data-heap-trigger="load">Sale</p></header><main data-heap-pageview-props='{"template":"product"}'>x</main>`;
    mount(page);
    const heap = startRuntime('load-pageview-props', quiet);
    await heap.ready;
    await tick();
    // And the same inserted by an SPA after boot.
    mount(page.replace('Promo shown', 'Promo again').replace('product', 'cart'));
    await tick();
    expect(tracks(await settled(heap))).to.deep.equal([
      ['Promo shown', { template: 'product' }],
      ['Promo again', { template: 'cart' }],
    ]);
  });

  it('limits any trigger to one event per element with data-heap-once', async () => {
    const heap = startRuntime('once', quiet);
    const root = mount(`<button data-heap-event="Once" data-heap-once>1</button><button data-heap-event="Many">2</button>`);
    await heap.ready;
    const [once, many] = Array.from(root.querySelectorAll('button'));
    for (let i = 0; i < 3; i++) {
      once!.click();
      many!.click();
    }
    expect(tracks(await settled(heap)).map(([name]) => name)).to.deep.equal(['Once', 'Many', 'Many', 'Many']);
  });

  it('adds scoped properties from ancestors without data-heap-event, the nearest winning on a collision', async () => {
    const heap = startRuntime('scoped', quiet);
    heap.addEventProperties({ site: 'shop', section: 'global' });
    const root = mount(`
      <main data-heap-props='{"section":"pricing","page":"plans"}' data-heap-prop-layout="wide">
        <section data-heap-prop-section="enterprise" data-heap-number-tier="3">
          <div data-heap-event="Card" data-heap-prop-card="outer" data-heap-trigger="view">
            <button data-heap-event="Buy" data-heap-prop-tier="gold">Buy</button>
          </div>
        </section>
        <button data-heap-event="Contact">Contact</button>
      </main>`);
    await heap.ready;
    root.querySelector<HTMLElement>('[data-heap-event="Buy"]')!.click();
    root.querySelector<HTMLElement>('[data-heap-event="Contact"]')!.click();
    const events = await waitForEvents(heap.envId, 2, { type: 'track' });
    const [buy, contact] = ['Buy', 'Contact'].map((name) => events.find((e) => e.name === name));
    // The Card's own properties are not a scope: it is an event of its own.
    expect(buy!.properties).to.deep.equal({ site: 'shop', section: 'enterprise', page: 'plans', layout: 'wide', tier: 'gold' });
    expect(contact!.properties).to.deep.equal({ site: 'shop', section: 'pricing', page: 'plans', layout: 'wide' });
  });

  it('resolves the innermost element whose trigger matches, and counts a label click forwarded to its field once', async () => {
    const heap = startRuntime('nested', quiet);
    const root = mount(`
      <div data-heap-event="Panel clicked">
        <select data-heap-event="Plan picked"><option>a</option></select>
        <label id="agree-label"><input type="checkbox" id="agree"> I agree</label>
        <span id="plain">text</span>
      </div>`);
    await heap.ready;
    root.querySelector<HTMLElement>('select')!.click();
    root.querySelector<HTMLElement>('#agree-label')!.click();
    root.querySelector<HTMLElement>('#plain')!.click();
    expect(tracks(await settled(heap)).map(([name]) => name)).to.deep.equal(['Panel clicked', 'Panel clicked', 'Panel clicked']);
    expect(root.querySelector<HTMLInputElement>('#agree')!.checked).to.equal(true);
  });

  it('names a form by its id even when a field inside it is named "id"', async () => {
    const root = mount(`<form id="checkout" data-heap-event="Checkout" onsubmit="return false"><input name="id"><button>Pay</button></form>`);
    const heap = startRuntime('formid', quiet);
    await heap.ready;
    root.querySelector('button')!.click();
    const [event] = await waitForEvents(heap.envId, 1, { type: 'track' });
    expect([event!.name, event!.target]).to.deep.equal(['Checkout', { tag: 'form', id: 'checkout' }]);
  });

  it('sends submit and change events without any field value', async () => {
    const heap = startRuntime('fields', quiet);
    const root = mount(`
      <form data-heap-event="Signup" data-heap-prop-form="newsletter" onsubmit="return false">
        <input name="email" data-heap-event="Email entered">
        <select data-heap-event="Country picked" data-heap-prop-field="country"><option>fr</option><option>typed-secret-option</option></select>
        <textarea data-heap-event="Note"></textarea>
        <button>Go</button>
      </form>`);
    await heap.ready;
    const input = root.querySelector('input')!;
    input.value = 'typed-secret@example.com';
    input.dispatchEvent(new Event('change', { bubbles: true }));
    const select = root.querySelector('select')!;
    select.selectedIndex = 1;
    select.dispatchEvent(new Event('change', { bubbles: true }));
    root.querySelector('textarea')!.value = 'typed-secret note';
    root.querySelector('textarea')!.dispatchEvent(new Event('change', { bubbles: true }));
    root.querySelector('button')!.click();
    const events = await settled(heap);
    // The form has an event of its own, so its properties are not a scope for the fields inside it.
    expect(tracks(events)).to.deep.equal([
      ['Email entered', {}],
      ['Country picked', { field: 'country' }],
      ['Note', {}],
      ['Signup', { form: 'newsletter' }],
    ]);
    const bodies = (await requestLog(heap.envId)).map((r) => r.body).join('\n');
    expect(bodies).to.not.include('typed-secret');
  });

  it('never changes what the page does: no preventDefault, no stopped propagation, the page listeners all run', async () => {
    const heap = startRuntime('passive', quiet);
    const root = mount(`<a href="#stay" data-heap-event="Anchor">Anchor</a><form data-heap-event="Search"><button>Go</button></form>`);
    await heap.ready;
    const seen: string[] = [];
    // The page's own listeners run after ours, see nothing prevented, and then keep this test page where it is.
    root.addEventListener('click', (e) => {
      seen.push(`${(e.target as Element).localName}:${e.defaultPrevented}`);
      if ((e.target as Element).localName === 'a') e.preventDefault();
    });
    root.addEventListener('submit', (e) => {
      seen.push(`submit:${e.defaultPrevented}`);
      e.preventDefault();
    });
    root.querySelector('a')!.click();
    root.querySelector('button')!.click();
    expect(seen).to.deep.equal(['a:false', 'button:false', 'submit:false']);
    expect(tracks(await settled(heap)).map(([name]) => name)).to.deep.equal(['Anchor', 'Search']);
  });

  it('treats markup as data: names and values are never evaluated or inserted as HTML', async () => {
    const heap = startRuntime('data', quiet);
    const evil = `<img src=x onerror="window.__markupPwned=1">`;
    const root = mount(`<button></button>`);
    const button = root.querySelector('button')!;
    button.setAttribute('data-heap-event', evil);
    button.setAttribute('data-heap-prop-html', evil);
    button.setAttribute('data-heap-props', '{"__proto__":{"polluted":true},"x":"${alert(1)}"}');
    await heap.ready;
    const { warnings } = await captureConsole(() => button.click());
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.include('"__proto__"').and.include('dropped');
    const [event] = await waitForEvents(heap.envId, 1, { type: 'track' });
    expect(event!.name).to.equal(evil);
    expect(event!.properties).to.deep.equal({ x: '${alert(1)}', html: evil });
    expect((window as { __markupPwned?: number }).__markupPwned).to.equal(undefined);
    expect(({} as { polluted?: boolean }).polluted).to.equal(undefined);
  });

  it('leaves no observers, timers or listeners behind when 10,000 annotated elements come and go', async () => {
    const heap = startRuntime('leak', quiet);
    await heap.ready;
    const baseline = markupStats(heap)!;
    expect(baseline.roots).to.equal(1);
    const host = document.createElement('div');
    document.body.append(host);
    const html = Array.from({ length: 10_000 }, (_, i) =>
      i % 100 === 0 ? `<div class="shadow-host"></div>`
        : i % 2 ? `<p data-heap-event="Seen" data-heap-trigger="view" data-heap-view-dwell="60000">${i}</p>`
          : `<p data-heap-pageview-props='{"n":${i}}'>${i}</p>`).join('');
    host.innerHTML = html;
    for (const el of Array.from(host.querySelectorAll('.shadow-host'))) el.attachShadow({ mode: 'open' }).innerHTML = '<p data-heap-event="Inner" data-heap-trigger="view" data-heap-view-dwell="60000">x</p>';
    await tick();
    // 5,000 view elements in the page and 100 in shadow roots; 4,900 pageview declarations.
    expect(markupStats(heap)).to.deep.include({ roots: 1 + 100, viewWatched: 5100, pageviewHolders: 4900 });
    host.remove();
    await tick();
    expect(markupStats(heap)).to.deep.equal(baseline);
    expect(tracks(await settled(heap))).to.deep.equal([]);
  });

  it('stops everything when the runtime is disposed', async () => {
    const heap = startRuntime('dispose', quiet);
    await heap.ready;
    mount(`<p data-heap-event="Seen" data-heap-trigger="view">x</p>`);
    await until(() => markupStats(heap)!.viewWatched === 1, 'the view element to be watched');
    const { warnings, errors } = await captureConsole(() => heap.dispose());
    expect(markupStats(heap)).to.equal(undefined);
    expect([warnings, errors]).to.deep.equal([[], []]);
  });
});
