import { expect } from '@open-wc/testing';
import { BASE, captureConsole, cleanUp, keyPrefix, otherTab, reload, sleep, startRuntime, storedEvents, uniqueEnv, waitForEvents, type StoredEvent } from '../test/collector.ts';

const cookieNamed = (name: string) => document.cookie.split('; ').find((c) => c.startsWith(`${name}=`));

/**
 * Runs `fn` with `document.cookie` answered by `accessor`: the prototype's, which the runtime reads and writes
 * through (a page's own property named `cookie` does not reach it).
 */
function withCookieAccessor<T>(accessor: (own: PropertyDescriptor) => PropertyDescriptor, fn: () => T): T {
  const own = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie')!;
  Object.defineProperty(Document.prototype, 'cookie', { ...own, ...accessor(own) });
  try {
    return fn();
  } finally {
    Object.defineProperty(Document.prototype, 'cookie', own);
  }
}

/** How many times `fn` read `document.cookie` (a round trip to the browser process in Chromium). */
function cookieReads(fn: () => void): number {
  let reads = 0;
  withCookieAccessor(
    (own) => ({
      get() {
        reads++;
        return own.get!.call(this);
      },
    }),
    fn,
  );
  return reads;
}

/**
 * Runs `fn` on a page at www.example.com, as far as cookies go: a jar kept the way browsers keep cookies (RFC 6265), a
 * host-only cookie apart from a domain cookie of the same name, both read, the older first (an overwrite keeps its
 * age). The test server is localhost, where no browser keeps the two apart.
 */
function onSubdomain(jar: [name: string, value: string, domain: string][], fn: () => void): void {
  const own = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie')!;
  Object.defineProperty(Document.prototype, 'cookie', {
    configurable: true,
    get: () => jar.map(([name, value]) => `${name}=${value}`).join('; '),
    set(text: string) {
      const [pair, ...attributes] = text.split('; ');
      const [name, value] = pair!.split('=') as [string, string];
      const attribute = (key: string) => attributes.find((a) => a.startsWith(`${key}=`))?.slice(key.length + 1);
      const domain = attribute('domain')?.replace(/^\./, '') ?? '';
      // A domain the page is not in is refused.
      if (domain && !`.www.example.com`.endsWith(`.${domain}`)) return;
      const at = jar.findIndex(([n, , d]) => n === name && d === domain);
      if (Number(attribute('max-age')) <= 0) {
        if (at >= 0) jar.splice(at, 1);
      } else if (at >= 0) jar[at]![1] = value;
      else jar.push([name, value, domain]);
    },
  });
  try {
    fn();
  } finally {
    Object.defineProperty(Document.prototype, 'cookie', own);
  }
}

describe('identity', () => {
  afterEach(cleanUp);

  it('makes an anonymous user id below 2^53 and keeps it in a first-party cookie mirrored to localStorage', () => {
    const heap = startRuntime('anon');
    const userId = heap.getUserId();
    expect(userId).to.match(/^\d{1,16}$/);
    expect(Number(userId)).to.be.below(2 ** 53);
    expect(heap.getIdentity()).to.equal(null);
    const key = `hpa_${heap.envId.replace(/[^A-Za-z0-9_-]/g, '_')}_id`;
    expect(decodeURIComponent(cookieNamed(key)!.split('=')[1]!)).to.include(userId);
    expect(localStorage.getItem(key)).to.include(userId);
  });

  it('keeps the user, identity and session across a reload', async () => {
    const first = startRuntime('reload');
    first.identify('alice123');
    const { envId } = first;
    const userId = first.getUserId();
    const sessionId = first.getSessionId();
    const second = reload(first);
    expect(second.getUserId()).to.equal(userId);
    expect(second.getIdentity()).to.equal('alice123');
    expect(second.getSessionId()).to.equal(sessionId);
    second.track('After reload');
    const [event] = await waitForEvents(envId, 1, { type: 'track' });
    expect(event).to.include({ user_id: userId, identity: 'alice123', session_id: sessionId });
  });

  it('recovers the user from localStorage when the cookie was cleared', () => {
    const first = startRuntime('mirror');
    const userId = first.getUserId();
    const key = `hpa_${first.envId.replace(/[^A-Za-z0-9_-]/g, '_')}_id`;
    first.dispose();
    document.cookie = `${key}=; path=/; max-age=0`;
    const second = reload(first);
    expect(second.getUserId()).to.equal(userId);
  });

  it('attaches an identity to the anonymous user and sends an identify event', async () => {
    const heap = startRuntime('attach');
    const userId = heap.getUserId();
    const sessionId = heap.getSessionId();
    heap.identify('alice123');
    heap.identify('alice123');
    expect(heap.getIdentity()).to.equal('alice123');
    expect(heap.getUserId()).to.equal(userId);
    expect(heap.getSessionId()).to.equal(sessionId);
    const identifies = await waitForEvents(heap.envId, 1, { type: 'identify' });
    expect(identifies.map((e) => [e.user_id, e.identity])).to.deep.equal([[userId, 'alice123']]);
  });

  it('treats identities as case-sensitive and numbers as their decimal string', () => {
    const heap = startRuntime('case');
    heap.identify(42);
    expect(heap.getIdentity()).to.equal('42');
    const first = heap.getUserId();
    heap.identify('Alice');
    heap.identify('alice');
    expect(heap.getIdentity()).to.equal('alice');
    expect(heap.getUserId()).to.not.equal(first);
  });

  it('starts a new user and session when identified as someone else', async () => {
    const heap = startRuntime('switch');
    heap.identify('alice');
    const alice = { user: heap.getUserId(), session: heap.getSessionId() };
    heap.identify('bob');
    expect(heap.getIdentity()).to.equal('bob');
    expect(heap.getUserId()).to.not.equal(alice.user);
    expect(heap.getSessionId()).to.not.equal(alice.session);
    heap.track('Bob acts');
    const [event] = await waitForEvents(heap.envId, 1, { type: 'track' });
    expect(event).to.include({ identity: 'bob', user_id: heap.getUserId() });
  });

  it('resets an identified user to a new anonymous user and session, and leaves an anonymous one alone', () => {
    const heap = startRuntime('reset');
    const anon = { user: heap.getUserId(), session: heap.getSessionId() };
    heap.resetIdentity();
    expect(heap.getUserId()).to.equal(anon.user);
    expect(heap.getSessionId()).to.equal(anon.session);
    heap.identify('alice');
    heap.resetIdentity();
    expect(heap.getIdentity()).to.equal(null);
    expect(heap.getUserId()).to.not.equal(anon.user);
    expect(heap.getSessionId()).to.not.equal(anon.session);
  });

  it('starts the session of someone else identified, or of the anonymous user after a reset, with a pageview of the page', async () => {
    const heap = startRuntime('switch-pageview');
    heap.addPageviewProperties({ section: 'account' });
    heap.identify('alice');
    heap.track('As alice');
    heap.identify('bob');
    heap.track('As bob');
    heap.resetIdentity();
    heap.track('Logged out');
    await waitForEvents(heap.envId, 1, { name: 'Logged out' });
    const events = await storedEvents(heap.envId);
    expect(events.map((e) => e.name ?? e.type)).to.deep.equal(['pageview', 'identify', 'As alice', 'pageview', 'identify', 'As bob', 'pageview', 'Logged out']);
    // Each session's events belong to a pageview of that session, of the same page and pageview properties.
    for (const at of [0, 3, 6]) {
      const [view, ...rest] = events.slice(at, at + 3);
      for (const e of rest) expect([e.session_id, e.pageview_id, e.user_id]).to.deep.equal([view!.session_id, view!.pageview_id, view!.user_id]);
      expect(view!.page!.url).to.equal(events[0]!.page!.url);
    }
    expect([events[3]!.properties, events[6]!.properties]).to.deep.equal([{ section: 'account' }, { section: 'account' }]);
    expect(new Set(events.map((e) => e.pageview_id)).size).to.equal(3);
  });

  it('refuses placeholder identities and keeps the current one', () => {
    const heap = startRuntime('junk');
    heap.identify('alice');
    for (const junk of ['undefined', 'null', '', '   ', ' NULL ', 'None', 'NaN', '[object Object]', 'Undefined', 'x'.repeat(255), NaN, null, undefined, {}, Symbol('s')]) {
      heap.identify(junk as never);
    }
    expect(heap.getIdentity()).to.equal('alice');
    // Only the whole placeholder is one.
    heap.identify('nulls');
    expect(heap.getIdentity()).to.equal('nulls');
    heap.identify('x'.repeat(254));
    expect(heap.getIdentity()).to.equal('x'.repeat(254));
  });

  it('keeps one user and session for the page when cookies and storage are blocked', async () => {
    const proto = Storage.prototype;
    const saved = { getItem: proto.getItem, setItem: proto.setItem, removeItem: proto.removeItem, key: proto.key };
    const fail = () => {
      throw new DOMException('blocked', 'SecurityError');
    };
    let clock = Date.now();
    const { result: heap } = await captureConsole(() => {
      Object.assign(proto, { getItem: fail, setItem: fail, removeItem: fail, key: fail });
      try {
        return withCookieAccessor(
          () => ({ get: fail, set: fail }),
          () => {
            const heap = startRuntime('blocked', { now: () => clock, disablePageviewAutocapture: true });
            heap.track('First');
            // Past the once-a-second re-read of the shared user and session, which finds nothing.
            clock += 1500;
            heap.track('Second');
            heap.flush();
            return heap;
          },
        );
      } finally {
        Object.assign(proto, saved);
      }
    });
    const events = await waitForEvents(heap.envId, 2);
    expect(new Set(events.map((e) => `${e.user_id} ${e.session_id}`)).size).to.equal(1);
  });

  it('labels the next event with the user another tab identified, reading the cookie after the call, not in it', async () => {
    const envId = uniqueEnv('tab-identify');
    let clock = Date.now();
    const tabA = startRuntime('tab-identify', { now: () => clock }, envId);
    const tabB = otherTab(envId, () => clock);
    tabB.identify('bob');
    // Tabs look at the shared user at most once a second.
    clock += 1001;
    expect(cookieReads(() => tabA.track('After B identified'))).to.equal(0);
    const [event] = await waitForEvents(envId, 1, { name: 'After B identified' });
    expect(event!.identity).to.equal('bob');
    expect(event!.user_id).to.equal(tabB.getUserId());
    expect(tabA.getIdentity()).to.equal('bob');
  });

  it('answers getUserId and getIdentity with the user another tab identified or reset, the one its next event carries', async () => {
    const envId = uniqueEnv('tab-read');
    let clock = Date.now();
    const tabA = startRuntime('tab-read', { now: () => clock, disablePageviewAutocapture: true }, envId);
    const tabB = otherTab(envId, () => clock);
    tabB.identify('bob');
    clock += 1500;
    // What a page hands its server, to link server-side events to this user.
    expect([tabA.getUserId(), tabA.getIdentity()]).to.deep.equal([tabB.getUserId(), 'bob']);
    // Bob logs out in the other tab: a new anonymous user.
    tabB.identify(null);
    clock += 1500;
    const read = [tabA.getUserId(), tabA.getIdentity()];
    tabA.track('After B logged out');
    const [event] = await waitForEvents(envId, 1, { name: 'After B logged out' });
    expect(read).to.deep.equal([event!.user_id, null]);
    expect(read[0]).to.equal(tabB.getUserId());
  });

  it('labels the first event of a tab that captured nothing since it booted with the user another tab identified', async () => {
    const envId = uniqueEnv('tab-first');
    let clock = Date.now();
    const tabA = startRuntime('tab-first', { now: () => clock, disablePageviewAutocapture: true }, envId);
    const tabB = otherTab(envId, () => clock);
    tabB.identify('carol');
    clock += 5000;
    tabA.track('First after B identified');
    const [event] = await waitForEvents(envId, 1, { name: 'First after B identified' });
    expect(event!.identity).to.equal('carol');
    expect(event!.user_id).to.equal(tabB.getUserId());
  });
  it('never gives the user another tab identified and reset to the next person identified here', async () => {
    const envId = uniqueEnv('tab-reset');
    const clock = Date.now();
    // Tab A has captured nothing since tab B identified bob and logged him out.
    const tabA = startRuntime('tab-reset', { now: () => clock, disablePageviewAutocapture: true }, envId);
    const tabB = otherTab(envId, () => clock);
    tabB.identify('bob');
    const bob = tabB.getUserId();
    tabB.identify(null);
    tabA.identify('carol');
    expect(tabA.getIdentity()).to.equal('carol');
    expect(tabA.getUserId()).to.not.equal(bob);
    tabA.track('Carol acts');
    const [event] = await waitForEvents(envId, 1, { name: 'Carol acts' });
    expect(event!.user_id).to.not.equal(bob);
    expect(event!.identity).to.equal('carol');
  });

  it('makes a new user for an identify in the same second another tab identified someone else: two people never share a user id', async () => {
    const envId = uniqueEnv('tab-same-second');
    const clock = Date.now();
    const tabA = startRuntime('tab-same-second', { now: () => clock, disablePageviewAutocapture: true }, envId);
    const tabB = otherTab(envId, () => clock);
    // Both tabs looked at the shared user this second; then one identifies bob, and the other, alice.
    tabA.track('A acts');
    tabB.capture('track', 'B acts');
    await sleep(0);
    tabB.identify('bob');
    const bob = tabB.getUserId();
    tabA.identify('alice');
    tabA.track('Alice acts');
    const [alice] = await waitForEvents(envId, 1, { name: 'Alice acts' });
    expect([alice!.user_id === bob, alice!.identity]).to.deep.equal([false, 'alice']);
    tabB.flush();
    await waitForEvents(envId, 2, { type: 'identify' });
    const users = await (await fetch(`${BASE}/v1/users?env_id=${envId}&identity=bob`)).json();
    expect(users.users.map((u: { user_id: string }) => u.user_id), "bob's users").to.deep.equal([bob]);
  });

  it('labels the next event with the user of a sign-in or sign-out this tab repeats the same second another tab made it', async () => {
    const envId = uniqueEnv('tab-repeat');
    const clock = Date.now();
    const tabA = startRuntime('tab-repeat', { now: () => clock, disablePageviewAutocapture: true }, envId);
    const tabB = otherTab(envId, () => clock);
    tabA.identify('alice');
    const alice = tabA.getUserId();
    tabA.track('Alice acts');
    await sleep(0);
    // An app that tells every tab of a sign-in (a BroadcastChannel, a storage event), each tab identifying in turn.
    tabB.identify('bob');
    tabA.identify('bob');
    tabA.track('Bob acts');
    await sleep(0);
    // And of a sign-out.
    tabB.identify(null);
    tabA.resetIdentity();
    const read = [tabA.getUserId(), tabA.getIdentity()];
    tabA.track('After logout');
    const events = await waitForEvents(envId, 3, { type: 'track' });
    const who = (e: StoredEvent) => [e.name, e.user_id === alice ? 'alice' : e.user_id === tabB.getUserId() ? 'now' : e.user_id, e.identity];
    expect(events.map(who)).to.deep.equal([
      ['Alice acts', 'alice', 'alice'],
      ['Bob acts', events[1]!.user_id, 'bob'],
      ['After logout', 'now', null],
    ]);
    expect(events[1]!.user_id).to.not.equal(alice);
    expect(read).to.deep.equal([events[2]!.user_id, null]);
  });

  it('labels each event of a sign-out and a new sign-in in one task with the session getSessionId gives then, in this tab and another', async () => {
    let clock = Date.now();
    const envId = uniqueEnv('relogin');
    const tabA = startRuntime('relogin', { now: () => clock, disablePageviewAutocapture: true }, envId);
    const tabB = otherTab(envId, () => clock);
    tabA.identify('alice');
    tabA.track('Alice acts');
    const alice = tabA.getSessionId();
    // A "switch account" button: signed out and in again at once.
    tabA.resetIdentity();
    tabA.identify('bob');
    const bob = [tabA.getSessionId(), tabA.getUserId()];
    tabA.track('Bob acts');
    // Past the once-a-second re-read of what the tabs share, another tab of the site acting meanwhile.
    clock += 1500;
    tabB.capture('track', 'Other tab');
    tabA.track('Bob again');
    const read = [tabA.getSessionId(), tabA.getUserId()];
    tabB.flush();
    const events = await waitForEvents(envId, 4, { type: 'track' });
    const label = (e: StoredEvent) => [e.name, e.session_id, e.user_id, e.identity];
    expect(events.map(label).sort()).to.deep.equal([
      ['Alice acts', alice, events.find((e) => e.name === 'Alice acts')!.user_id, 'alice'],
      ['Bob acts', ...bob, 'bob'],
      ['Bob again', ...bob, 'bob'],
      ['Other tab', ...bob, 'bob'],
    ]);
    expect(bob[0]).to.not.equal(alice);
    expect(read).to.deep.equal(bob);
  });

  it('logs out for a resetIdentity in the same second another tab identified someone', async () => {
    let clock = Date.now();
    const envId = uniqueEnv('tab-same-reset');
    const tabA = startRuntime('tab-same-reset', { now: () => clock, disablePageviewAutocapture: true }, envId);
    const tabB = otherTab(envId, () => clock);
    tabA.track('A acts');
    tabB.capture('track', 'B acts');
    await sleep(0);
    tabB.identify('bob');
    const bob = tabB.getUserId();
    // The visitor logs out in this tab within the same second: bob is gone from every tab.
    tabA.resetIdentity();
    tabA.track('After logout');
    clock += 1500;
    tabB.capture('track', 'Later in the other tab');
    const [here] = await waitForEvents(envId, 1, { name: 'After logout' });
    const [there] = await waitForEvents(envId, 1, { name: 'Later in the other tab' });
    expect([here!.user_id === bob, here!.identity]).to.deep.equal([false, null]);
    expect([there!.user_id, there!.identity]).to.deep.equal([here!.user_id, null]);
  });

  it('keeps the identity once cookie-domain is set on a site whose visitors hold the host cookie of an earlier visit', async () => {
    const envId = uniqueEnv('cookie-domain');
    const key = `${keyPrefix(envId)}_id`;
    // The earlier visit, before the site set cookie-domain: the user in a host cookie (its localStorage copy is gone).
    const jar: [string, string, string][] = [[key, encodeURIComponent('{"u":"111","i":null}'), '']];
    let clock = Date.now();
    onSubdomain(jar, () => {
      const heap = startRuntime('cookie-domain', { now: () => clock, cookieDomain: '.example.com', disablePageviewAutocapture: true }, envId);
      expect(heap.getUserId()).to.equal('111');
      heap.identify('alice');
      // Past the once-a-second re-read of the shared user.
      clock += 1500;
      heap.track('After identify');
      expect(heap.getIdentity()).to.equal('alice');
      heap.dispose();
      localStorage.removeItem(key);
      // The next page reads the user from the cookie.
      expect(startRuntime('cookie-domain', { cookieDomain: '.example.com' }, envId).getIdentity()).to.equal('alice');
    });
    const [event] = await waitForEvents(envId, 1, { name: 'After identify' });
    expect(event).to.include({ user_id: '111', identity: 'alice' });
  });
});
