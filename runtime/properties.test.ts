import { expect } from '@open-wc/testing';
import { captureConsole, cleanUp, keyPrefix, otherTab, reload, sleep, startRuntime, uniqueEnv, waitForEvents } from '../test/collector.ts';

describe('properties', () => {
  afterEach(cleanUp);

  it('attaches event properties to every later event, pageviews included, and keeps them across reloads', async () => {
    const first = startRuntime('eventprops');
    first.addEventProperties({ 'Logged In': 'true', 'Payment Plan': 'Free' });
    first.track('One');
    const second = reload(first);
    second.track('Two');
    // In capture order, which the ids keep (the collector stores in order of arrival).
    const events = (await waitForEvents(first.envId, 4)).sort((a, b) => (a.id < b.id ? -1 : 1));
    const [, one, pageview, two] = events;
    for (const event of [one, pageview, two]) {
      expect(event!.properties).to.include({ 'Logged In': 'true', 'Payment Plan': 'Free' });
    }
    expect(pageview!.type).to.equal('pageview');
  });

  it('removes one event property or clears them all', async () => {
    const heap = startRuntime('remove');
    heap.addEventProperties({ a: 1, b: 2, c: 3 });
    heap.removeEventProperty('b');
    heap.track('Without b');
    heap.clearEventProperties();
    heap.track('Without any');
    const [withoutB, withoutAny] = await waitForEvents(heap.envId, 2, { type: 'track' });
    expect(withoutB!.properties).to.deep.equal({ a: 1, c: 3 });
    expect(withoutAny!.properties).to.deep.equal({});
  });

  it('keeps a removed or cleared event property off the events of later page loads', async () => {
    const first = startRuntime('remove-saved', { disablePageviewAutocapture: true });
    first.addEventProperties({ a: 1, b: 2 });
    first.removeEventProperty('a');
    const second = reload(first, { disablePageviewAutocapture: true });
    second.track('After removing');
    second.clearEventProperties();
    const third = reload(second, { disablePageviewAutocapture: true });
    third.track('After clearing');
    expect(localStorage.getItem(`${keyPrefix(first.envId)}_props`)).to.equal(null);
    const tracks = (await waitForEvents(first.envId, 2, { type: 'track' })).sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(tracks.map((e) => [e.name, e.properties ?? {}])).to.deep.equal([
      ['After removing', { b: 2 }],
      ['After clearing', {}],
    ]);
  });

  it('keeps for later pages the event properties another tab added when this tab adds or removes its own', async () => {
    const envId = uniqueEnv('tab-props');
    const tabA = startRuntime('tab-props', { disablePageviewAutocapture: true }, envId);
    // A second tab, open since before the first one's calls.
    const tabB = otherTab(envId);
    const [, addInB, removeInB] = tabB.properties[0];
    tabA.addEventProperties({ 'Logged In': 'true' });
    addInB({ theme: 'dark' });
    tabA.addEventProperties({ plan: 'pro' });
    removeInB('theme');
    tabB.dispose();
    const next = reload(tabA, { disablePageviewAutocapture: true });
    next.track('Next page');
    const [event] = await waitForEvents(envId, 1, { name: 'Next page' });
    expect(event!.properties).to.deep.equal({ 'Logged In': 'true', plan: 'pro' });
  });

  it("gives this tab's later events the event properties another tab added and removed since, without a reload", async () => {
    const envId = uniqueEnv('tab-sync');
    let clock = Date.now();
    const heap = startRuntime('tab-sync', { disablePageviewAutocapture: true, now: () => clock }, envId);
    heap.addEventProperties({ theme: 'dark', trial: 'yes' });
    heap.track('Before');
    // Another tab of the site: the visitor upgrades there.
    const other = otherTab(envId);
    const [, add, remove] = other.properties[0];
    add({ plan: 'pro' });
    remove('trial');
    other.dispose();
    // Back in this tab a while later (past the once-a-second re-read of what the tabs share).
    clock += 1500;
    heap.track('After');
    await sleep(0);
    // And signs out there, which clears them.
    const last = otherTab(envId);
    last.properties[0][3]();
    last.dispose();
    clock += 1500;
    heap.track('Cleared');
    const tracks = (await waitForEvents(envId, 3, { type: 'track' })).sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(tracks.map((e) => e.properties ?? {})).to.deep.equal([{ theme: 'dark', trial: 'yes' }, { theme: 'dark', plan: 'pro' }, {}]);
  });

  it('removes an event property another tab added, though this tab captured nothing since', async () => {
    const envId = uniqueEnv('tab-remove');
    let clock = Date.now();
    const heap = startRuntime('tab-remove', { disablePageviewAutocapture: true, now: () => clock }, envId);
    heap.track('Before');
    // The visitor signs in in another tab, then out in this one a while later: its logout code removes the property.
    otherTab(envId).properties[0][1]({ 'Logged In': 'true', plan: 'pro' });
    clock += 1500;
    heap.removeEventProperty('Logged In');
    heap.track('After logout');
    const next = reload(heap, { disablePageviewAutocapture: true });
    next.track('Next page');
    const tracks = (await waitForEvents(envId, 3, { type: 'track' })).sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(tracks.map((e) => e.properties ?? {})).to.deep.equal([{}, { plan: 'pro' }, { plan: 'pro' }]);
  });

  it('brings back no event property another tab cleared when this tab adds its own, though it captured nothing since', async () => {
    const envId = uniqueEnv('tab-readd');
    let clock = Date.now();
    const heap = startRuntime('tab-readd', { disablePageviewAutocapture: true, now: () => clock }, envId);
    heap.addEventProperties({ 'Logged In': 'true' });
    heap.track('Before');
    // The visitor signs out in another tab, whose logout code clears them; back here a while later, the page adds one.
    otherTab(envId).properties[0][3]();
    clock += 1500;
    heap.addEventProperties({ theme: 'dark' });
    heap.track('After');
    const next = reload(heap, { disablePageviewAutocapture: true });
    next.track('Next page');
    const tracks = (await waitForEvents(envId, 3, { type: 'track' })).sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(tracks.map((e) => e.properties ?? {})).to.deep.equal([{ 'Logged In': 'true' }, { theme: 'dark' }, { theme: 'dark' }]);
  });

  it("keeps this tab's own event properties when storage refused to save them, whatever another tab saved", async () => {
    const envId = uniqueEnv('tab-full');
    const key = `${keyPrefix(envId)}_props`;
    let clock = Date.now();
    const { setItem } = Storage.prototype;
    const heap = startRuntime('tab-full', { disablePageviewAutocapture: true, now: () => clock }, envId);
    heap.track('Before');
    // Storage is full when this tab adds its properties: they live in its memory alone.
    Storage.prototype.setItem = function (this: Storage, k: string, value: string) {
      if (k === key) throw new DOMException('full', 'QuotaExceededError');
      return setItem.call(this, k, value);
    };
    try {
      await captureConsole(() => heap.addEventProperties({ theme: 'dark' }));
    } finally {
      Storage.prototype.setItem = setItem;
    }
    // Another tab saved its own since.
    localStorage.setItem(key, JSON.stringify({ plan: 'pro' }));
    clock += 1500;
    heap.track('After');
    const [after] = await waitForEvents(envId, 1, { name: 'After' });
    expect(after!.properties).to.include({ theme: 'dark' });
  });

  it('sends the properties an event had at the call, whatever the caller and later calls change afterwards', async () => {
    const heap = startRuntime('snapshot', { disablePageviewAutocapture: true });
    heap.addEventProperties({ plan: 'free' });
    heap.addPageviewProperties({ pageType: 'home' });
    const own = { step: 1, label: 'first' } as Record<string, unknown>;
    heap.track('Snapshot', own);
    own.step = 2;
    own.extra = true;
    delete own.label;
    heap.addEventProperties({ plan: 'pro' });
    heap.removePageviewProperty('pageType');
    heap.addPageviewProperties({ later: 1 });
    heap.track('After', own);
    const [snapshot, after] = await waitForEvents(heap.envId, 2, { type: 'track' });
    expect(snapshot!.properties).to.deep.equal({ plan: 'free', pageType: 'home', step: 1, label: 'first' });
    expect(after!.properties).to.deep.equal({ plan: 'pro', later: 1, step: 2, extra: true });
  });

  it('granting consent reports corrupt saved event properties, ignores them and keeps the current ones', async () => {
    const envId = uniqueEnv('corrupt-props');
    localStorage.setItem(`${keyPrefix(envId)}_props`, '{broken');
    const { result: heap, warnings } = await captureConsole(() => {
      const heap = startRuntime('corrupt-props', { disablePageviewAutocapture: true, consent: 'pending' }, envId);
      heap.addEventProperties({ plan: 'pro' });
      heap.setConsent('granted');
      heap.track('After consent');
      return heap;
    });
    const [event] = await waitForEvents(heap.envId, 1, { type: 'track' });
    expect(event!.properties).to.deep.equal({ plan: 'pro' });
    expect(warnings.some((w) => w.includes('storage-corrupt'))).to.equal(true);
  });

  it('says what it does with corrupt saved event properties: ignored, and the saved text kept until the next write', async () => {
    const envId = uniqueEnv('corrupt-kept');
    localStorage.setItem(`${keyPrefix(envId)}_props`, '{broken');
    const { result: heap, warnings } = await captureConsole(() => {
      const heap = startRuntime('corrupt-kept', { disablePageviewAutocapture: true }, envId);
      heap.track('Without them');
      return heap;
    });
    const [event] = await waitForEvents(heap.envId, 1, { type: 'track' });
    expect(event!.properties ?? {}).to.deep.equal({});
    // Nothing was reset: a site owner who looks at storage after the warning still finds the corrupt text.
    expect(localStorage.getItem(`${keyPrefix(envId)}_props`)).to.equal('{broken');
    const warning = warnings.find((w) => w.includes('storage-corrupt'))!;
    expect(warning).to.include('ignored').and.include('next write').and.not.include('reset');
    heap.addEventProperties({ plan: 'pro' });
    expect(JSON.parse(localStorage.getItem(`${keyPrefix(envId)}_props`)!)).to.deep.equal({ plan: 'pro' });
  });

  it('reads a getter once, at the call', async () => {
    const heap = startRuntime('getter', { disablePageviewAutocapture: true });
    let reads = 0;
    heap.track('Getter', { get count() { return ++reads; } });
    reads = 10;
    const [event] = await waitForEvents(heap.envId, 1, { type: 'track' });
    expect(event!.properties).to.deep.equal({ count: 1 });
  });

  it('attaches pageview properties until the next pageview, and forgets them on reload', async () => {
    const heap = startRuntime('pvprops');
    heap.addPageviewProperties({ pageType: 'productDetail', pageVersion: 'v2.0' });
    heap.track('On product page');
    heap.removePageviewProperty('pageVersion');
    heap.track('Version removed');
    heap.trackPageview({ properties: { pageType: 'home' } });
    heap.track('On home');
    heap.clearPageviewProperties();
    heap.track('Cleared');
    const after = reload(heap);
    after.track('After reload');
    const tracks = await waitForEvents(heap.envId, 5, { type: 'track' });
    // In capture order, which the ids keep: the collector stores in order of arrival, and the disposed runtime's
    // last request can arrive after the reloaded one's first.
    tracks.sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(tracks.map((e) => e.properties)).to.deep.equal([
      { pageType: 'productDetail', pageVersion: 'v2.0' },
      { pageType: 'productDetail' },
      { pageType: 'home' },
      {},
      {},
    ]);
  });

  it('lets the most specific property win: the call, then the pageview, then event properties', async () => {
    const heap = startRuntime('precedence');
    heap.addEventProperties({ source: 'event', plan: 'event', only_event: 1 });
    heap.addPageviewProperties({ source: 'pageview', plan: 'pageview', only_pageview: 2 });
    heap.track('Collide', { source: 'call' });
    const [event] = await waitForEvents(heap.envId, 1, { type: 'track' });
    expect(event!.properties).to.deep.equal({ source: 'call', plan: 'pageview', only_event: 1, only_pageview: 2 });
  });

  it('lets trackPageview override title, url, properties and previous page', async () => {
    const heap = startRuntime('override');
    heap.trackPageview({
      title: 'New Title',
      url: 'http://example.com/path/to/home',
      properties: { pageType: 'home', pageVersion: 'v1.0' },
      previous_page: '/path/to/previous-page',
    });
    heap.track('Inside');
    const [boot, pageview, inside] = await waitForEvents(heap.envId, 3);
    expect(pageview!.pageview_id).to.not.equal(boot!.pageview_id);
    expect(pageview!.page).to.include({ title: 'New Title', url: 'http://example.com/path/to/home', path: '/path/to/home', previous_page: '/path/to/previous-page' });
    expect(pageview!.properties).to.deep.equal({ pageType: 'home', pageVersion: 'v1.0' });
    expect(inside!.pageview_id).to.equal(pageview!.pageview_id);
    expect(inside!.page).to.include({ title: 'New Title', url: 'http://example.com/path/to/home' });
  });
});
