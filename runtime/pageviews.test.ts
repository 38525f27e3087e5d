import { expect } from '@open-wc/testing';
import { cleanUp, reload, startRuntime, storedEvents, waitForEvents } from '../test/collector.ts';
import { $, mount, settle, settledOfType, unmountAll } from '../test/autocapture-fixtures.ts';

describe('pageview autocapture', () => {
  const original = location.href;
  const nativePush = history.pushState;
  const nativeReplace = history.replaceState;
  /** A URL of this test page with its path, query or hash changed (the runner's own query is kept). */
  const at = (change: (url: URL) => void) => {
    const url = new URL(original);
    change(url);
    return url.href;
  };
  const popped = () => new Promise<void>((resolve) => addEventListener('popstate', () => resolve(), { once: true }));
  const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

  afterEach(() => {
    cleanUp();
    unmountAll();
    history.replaceState(null, '', original);
  });

  it('sends one pageview per URL change by pushState and replaceState: path, query and hash, each with a new pageview id', async () => {
    const heap = startRuntime('spa');
    const urls = [
      at((u) => (u.pathname = '/shop/cart')),
      at((u) => {
        u.pathname = '/shop/cart';
        u.searchParams.set('step', '2');
      }),
      at((u) => {
        u.pathname = '/shop/cart';
        u.searchParams.set('step', '2');
        u.hash = 'summary';
      }),
    ];
    history.pushState(null, '', urls[0]);
    await tick();
    history.replaceState(null, '', urls[1]);
    await tick();
    history.pushState({ some: 'state' }, '', urls[2]);
    const pageviews = await settledOfType(heap, 'pageview');
    expect(pageviews.map((p) => p.page!.url)).to.deep.equal([original, ...urls]);
    expect(pageviews.map((p) => p.page!.path)).to.deep.equal([new URL(original).pathname, '/shop/cart', '/shop/cart', '/shop/cart']);
    expect(new Set(pageviews.map((p) => p.pageview_id)).size).to.equal(4);
    // Each later pageview names the one before as its referrer.
    expect(pageviews[2]!.page!.referrer).to.equal(urls[0]);
  });

  it('sends no duplicate for the same URL twice in a row: double pushes, state-only replaces, a push and a replace in one run', async () => {
    const heap = startRuntime('dupes');
    const cart = at((u) => (u.pathname = '/cart'));
    const checkout = at((u) => (u.pathname = '/checkout'));
    const done = at((u) => (u.pathname = '/done'));
    // A framework calling twice (StrictMode effects), then a state-only replace (scroll restoration).
    history.pushState(null, '', cart);
    history.pushState(null, '', cart);
    await tick();
    history.replaceState({ scroll: 120 }, '', cart);
    history.replaceState({ scroll: 140 }, '', location.href);
    await tick();
    // A client-side redirect: a push then at once a replace is one navigation, to where it ended.
    history.pushState(null, '', checkout);
    history.replaceState(null, '', done);
    await tick();
    history.pushState(null, '', done);
    const pageviews = await settledOfType(heap, 'pageview');
    expect(pageviews.map((p) => p.page!.url)).to.deep.equal([original, cart, done]);
  });

  it('sends no duplicate for a URL holding an email, though its pageview carries the URL scrubbed', async () => {
    const heap = startRuntime('scrubbed');
    const reset = at((u) => u.searchParams.set('email', 'dana@example.com'));
    history.pushState(null, '', reset);
    await tick();
    // Scroll restoration: the same URL again.
    history.replaceState({ scroll: 10 }, '', reset);
    await tick();
    const pageviews = await settledOfType(heap, 'pageview');
    expect(pageviews.map((p) => p.page!.url)).to.deep.equal([original, reset.replace('dana%40example.com', '****')]);
  });

  it('names no page as its own referrer when it is viewed again, an email in its URL or not', async () => {
    const reset = at((u) => u.searchParams.set('email', 'dana@example.com'));
    history.pushState(null, '', reset);
    const heap = startRuntime('again');
    heap.trackPageview();
    heap.trackPageview({ url: reset });
    const pageviews = await settledOfType(heap, 'pageview');
    expect(pageviews).to.have.length(3);
    for (const p of pageviews) expect(p.page!.referrer).to.equal(document.referrer || undefined);
  });

  it('follows back and forward (popstate) to a new pageview each time the URL changes', async () => {
    const heap = startRuntime('backfwd');
    const a = at((u) => (u.pathname = '/a'));
    const b = at((u) => (u.pathname = '/b'));
    history.pushState(null, '', a);
    await tick();
    history.pushState(null, '', b);
    await tick();
    // A visitor stays on each page a while: back and forward within one task would be one navigation, to where it ended.
    let pop = popped();
    history.back();
    await pop;
    await tick();
    expect(location.href).to.equal(a);
    pop = popped();
    history.forward();
    await pop;
    await tick();
    expect(location.href).to.equal(b);
    const pageviews = await settledOfType(heap, 'pageview');
    expect(pageviews.map((p) => p.page!.url)).to.deep.equal([original, a, b, a, b]);
    expect(new Set(pageviews.map((p) => p.pageview_id)).size).to.equal(5);
  });

  it('counts a redirect made in the page\'s own popstate listener as one navigation, to where it ended', async () => {
    const heap = startRuntime('pop-redirect');
    const account = at((u) => (u.pathname = '/account'));
    const settings = at((u) => (u.pathname = '/settings'));
    const login = at((u) => (u.pathname = '/login'));
    // The router's listener, added after the tracker's: back to /account, signed out meanwhile, goes to /login.
    const route = () => {
      if (location.href !== account) return;
      history.replaceState(null, '', login);
      heap.track('Redirected');
    };
    addEventListener('popstate', route);
    try {
      history.pushState(null, '', account);
      await tick();
      history.pushState(null, '', settings);
      await tick();
      const pop = popped();
      history.back();
      await pop;
      await tick();
    } finally {
      removeEventListener('popstate', route);
    }
    const events = await settle(heap);
    const pageviews = events.filter((e) => e.type === 'pageview');
    expect(pageviews.map((p) => p.page!.url)).to.deep.equal([original, account, settings, login]);
    // What the router tracked belongs to the pageview of where the navigation ended.
    expect(events.find((e) => e.name === 'Redirected')!.pageview_id).to.equal(pageviews[3]!.pageview_id);
  });

  it('records a back navigation the tab was closed right after, before the check that waits a task ran', async () => {
    const heap = startRuntime('pop-closed', { flushInterval: 60_000 });
    const a = at((u) => (u.pathname = '/a'));
    history.pushState(null, '', a);
    await tick();
    const pop = popped();
    history.back();
    await pop;
    // A script's back in a hidden tab, whose timers wait a second or more, and the tab is closed meanwhile: pagehide,
    // then nothing of the page runs again.
    dispatchEvent(new PageTransitionEvent('pagehide'));
    heap.dispose();
    const pageviews = await waitForEvents(heap.envId, 3, { type: 'pageview' }, 3000);
    expect(pageviews.map((p) => p.page!.url)).to.deep.equal([original, a, original]);
  });

  it('sends a pageview when the visitor comes back to the page from the back/forward cache', async () => {
    const heap = startRuntime('bfcache');
    // The page's own scripts do not run again on a restore: what they set is kept, as a reload would set it again.
    heap.addPageviewProperties({ section: 'home' });
    heap.track('Before');
    // The visitor goes to another site and comes back with back: the browser restores this page as it was, no reload
    // (a page the cache did not keep loads again, with its boot pageview).
    dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true }));
    dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
    heap.track('After');
    // A first load's pageshow is no return: the boot pageview counted it.
    dispatchEvent(new PageTransitionEvent('pageshow'));
    const events = await settle(heap);
    expect(events.map((e) => e.name ?? e.type)).to.deep.equal(['pageview', 'Before', 'pageview', 'After']);
    const [boot, , restored, after] = events;
    expect(restored!.page!.url).to.equal(original);
    expect(restored!.pageview_id).to.not.equal(boot!.pageview_id);
    expect(after!.pageview_id).to.equal(restored!.pageview_id);
    expect([restored!.properties, after!.properties]).to.deep.equal([{ section: 'home' }, { section: 'home' }]);
  });

  it('sends no pageview for a prerendered page until the visitor sees it', async () => {
    // A page prerendered by speculation rules: the visitor may never open it.
    // Firefox has no such property: the stub is then removed rather than put back.
    const own = Object.getOwnPropertyDescriptor(Document.prototype, 'prerendering');
    Object.defineProperty(Document.prototype, 'prerendering', { configurable: true, get: () => true });
    let heap;
    try {
      heap = startRuntime('prerender');
      // The page's scripts run while it is prerendered: what they set is the page's when it is opened.
      heap.addPageviewProperties({ section: 'home' });
      expect(await settledOfType(heap, 'pageview')).to.deep.equal([]);
    } finally {
      if (own) Object.defineProperty(Document.prototype, 'prerendering', own);
      else delete (Document.prototype as { prerendering?: boolean }).prerendering;
    }
    // The visitor opens it: the browser activates the page.
    document.dispatchEvent(new Event('prerenderingchange'));
    heap.track('Opened');
    const events = await settle(heap);
    expect(events.map((e) => [e.name ?? e.type, e.page!.url, e.properties])).to.deep.equal([
      ['pageview', original, { section: 'home' }],
      ['Opened', original, { section: 'home' }],
    ]);
  });

  it('sends no pageview for a client-side redirect made while the page is prerendered, and one for where it ended once opened', async () => {
    const own = Object.getOwnPropertyDescriptor(Document.prototype, 'prerendering');
    Object.defineProperty(Document.prototype, 'prerendering', { configurable: true, get: () => true });
    const home = at((u) => (u.pathname = '/en/home'));
    let heap;
    try {
      heap = startRuntime('prerender-redirect');
      // The SPA's router redirects as it starts (a locale, a default tab), unseen: the visitor may never open the page.
      history.replaceState(null, '', home);
      await tick();
      location.hash = 'top';
      await tick();
      await tick();
      expect(await settledOfType(heap, 'pageview')).to.deep.equal([]);
    } finally {
      if (own) Object.defineProperty(Document.prototype, 'prerendering', own);
      else delete (Document.prototype as { prerendering?: boolean }).prerendering;
    }
    document.dispatchEvent(new Event('prerenderingchange'));
    const pageviews = await settledOfType(heap, 'pageview');
    expect(pageviews.map((p) => p.page!.url)).to.deep.equal([`${home}#top`]);
  });

  it('counts a hash navigation once though the browser fires both popstate and hashchange', async () => {
    const heap = startRuntime('hash');
    const changed = new Promise<void>((resolve) => addEventListener('hashchange', () => resolve(), { once: true }));
    location.hash = 'pricing';
    await changed;
    await tick();
    const pageviews = await settledOfType(heap, 'pageview');
    expect(pageviews.map((p) => p.page!.url)).to.deep.equal([original, at((u) => (u.hash = 'pricing'))]);
  });

  it('sends no pageview for a placeholder link (href="#"), an in-page anchor or going back from one: the same page, scrolled', async () => {
    const root = mount(`
      <nav><a href="#" onclick="void 0">Menu</a> <a href="#pricing">Pricing</a> <a href="#legacy">Legacy</a> <a href="#Top">Back to top</a> <a href="#tarifs-été">Tarifs</a></nav>
      <h2 id="pricing">Pricing</h2><a name="legacy"></a><h2 id="tarifs-été">Tarifs</h2>`);
    const heap = startRuntime('anchors');
    /** A visitor's click on the link, and the navigation's signals (popstate, hashchange) heard. */
    const follow = async (href: string) => {
      $(root, `a[href="${href}"]`).click();
      await tick();
      await tick();
    };
    // A table of contents: to an element's id (one the URL holds percent-encoded too), to a legacy anchor's name, and
    // to the top (which needs no element).
    await follow('#tarifs-été');
    await follow('#pricing');
    await follow('#legacy');
    await follow('#Top');
    // Back (popstate) to each, and from the first to the page's own URL, with no fragment.
    for (const expected of ['#legacy', '#pricing', '#tarifs-%C3%A9t%C3%A9', '']) {
      const pop = popped();
      history.back();
      await pop;
      await tick();
      expect(location.hash).to.equal(expected);
    }
    expect(location.href).to.equal(original);
    // A placeholder link whose handler does not prevent the navigation: /page to /page#.
    await follow('#');
    const pageviews = await settledOfType(heap, 'pageview');
    expect(pageviews.map((p) => p.page!.url)).to.deep.equal([original]);
  });

  it('still sends a pageview for each route of a hash router, to and from an empty fragment, as for any other URL change', async () => {
    mount(`<h2 id="pricing">Pricing</h2>`);
    const heap = startRuntime('hash-router');
    // The router's root view (no fragment) holds an in-page anchor: following it is no route.
    const urls = ['#/settings', '#!/billing', '#account', '', '#pricing', '#/settings'].map((hash) => at((u) => (u.hash = hash)));
    for (const url of urls) {
      // A router's own push: a fragment naming no element of the page is a route, and so is leaving one.
      history.pushState(null, '', url);
      await tick();
    }
    const pageviews = await settledOfType(heap, 'pageview');
    expect(pageviews.map((p) => p.page!.url)).to.deep.equal([original, ...urls.slice(0, 4), ...urls.slice(5)]);
  });

  it('resets pageview properties on a navigation and gives later events the new pageview id', async () => {
    const heap = startRuntime('pvprops');
    heap.addPageviewProperties({ section: 'home' });
    heap.track('Before');
    history.pushState(null, '', at((u) => (u.pathname = '/next')));
    await tick();
    heap.track('After');
    const events = await settle(heap);
    const [boot, before, next, after] = events;
    expect(events.map((e) => e.type)).to.deep.equal(['pageview', 'track', 'pageview', 'track']);
    expect(before!.properties).to.deep.equal({ section: 'home' });
    expect(before!.pageview_id).to.equal(boot!.pageview_id);
    expect(after!.properties ?? {}).to.deep.equal({});
    expect(after!.pageview_id).to.equal(next!.pageview_id);
    expect(after!.page!.path).to.equal('/next');
  });

  it('does not duplicate a pageview the page already sent with trackPageview for the new URL', async () => {
    const heap = startRuntime('manual');
    const url = at((u) => (u.pathname = '/manual'));
    history.pushState(null, '', url);
    heap.trackPageview({ title: 'Manual', properties: { by: 'host' } });
    await tick();
    const pageviews = await settledOfType(heap, 'pageview');
    expect(pageviews.map((p) => [p.page!.url, p.page!.title])).to.deep.equal([
      [original, document.title],
      [url, 'Manual'],
    ]);
  });

  it('sends no pageview of the real URL after a virtual one when a history call leaves the location as it was', async () => {
    const heap = startRuntime('virtual');
    // A wizard's step sent as a pageview of its own, then a router saving state (scroll restoration): no navigation.
    const step = 'https://shop.example/checkout/step-2';
    heap.trackPageview({ url: step });
    history.replaceState({ scroll: 80 }, '');
    await tick();
    history.replaceState({ scroll: 90 }, '', location.href);
    await tick();
    expect((await settledOfType(heap, 'pageview')).map((p) => p.page!.url)).to.deep.equal([original, step]);
  });

  it('sends no pageview on navigation with disablePageviewAutocapture, while trackPageview still works', async () => {
    const heap = startRuntime('nopv', { disablePageviewAutocapture: true });
    history.pushState(null, '', at((u) => (u.pathname = '/quiet')));
    await tick();
    location.hash = 'also-quiet';
    await tick();
    heap.trackPageview();
    const pageviews = await settledOfType(heap, 'pageview');
    expect(pageviews.map((p) => p.page!.url)).to.deep.equal([at((u) => ((u.pathname = '/quiet'), (u.hash = 'also-quiet')))]);
  });

  it('starts each session with one pageview: the boot pageview after a timeout or a change of user, or the page\'s own trackPageview', async () => {
    let clock = Date.now();
    const first = startRuntime('one-per-session', { now: () => clock });
    first.identify('alice');
    const earlier = first.getSessionId();
    clock += 31 * 60_000;
    // A later visit, past the timeout, by someone else (a server-rendered identity): the boot pageview starts it.
    const heap = reload(first, { now: () => clock, identity: 'bob' });
    heap.track('As bob');
    // A logout whose page sends its own pageview: that one is the new session's.
    heap.resetIdentity();
    heap.trackPageview({ title: 'Signed out' });
    heap.track('Signed out');
    await waitForEvents(heap.envId, 1, { name: 'Signed out' });
    const events = (await storedEvents(heap.envId)).filter((e) => e.session_id !== earlier);
    expect(events.map((e) => e.name ?? e.type)).to.deep.equal(['identify', 'pageview', 'As bob', 'pageview', 'Signed out']);
    const [, bootView, asBob, ownView, signedOut] = events;
    expect([asBob!.pageview_id, asBob!.session_id]).to.deep.equal([bootView!.pageview_id, bootView!.session_id]);
    expect([signedOut!.pageview_id, signedOut!.session_id, ownView!.page!.title]).to.deep.equal([ownView!.pageview_id, ownView!.session_id, 'Signed out']);
    expect(ownView!.session_id).to.not.equal(bootView!.session_id);
  });

  it('records no pageview of its own for a new session with disablePageviewAutocapture', async () => {
    const heap = startRuntime('no-session-pv', { disablePageviewAutocapture: true });
    heap.identify('alice');
    heap.identify('bob');
    heap.track('As bob');
    await waitForEvents(heap.envId, 1, { name: 'As bob' });
    expect((await storedEvents(heap.envId)).map((e) => e.name ?? e.type)).to.deep.equal(['identify', 'identify', 'As bob']);
  });

  it('leaves history as it found it: results and exceptions pass through, and the originals return on dispose', async () => {
    const heap = startRuntime('history');
    expect(history.pushState).to.not.equal(nativePush);
    expect(history.pushState(null, '', at((u) => (u.pathname = '/x')))).to.equal(undefined);
    // A cross-origin URL throws for the host, exactly as without the tracker.
    expect(() => history.pushState(null, '', 'https://elsewhere.example/')).to.throw();
    await settle(heap);
    heap.dispose();
    expect(history.pushState).to.equal(nativePush);
    expect(history.replaceState).to.equal(nativeReplace);
  });

  it('hears pushState and replaceState calls that bypass its wrappers: a router holding the native methods, or a script restoring them', async () => {
    const heap = startRuntime('bypass');
    const held = nativePush.bind(history);
    const viaHeld = at((u) => (u.pathname = '/held'));
    const viaRestored = at((u) => (u.pathname = '/restored'));
    held(null, '', viaHeld);
    await tick();
    history.pushState = nativePush;
    history.replaceState = nativeReplace;
    try {
      history.replaceState(null, '', viaRestored);
      // Only the Navigation API reports them (docs/autocapture.md): a browser without it (Firefox ESR 140) misses
      // both, and sends nothing in their place.
      const heard = 'navigation' in window ? [original, viaHeld, viaRestored] : [original];
      expect((await settledOfType(heap, 'pageview')).map((p) => p.page!.url)).to.deep.equal(heard);
    } finally {
      heap.dispose();
    }
    // The originals were put back: the next tracker wraps them again (browsers without the Navigation API rely on it).
    const next = startRuntime('bypass-next');
    expect(history.pushState).to.not.equal(nativePush);
    expect(history.replaceState).to.not.equal(nativeReplace);
    next.dispose();
    expect(history.pushState).to.equal(nativePush);
  });

  it('serves two env ids on one page, and the one left keeps its pageviews when the other is disposed', async () => {
    const first = startRuntime('twoA');
    const second = startRuntime('twoB');
    const one = at((u) => (u.pathname = '/one'));
    const two = at((u) => (u.pathname = '/two'));
    history.pushState(null, '', one);
    await tick();
    first.dispose();
    history.pushState(null, '', two);
    await tick();
    expect((await settledOfType(second, 'pageview')).map((p) => p.page!.url)).to.deep.equal([original, one, two]);
    // Disposed before the second navigation: no pageview for it was captured.
    expect(first.pending).to.equal(0);
    second.dispose();
    expect(history.pushState).to.equal(nativePush);
  });
});
