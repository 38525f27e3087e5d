import { expect } from '@open-wc/testing';
import { captureConsole, cleanUp, sleep, startRuntime, waitForEvents } from '../test/collector.ts';
import { mount, settled, tick, tracks, unmount, until } from '../test/markup.ts';
import { countMarkup, markupStats } from './markup-stats.ts';
import { DEFAULT_DWELL_MS, dwellOf } from './markup-view.ts';
import { resetWarnings } from './warn.ts';

countMarkup();

const quiet = { disablePageviewAutocapture: true, disableAutocapture: true };

/** A page taller than the viewport with `html` below the fold, between two spacers. */
const belowFold = (html: string) => mount(`<div style="height:${2 * innerHeight}px"></div>${html}<div style="height:${2 * innerHeight}px"></div>`);

/** Scrolls `el` into the middle of the viewport, or the page back to the top. */
const show = (el: Element) => el.scrollIntoView({ block: 'center' });
const hide = () => scrollTo(0, 0);
/** Waits for `n` rendering updates (when IntersectionObserver computes), then lets queued tasks run. */
const frames = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => requestAnimationFrame(resolve));
  await sleep(0);
};

/** The browser's own visibilityState getter, put back after a test stubs it. */
const VISIBILITY = Object.getOwnPropertyDescriptor(Document.prototype, 'visibilityState')!;

describe('view triggers', () => {
  afterEach(() => {
    hide();
    unmount();
    cleanUp();
  });

  it('uses the default dwell for an invalid one, and its warning names that default', async () => {
    resetWarnings();
    const el = mount(`<div data-heap-event="Seen" data-heap-trigger="view" data-heap-view-dwell="soon">x</div>`).firstElementChild!;
    const { result, warnings } = await captureConsole(() => dwellOf(el));
    expect(result).to.equal(DEFAULT_DWELL_MS);
    expect(warnings).to.have.length(1);
    // The text spells the default out (a text costs no bundle bytes, a value does): it must say what the code does.
    expect(warnings[0]).to.include('markup-view-dwell-invalid').and.include(`data-heap-view-dwell="soon"`).and.include(`${DEFAULT_DWELL_MS} is used`);
  });

  it('takes a dwell of zero or more milliseconds, and the default for a negative one', async () => {
    for (const [raw, expected, warned] of [['0', 0, 0], ['250', 250, 0], ['-5', DEFAULT_DWELL_MS, 1]] as const) {
      resetWarnings();
      const el = mount(`<div data-heap-event="Seen" data-heap-trigger="view" data-heap-view-dwell="${raw}">x</div>`).firstElementChild!;
      const { result, warnings } = await captureConsole(() => dwellOf(el));
      expect(result, raw).to.equal(expected);
      expect(warnings, raw).to.have.length(warned);
      unmount();
    }
  });

  it('sends the event once the element has been half visible for its dwell time, once per element', async () => {
    const heap = startRuntime('view', quiet);
    const root = belowFold(`<section id="pricing" data-heap-event="Pricing seen" data-heap-trigger="view" data-heap-view-dwell="100" data-heap-prop-block="pricing" style="height:200px">Pricing</section>`);
    await heap.ready;
    await sleep(250);
    expect(tracks(await settled(heap))).to.deep.equal([]);
    const section = root.querySelector('section')!;
    show(section);
    const [event] = await waitForEvents(heap.envId, 1, { name: 'Pricing seen' });
    expect(event!.properties).to.deep.equal({ block: 'pricing' });
    expect(event!.target).to.deep.equal({ tag: 'section', id: 'pricing' });
    // Seen once: it is no longer watched, and coming back sends nothing more.
    await until(() => markupStats(heap)!.viewWatched === 0, 'the element to be released');
    hide();
    await tick();
    show(section);
    await sleep(250);
    expect(tracks(await settled(heap)).map(([name]) => name)).to.deep.equal(['Pricing seen']);
  });

  it('sends again each time the element comes back into view with data-heap-view-repeat', async () => {
    const heap = startRuntime('repeat', quiet);
    const root = belowFold(`<div data-heap-event="Ad seen" data-heap-trigger="view" data-heap-view-repeat data-heap-view-dwell="50" style="height:100px">Ad</div>`);
    await heap.ready;
    const ad = root.querySelector('div[data-heap-event]')!;
    for (let i = 1; i <= 3; i++) {
      show(ad);
      await waitForEvents(heap.envId, i, { name: 'Ad seen' });
      hide();
      // Out of view again: two frames let the observer compute and report it, so the next showing counts anew.
      await until(() => ad.getBoundingClientRect().top > innerHeight, 'the ad to leave the viewport');
      await frames(2);
    }
    expect(tracks(await settled(heap))).to.have.length(3);
  });

  it('does not count an element that leaves the viewport before its dwell time is over', async () => {
    const heap = startRuntime('brief', quiet);
    const root = belowFold(`<div data-heap-event="Glimpsed" data-heap-trigger="view" data-heap-view-dwell="60000" style="height:100px">x</div>`);
    await heap.ready;
    show(root.querySelector('[data-heap-event]')!);
    await until(() => markupStats(heap)!.viewTimers === 1, 'the dwell to start');
    hide();
    await until(() => markupStats(heap)!.viewTimers === 0, 'the dwell to be cancelled');
    expect(markupStats(heap)!.viewWatched).to.equal(1);
    expect(tracks(await settled(heap))).to.deep.equal([]);
  });

  it('counts an element whose dwell ends while the tab is hidden only once the tab shows again', async () => {
    let visibility: DocumentVisibilityState = 'visible';
    // On the prototype, where the runtime reads it (dom.ts).
    Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true, get: () => visibility });
    const setVisibility = (state: DocumentVisibilityState) => {
      visibility = state;
      document.dispatchEvent(new Event('visibilitychange'));
    };
    try {
      const heap = startRuntime('hiddentab', quiet);
      const root = belowFold(`<div data-heap-event="Seen in tab" data-heap-trigger="view" data-heap-view-dwell="50" style="height:100px">x</div>`);
      await heap.ready;
      show(root.querySelector('[data-heap-event]')!);
      await until(() => markupStats(heap)!.viewTimers === 1, 'the dwell to start');
      setVisibility('hidden');
      await until(() => markupStats(heap)!.viewTimers === 0, 'the dwell to end');
      await sleep(100);
      expect(tracks(await settled(heap))).to.deep.equal([]);
      setVisibility('visible');
      await waitForEvents(heap.envId, 1, { name: 'Seen in tab' });
      expect(tracks(await settled(heap))).to.deep.equal([['Seen in tab', {}]]);
    } finally {
      Object.defineProperty(Document.prototype, 'visibilityState', VISIBILITY);
    }
  });

  it('counts an element taller than the viewport once it covers half of the viewport', async () => {
    const heap = startRuntime('tall', quiet);
    const root = belowFold(`<article data-heap-event="Article read" data-heap-trigger="view" data-heap-view-dwell="50" style="height:${4 * innerHeight}px">long</article>`);
    await heap.ready;
    show(root.querySelector('article')!);
    const [event] = await waitForEvents(heap.envId, 1, { name: 'Article read' });
    expect(event!.name).to.equal('Article read');
  });

  // A tall article, and an article column on a wide screen: a third of the viewport wide, so it never covers half of
  // the viewport's area, only half of its height.
  for (const [what, name, width] of [
    ['taller than the viewport scrolled in gradually', 'Long read', ''],
    ['taller than the viewport and narrower than half of it', 'Column read', `width:${Math.round(innerWidth / 3)}px;`],
  ]) {
    it(`counts an element ${what} only once it covers half of the viewport's height`, async () => {
      const heap = startRuntime(name.replace(' ', '-'), quiet);
      const root = belowFold(`<article data-heap-event="${name}" data-heap-trigger="view" data-heap-view-dwell="50" style="${width}height:${4 * innerHeight}px">long</article>`);
      await heap.ready;
      const top = root.querySelector('article')!.getBoundingClientRect().top + scrollY;
      // A fifth of the viewport's height covered: not yet.
      scrollTo(0, top - 0.8 * innerHeight);
      await frames(3);
      await sleep(200);
      expect(tracks(await settled(heap))).to.deep.equal([]);
      scrollTo(0, top - 0.3 * innerHeight);
      await waitForEvents(heap.envId, 1, { name });
    });
  }

  it('does not count an element taller than the viewport that is scrolled to a sliver of the viewport before its dwell ends', async () => {
    const heap = startRuntime('tallsliver', quiet);
    const root = belowFold(`<article data-heap-event="Skimmed" data-heap-trigger="view" data-heap-view-dwell="400" style="height:${4 * innerHeight}px">long</article>`);
    await heap.ready;
    const article = root.querySelector('article')!;
    // It fills the viewport (a quarter of itself): its dwell starts.
    show(article);
    await until(() => markupStats(heap)!.viewTimers === 1, 'the dwell to start');
    // Scrolled on: a tenth of the viewport's height shows its end, far less than half of what the viewport can show.
    scrollTo(0, article.getBoundingClientRect().bottom + scrollY - 0.1 * innerHeight);
    await frames(3);
    await sleep(600);
    expect(tracks(await settled(heap))).to.deep.equal([]);
  });

  it('counts an element wider than the viewport once half of what the viewport shows of it is in view', async () => {
    const heap = startRuntime('wide', quiet);
    // A carousel's track, five slides wide, clipped by its frame: the frame shows a fifth of it.
    const root = belowFold(`<div style="overflow:hidden"><div data-heap-event="Carousel seen" data-heap-trigger="view" data-heap-view-dwell="50" style="width:${5 * innerWidth}px;height:100px">slides</div></div>`);
    await heap.ready;
    show(root.querySelector('[data-heap-event]')!);
    await waitForEvents(heap.envId, 1, { name: 'Carousel seen' });
  });

  it('counts each showing of a <dialog> that stays in the page with view and data-heap-view-repeat, where load counted the page load only', async () => {
    const heap = startRuntime('dialog', quiet);
    const root = mount(
      `<dialog id="promo" data-heap-event="Promo shown" data-heap-trigger="view" data-heap-view-repeat data-heap-view-dwell="50">Offer</dialog>` +
        `<dialog id="loaded" data-heap-event="Promo loaded" data-heap-trigger="load">Offer</dialog>`,
    );
    await heap.ready;
    await frames(3);
    await sleep(150);
    // Closed, the dialog is not in view; the load trigger sent as the page loaded, the dialog never shown.
    expect(tracks(await settled(heap)).map(([name]) => name)).to.deep.equal(['Promo loaded']);
    const [promo, loaded] = root.querySelectorAll('dialog');
    for (let i = 1; i <= 2; i++) {
      promo!.showModal();
      loaded!.show();
      await waitForEvents(heap.envId, i, { name: 'Promo shown' });
      promo!.close();
      loaded!.close();
      await frames(2);
    }
    expect(tracks(await settled(heap)).map(([name]) => name)).to.deep.equal(['Promo loaded', 'Promo shown', 'Promo shown']);
  });

  it('counts the content of a collapsed FAQ answer once the answer opens, not while it is collapsed', async () => {
    const heap = startRuntime('collapsed', quiet);
    // The panel collapsed to no height clips its content to nothing: the annotated content is out of view until it opens.
    const root = mount(
      `<div id="answer" style="height:0;overflow:hidden"><p data-heap-event="Answer read" data-heap-trigger="view" data-heap-view-dwell="50">Yes.</p></div>` +
        `<p data-heap-event="Question seen" data-heap-trigger="view" data-heap-view-dwell="50">Can I cancel?</p>`,
    );
    await heap.ready;
    await waitForEvents(heap.envId, 1, { name: 'Question seen' });
    await frames(3);
    expect(markupStats(heap)).to.deep.include({ viewWatched: 1, viewTimers: 0 });
    (root.querySelector('#answer') as HTMLElement).style.height = 'auto';
    await waitForEvents(heap.envId, 1, { name: 'Answer read' });
    expect(tracks(await settled(heap)).map(([name]) => name)).to.deep.equal(['Question seen', 'Answer read']);
  });

  it('releases an element removed in the same task as its event attribute', async () => {
    const heap = startRuntime('viewgone', quiet);
    const root = mount(`<p data-heap-event="Gone" data-heap-trigger="view" data-heap-view-dwell="60000">x</p>`);
    await heap.ready;
    await until(() => markupStats(heap)!.viewWatched === 1, 'the element to be watched');
    const el = root.querySelector('p')!;
    el.remove();
    el.removeAttribute('data-heap-event');
    await tick();
    expect(markupStats(heap)).to.deep.include({ viewWatched: 0, viewTimers: 0 });
  });

  it('lets go of an element moved into an iframe\'s document, which its own tracker counts: the page\'s tracker never does', async () => {
    const heap = startRuntime('viewadopted', quiet);
    const root = mount(`<iframe style="width:300px;height:300px"></iframe><div style="height:${3 * innerHeight}px"></div><div data-heap-event="Promo seen" data-heap-trigger="view" data-heap-view-repeat data-heap-view-dwell="0" style="height:100px">Promo</div>`);
    await heap.ready;
    await until(() => markupStats(heap)!.viewWatched === 1, 'the element to be watched');
    // A widget popped out into a frame (or a Document Picture-in-Picture window), in view there at once.
    const frame = root.querySelector('iframe')!.contentDocument!;
    frame.body.append(frame.adoptNode(root.querySelector('[data-heap-event]')!));
    await until(() => markupStats(heap)!.viewWatched === 0, 'the element to be released');
    await frames(3);
    expect(tracks(await settled(heap))).to.deep.equal([]);
  });

  it('starts watching elements inserted later, stops for removed ones, and follows trigger edits', async () => {
    const heap = startRuntime('viewdyn', quiet);
    await heap.ready;
    const root = mount(`<div id="slot"></div>`);
    root.querySelector('#slot')!.innerHTML = `<p data-heap-event="Toast seen" data-heap-trigger="view" data-heap-view-dwell="50">Saved</p>`;
    await waitForEvents(heap.envId, 1, { name: 'Toast seen' });
    const banner = document.createElement('p');
    banner.textContent = 'Banner';
    banner.setAttribute('data-heap-event', 'Banner seen');
    banner.setAttribute('data-heap-view-dwell', '60000');
    root.append(banner);
    await tick();
    expect(markupStats(heap)!.viewWatched).to.equal(0);
    banner.setAttribute('data-heap-trigger', 'view');
    await until(() => markupStats(heap)!.viewWatched === 1, 'the banner to be watched');
    banner.remove();
    await until(() => markupStats(heap)!.viewWatched === 0, 'the banner to be released');
    expect(markupStats(heap)!.viewTimers).to.equal(0);
  });

  it('counts an element in view whose view trigger is taken off and put back in the same task', async () => {
    const heap = startRuntime('viewtoggle', quiet);
    const root = mount(`<p data-heap-event="Back" data-heap-trigger="view" data-heap-view-dwell="50">x</p>`);
    await heap.ready;
    await until(() => markupStats(heap)!.viewTimers === 1, 'the dwell to start');
    const el = root.querySelector('p')!;
    el.setAttribute('data-heap-trigger', 'click');
    el.setAttribute('data-heap-trigger', 'view');
    const [event] = await waitForEvents(heap.envId, 1, { name: 'Back' });
    expect(event!.name).to.equal('Back');
    expect(markupStats(heap)).to.deep.include({ viewWatched: 0, viewTimers: 0 });
  });

  it('warns once, naming the element, where the browser has no IntersectionObserver, and still sends its click', async () => {
    const { IntersectionObserver } = globalThis;
    // @ts-expect-error: a browser without it.
    delete globalThis.IntersectionObserver;
    try {
      const heap = startRuntime('viewnone', quiet);
      const { warnings } = await captureConsole(async () => {
        const root = mount(`<button id="offer" data-heap-event="Offer" data-heap-trigger="view click">Offer</button><p data-heap-event="Also" data-heap-trigger="view">x</p>`);
        await heap.ready;
        await tick();
        root.querySelector('button')!.click();
        await waitForEvents(heap.envId, 1, { name: 'Offer' });
      });
      const unsupported = warnings.filter((text) => text.includes('markup-view-unsupported'));
      expect(unsupported).to.have.length(1);
      expect(unsupported[0]).to.include('<button id="offer" data-heap-event="Offer">');
      expect(tracks(await settled(heap))).to.deep.equal([['Offer', {}]]);
    } finally {
      globalThis.IntersectionObserver = IntersectionObserver;
    }
  });

  it('limits an element with several triggers to one event with data-heap-once', async () => {
    const heap = startRuntime('viewonce', quiet);
    const root = mount(`<button data-heap-event="Offer" data-heap-trigger="view click" data-heap-view-dwell="50" data-heap-once>Offer</button>`);
    await heap.ready;
    await waitForEvents(heap.envId, 1, { name: 'Offer' });
    root.querySelector('button')!.click();
    expect(tracks(await settled(heap))).to.deep.equal([['Offer', {}]]);
  });
});
