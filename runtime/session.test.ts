import { expect } from '@open-wc/testing';
import { captureConsole, cleanUp, otherTab, startRuntime, storedEvents, uniqueEnv, waitForEvents } from '../test/collector.ts';
import { resetWarnings } from './warn.ts';

describe('sessions', () => {
  afterEach(cleanUp);

  it('ends a session after 30 minutes of inactivity, not before', async () => {
    let clock = Date.now();
    const heap = startRuntime('expiry', { now: () => clock });
    const first = heap.getSessionId();
    clock += 29 * 60_000;
    heap.track('Still here');
    expect(heap.getSessionId()).to.equal(first);
    clock += 29 * 60_000;
    heap.track('Still here');
    expect(heap.getSessionId()).to.equal(first);
    clock += 30 * 60_000 + 1;
    heap.track('Back later');
    const second = heap.getSessionId();
    expect(second).to.not.equal(first);
    const tracks = await waitForEvents(heap.envId, 3, { type: 'track' });
    expect(tracks.map((e) => e.session_id)).to.deep.equal([first, first, second]);
  });

  it('ends a session after 30 minutes of inactivity when the clock was set back during it', async () => {
    let clock = Date.now();
    const heap = startRuntime('clockback', { now: () => clock });
    heap.track('Fast clock');
    const first = heap.getSessionId();
    // The machine's clock was an hour fast, and is corrected while the visitor is active.
    clock -= 60 * 60_000;
    heap.track('Corrected clock');
    expect(heap.getSessionId()).to.equal(first);
    clock += 31 * 60_000;
    heap.track('Back later');
    const second = heap.getSessionId();
    expect(second).to.not.equal(first);
    const tracks = await waitForEvents(heap.envId, 3, { type: 'track' });
    expect(['Fast clock', 'Corrected clock', 'Back later'].map((name) => tracks.find((e) => e.name === name)!.session_id)).to.deep.equal([first, first, second]);
  });

  it('is not kept alive by a page that reads its id: the id read after the timeout is the next event\'s', async () => {
    const start = Date.now();
    let clock = start;
    const heap = startRuntime('reads', { now: () => clock });
    heap.track('Start');
    const first = heap.getSessionId();
    // A widget asking for the id now and then is no activity of the visitor's.
    for (const minutes of [10, 20, 29]) {
      clock = start + minutes * 60_000;
      expect(heap.getSessionId()).to.equal(first);
    }
    clock = start + 30 * 60_000 + 1;
    const second = heap.getSessionId();
    expect(second).to.not.equal(first);
    heap.track('Later');
    const tracks = await waitForEvents(heap.envId, 2, { type: 'track' });
    expect(tracks.map((e) => e.session_id)).to.deep.equal([first, second]);
  });

  it('starts a session begun after the timeout with a pageview of the page it begins on, for its events to belong to', async () => {
    let clock = Date.now();
    const heap = startRuntime('expiry-pageview', { now: () => clock });
    heap.addPageviewProperties({ section: 'docs' });
    heap.track('Before');
    clock += 30 * 60_000 + 1;
    heap.track('Back later');
    const events = await waitForEvents(heap.envId, 4);
    expect(events.map((e) => e.type)).to.deep.equal(['pageview', 'track', 'pageview', 'track']);
    const [boot, before, again, later] = events;
    expect(before!.pageview_id).to.equal(boot!.pageview_id);
    expect([again!.session_id, again!.page!.url, again!.properties]).to.deep.equal([later!.session_id, boot!.page!.url, { section: 'docs' }]);
    expect(later!.pageview_id).to.equal(again!.pageview_id);
    expect(later!.session_id).to.not.equal(boot!.session_id);
  });

  it('times the pageview that starts a session after the timeout no later than the event it comes before', async () => {
    // A clock that has moved on at each reading, as a real one may between two readings of one call.
    let clock = Date.now();
    const heap = startRuntime('expiry-order', { now: () => clock++ });
    heap.track('Before');
    clock += 30 * 60_000;
    heap.track('Back later');
    const [again, later] = (await waitForEvents(heap.envId, 4)).slice(2);
    expect([again!.type, later!.name]).to.deep.equal(['pageview', 'Back later']);
    expect(again!.time).to.be.at.most(later!.time);
  });

  it('honours a custom timeout', () => {
    let clock = Date.now();
    const heap = startRuntime('custom', { now: () => clock, sessionTimeout: 5 });
    const first = heap.getSessionId();
    clock += 5 * 60_000 + 1;
    expect(heap.getSessionId()).to.not.equal(first);
  });

  it('keeps the 30-minute timeout, with one warning, when the setting is not a positive number, even one that cannot be turned into text', async () => {
    for (const sessionTimeout of [-5, { toString: () => { throw new Error('toString'); } }]) {
      resetWarnings();
      let clock = Date.now();
      const { result: heap, warnings } = await captureConsole(() => startRuntime('badtimeout', { now: () => clock, sessionTimeout: sessionTimeout as never }));
      expect(warnings.map((w) => w.split(':')[0])).to.deep.equal(['[heap-analytics] config-invalid']);
      const first = heap.getSessionId();
      clock += 29 * 60_000;
      expect(heap.getSessionId()).to.equal(first);
      clock += 30 * 60_000 + 1;
      expect(heap.getSessionId()).to.not.equal(first);
      heap.dispose();
    }
  });

  it('is shared by every tab of the site', () => {
    const envId = uniqueEnv('tabs');
    let clock = Date.now();
    const tabA = startRuntime('tabs', { now: () => clock }, envId);
    const tabB = otherTab(envId, () => clock);
    expect(tabB.getSessionId()).to.equal(tabA.getSessionId());
    expect(tabB.getUserId()).to.equal(tabA.getUserId());
    // Activity in tab B keeps the session alive for tab A.
    clock += 20 * 60_000;
    tabB.capture('track', 'In B', {});
    clock += 20 * 60_000;
    expect(tabA.getSessionId()).to.equal(tabB.getSessionId());
  });

  it('labels each event of one millisecond with the user, session and pageview of its own call', async () => {
    const clock = Date.now();
    const heap = startRuntime('same-ms', { now: () => clock });
    heap.track('Before');
    heap.identify('alice');
    heap.track('As alice');
    const alice = { user: heap.getUserId(), session: heap.getSessionId() };
    // Someone else: a new user and session, in the same millisecond.
    heap.identify('bob');
    heap.track('As bob');
    heap.trackPageview();
    heap.track('Next page');
    const tracks = await waitForEvents(heap.envId, 4, { type: 'track' });
    const pageviews = await waitForEvents(heap.envId, 2, { type: 'pageview' });
    const [before, asAlice, asBob, nextPage] = ['Before', 'As alice', 'As bob', 'Next page'].map((n) => tracks.find((e) => e.name === n)!);
    expect([before!.identity, asAlice!.identity, asBob!.identity]).to.deep.equal([null, 'alice', 'bob']);
    expect(asAlice!.user_id).to.equal(alice.user);
    expect(asAlice!.session_id).to.equal(alice.session);
    expect(asBob!.user_id).to.not.equal(alice.user);
    expect(asBob!.session_id).to.not.equal(alice.session);
    expect(asBob!.session_id).to.equal(heap.getSessionId());
    expect(nextPage!.pageview_id).to.not.equal(asBob!.pageview_id);
    expect(pageviews.map((e) => e.pageview_id)).to.include(nextPage!.pageview_id);
  });

  it('follows a session another tab started after this one timed out', () => {
    const envId = uniqueEnv('tab-new');
    let clock = Date.now();
    const tabA = otherTab(envId, () => clock);
    const tabB = otherTab(envId, () => clock);
    const first = tabA.getSessionId();
    expect(tabB.getSessionId()).to.equal(first);
    clock += 31 * 60_000;
    tabB.capture('track', 'B after a break', {});
    const second = tabB.getSessionId();
    expect(second).to.not.equal(first);
    expect(tabA.getSessionId()).to.equal(second);
  });

  it('starts a session another tab began after the timeout, when this tab joins it, with a pageview of this page', async () => {
    const envId = uniqueEnv('tab-pageview');
    let clock = Date.now();
    const tabA = startRuntime('tab-pageview', { now: () => clock }, envId);
    const tabB = otherTab(envId, () => clock);
    clock += 31 * 60_000;
    tabB.capture('track', 'B after a break', {});
    // Tab A finds B's new session at its next look at the shared store.
    tabA.track('A after B');
    await waitForEvents(envId, 1, { name: 'A after B' });
    const events = (await storedEvents(envId)).filter((e) => e.name !== 'B after a break');
    expect(events.map((e) => e.type)).to.deep.equal(['pageview', 'pageview', 'track']);
    const [boot, again, later] = events;
    expect([again!.session_id, later!.session_id]).to.deep.equal([tabB.getSessionId(), tabB.getSessionId()]);
    expect(later!.pageview_id).to.equal(again!.pageview_id);
    expect(again!.pageview_id).to.not.equal(boot!.pageview_id);
    expect(again!.page!.url).to.equal(boot!.page!.url);
  });

  it('keeps the session another tab started at a login, though this tab was busy in the same second or the clock was set back', async () => {
    for (const shift of [0, -60 * 60_000]) {
      const envId = uniqueEnv('tab-login');
      let clock = Date.now();
      const tabA = startRuntime('tab-login', { now: () => clock }, envId);
      const tabB = otherTab(envId, () => clock);
      tabA.identify('alice');
      const alice = tabA.getSessionId();
      clock += 2000;
      tabB.capture('track', 'B busy', {});
      // Then, within the second (or after the clock was corrected an hour back), someone else logs in in tab A.
      clock += shift + 100;
      tabA.identify('bob');
      const bob = tabA.getSessionId();
      expect(bob).to.not.equal(alice);
      clock += 400;
      tabB.capture('track', 'B still busy', {});
      clock += 1000;
      tabB.capture('track', 'B later', {});
      clock += 500;
      tabA.track('A later');
      await waitForEvents(envId, 1, { name: 'A later' });
      await waitForEvents(envId, 1, { name: 'B later' });
      const events = await storedEvents(envId);
      expect(['A later', 'B later'].map((name) => events.find((e) => e.name === name)!.session_id)).to.deep.equal([bob, bob]);
      cleanUp();
    }
  });

  it('takes referrer, landing page and UTM parameters from the landing page only', async () => {
    const landing = location.href;
    history.replaceState(null, '', `${location.pathname}?utm_source=news&utm_campaign=fall`);
    const heap = startRuntime('utm');
    try {
      history.replaceState(null, '', `${location.pathname}?utm_source=other`);
      heap.trackPageview();
      heap.track('Later');
    } finally {
      history.replaceState(null, '', landing);
    }
    const events = await waitForEvents(heap.envId, 3);
    for (const event of events) {
      expect(event.session).to.include({ utm_source: 'news', utm_campaign: 'fall' });
      expect(event.session!.landing_page).to.include('utm_source=news');
    }
  });

  it('scrubs an email or card number from the UTM parameters as from the landing page', async () => {
    const landing = location.href;
    history.replaceState(null, '', `${location.pathname}?utm_term=jane.doe%40example.com&utm_content=4111%201111%201111%201111&utm_source=news`);
    try {
      const heap = startRuntime('utm-scrub');
      heap.track('Landed');
      const [event] = await waitForEvents(heap.envId, 1, { type: 'track' });
      expect(event!.session).to.include({ utm_term: '****', utm_content: '****', utm_source: 'news' });
      expect(JSON.stringify(event)).to.not.match(/jane|4111/);
    } finally {
      history.replaceState(null, '', landing);
    }
  });

  it('cuts a long UTM parameter before a character it would split', async () => {
    const landing = location.href;
    history.replaceState(null, '', `${location.pathname}?utm_term=${'a'.repeat(1022)}${encodeURIComponent('😀')}`);
    try {
      const heap = startRuntime('utm-cut');
      heap.track('Landed');
      const [event] = await waitForEvents(heap.envId, 1, { type: 'track' });
      expect(event!.session!.utm_term).to.equal('a'.repeat(1022));
    } finally {
      history.replaceState(null, '', landing);
    }
  });
});
