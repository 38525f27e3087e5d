import { expect } from '@open-wc/testing';
import type { RuntimeOptions } from './runtime.ts';
import { createJournal } from './journal.ts';
import { getRuntime } from './load.ts';
import { defineHeapAnalytics } from '../components/heap-analytics-define.ts';
import { captureConsole, cleanUp, ENDPOINT, failOnUncaught, forgetEnv, keyPrefix, receivedIds, requestLog, setFaults, sleep, startRuntime, storedEvents, uniqueEnv, waitForEvents } from '../test/collector.ts';

const fast = { retry: [50, 400], disablePageviewAutocapture: true } satisfies RuntimeOptions;

/** Runs `fn` with Date.now shifted by what `shift()` says at each call. */
async function withClock<T>(shift: () => number, fn: () => Promise<T>): Promise<T> {
  const real = Date.now;
  Date.now = () => real() + shift();
  try {
    return await fn();
  } finally {
    Date.now = real;
  }
}

/** The browser's own visibilityState getter, put back after a test stubs it. */
const VISIBILITY = Object.getOwnPropertyDescriptor(Document.prototype, 'visibilityState')!;

/**
 * Opens test/fixtures/bfcache.html for `envId` in a window of its own with no opener (one the back/forward cache may
 * keep): what it says, a way to tell it what to do, and a wait for what it says.
 */
function openCachedPage(envId: string) {
  const channel = new BroadcastChannel(`bfcache-${envId}`);
  const said: { shown?: boolean; persisted?: boolean; away?: boolean }[] = [];
  channel.onmessage = (e) => said.push(e.data);
  window.open(`/test/fixtures/bfcache.html?env=${envId}`, '_blank', 'noopener');
  const until = async (what: string, done: () => boolean) => {
    for (let i = 0; i < 600 && !done(); i++) await sleep(50);
    if (!done()) throw new Error(`the page never said ${what}`);
  };
  const tell = (message: string) => channel.postMessage(message);
  return { said, tell, until, close: () => (tell('close'), channel.close()) };
}

describe('lifecycle', () => {
  failOnUncaught();
  afterEach(cleanUp);

  it('delivers after a 503 when the clock steps back an hour during the backoff', async () => {
    const envId = uniqueEnv('clock-back');
    await setFaults(envId, [{ kind: 'status', status: 503, times: 1 }]);
    let shift = 0;
    await withClock(
      () => shift,
      async () => {
        const heap = startRuntime('clock-back', { ...fast, retry: [300, 300, () => 0.999] }, envId);
        heap.track('Before the step');
        for (let i = 0; i < 100 && !(await requestLog(envId)).length; i++) await sleep(20);
        // The computer's clock is set back (NTP, daylight saving on a misconfigured machine, the user) mid-backoff.
        shift = -3_600_000;
        await waitForEvents(envId, 1, { type: 'track' }, 5000);
      },
    );
  });

  it('delivers each event once, with one pageview for the return, when a page back from the back/forward cache finds another tab took over its events', async () => {
    const envId = uniqueEnv('bfcache');
    await setFaults(envId, [{ kind: 'status', status: 503 }]);
    const page = openCachedPage(envId);
    try {
      await page.until('it was shown', () => page.said.some((m) => m.shown));
      for (const name of ['One', 'Two', 'Three']) page.tell(`track ${name}`);
      for (let i = 0; i < 200 && !(await requestLog(envId)).length; i++) await sleep(20);
      // The visitor follows a link while the collector is down: the page goes into the cache (Chromium; Firefox here
      // unloads it), its events saved, and another tab of the site delivers them meanwhile.
      page.tell('away');
      await page.until('it was away', () => page.said.some((m) => m.away));
      await setFaults(envId, []);
      startRuntime('bfcache-other', fast, envId);
      await waitForEvents(envId, 3, { type: 'track' }, 20_000);
      page.tell('back');
      await page.until('it was shown again', () => page.said.filter((m) => m.shown).length > 1);
      page.tell('track After');
      await waitForEvents(envId, 4, { type: 'track' }, 20_000);
      // Back, the page lives again: its tab's record beats (it wrote 0 as it went away), so no other tab takes its
      // events while it waits. Shown, neither tab holds a lock (Firefox keeps no page holding one in its cache).
      const beating = () =>
        Object.keys(localStorage).filter((key) => key.startsWith(`${keyPrefix(envId)}_tab_`) && JSON.parse(localStorage.getItem(key)!).hb > 0).length;
      for (let i = 0; i < 100 && beating() < 2; i++) await sleep(20);
      expect(beating(), 'tabs beating').to.equal(2);
      await sleep(500);
      const events = await storedEvents(envId);
      expect(events.filter((e) => e.type === 'track').map((e) => e.name).sort()).to.deep.equal(['After', 'One', 'Three', 'Two']);
      expect(events.filter((e) => e.type === 'pageview'), 'pageviews: the load and the return').to.have.length(2);
      const drops = (await (await fetch(`/__collect/v1/drops?env_id=${envId}`)).json()) as { drops: unknown[] };
      expect(drops.drops).to.deep.equal([]);
    } finally {
      page.close();
    }
  });

  it('hands window.heap to the tracker still running when the element that owned it is removed', async () => {
    defineHeapAnalytics();
    const [first, second] = [uniqueEnv('owner'), uniqueEnv('other')];
    const elements = [first, second].map((envId) => {
      const el = document.createElement('heap-analytics');
      el.setAttribute('env-id', envId);
      el.setAttribute('endpoint', ENDPOINT);
      el.setAttribute('flush-interval', '20');
      el.setAttribute('disable-pageview-autocapture', '');
      document.body.append(el);
      return el;
    });
    try {
      expect(window.heap?.envId).to.equal(first);
      // A single-page app's route drops the component holding the first tracker; the second one stays.
      elements[0]!.remove();
      for (let i = 0; i < 20 && getRuntime(first); i++) await Promise.resolve();
      window.heap!.track('After the first left');
      await waitForEvents(second, 1, { type: 'track' }, 3000);
    } finally {
      for (const el of elements) el.remove();
      await sleep(0);
      delete window.heap;
      delete window.heapReadyCb;
      [first, second].forEach(forgetEnv);
    }
  });

  it('hands window.heap to the new env id when a framework re-renders the element with another one in the same task', async () => {
    defineHeapAnalytics();
    const [before, after] = [uniqueEnv('before'), uniqueEnv('after')];
    const el = document.createElement('heap-analytics');
    for (const [name, value] of [['env-id', before], ['endpoint', ENDPOINT], ['flush-interval', '20'], ['disable-pageview-autocapture', '']]) el.setAttribute(name!, value!);
    document.body.append(el);
    try {
      expect(window.heap?.envId).to.equal(before);
      // The old element goes and its replacement, with the new env id, comes in one render.
      el.remove();
      el.setAttribute('env-id', after);
      document.body.append(el);
      for (let i = 0; i < 20 && getRuntime(before); i++) await Promise.resolve();
      window.heap!.track('After the switch');
      await waitForEvents(after, 1, { type: 'track' }, 3000);
    } finally {
      el.remove();
      await sleep(0);
      delete window.heap;
      delete window.heapReadyCb;
      [before, after].forEach(forgetEnv);
    }
  });

  it('applies the consent attribute changed while detached when elements of two env ids are taken out and put back in one task', async () => {
    defineHeapAnalytics();
    const [first, second] = [uniqueEnv('out-a'), uniqueEnv('out-b')];
    const box = document.createElement('div');
    const elements = [first, second].map((envId) => {
      const el = document.createElement('heap-analytics');
      for (const [name, value] of [['env-id', envId], ['endpoint', ENDPOINT], ['consent', 'granted'], ['disable-pageview-autocapture', '']]) el.setAttribute(name!, value!);
      return el;
    });
    box.append(...elements);
    document.body.append(box);
    const elsewhere = document.createElement('div');
    document.body.append(elsewhere);
    try {
      // A framework re-parents the block holding both trackers in two steps, and renders the visitor's refusal meanwhile.
      const { warnings } = await captureConsole(async () => {
        box.remove();
        elements[1]!.setAttribute('consent', 'denied');
        elsewhere.append(box);
        await sleep(0);
      });
      expect(warnings).to.deep.equal([]);
      expect(elements[1]!.getConsent()).to.equal('denied');
      expect(document.cookie).to.not.include(keyPrefix(second));
    } finally {
      elsewhere.remove();
      await sleep(0);
      delete window.heap;
      delete window.heapReadyCb;
      [first, second].forEach(forgetEnv);
    }
  });

  it('delivers the calls made on a window.heap kept by the page from before its element was removed and put back', async () => {
    defineHeapAnalytics();
    const envId = uniqueEnv('kept-ref');
    const element = () => {
      const el = document.createElement('heap-analytics');
      for (const [name, value] of [['env-id', envId], ['endpoint', ENDPOINT], ['flush-interval', '20'], ['disable-pageview-autocapture', '']]) el.setAttribute(name!, value!);
      return document.body.appendChild(el);
    };
    try {
      element();
      // An app module keeps the API it found once the tracker was ready; the layout holding the element goes, then comes back.
      const heap = window.heap!;
      document.querySelector('heap-analytics')!.remove();
      for (let i = 0; i < 20 && getRuntime(envId); i++) await Promise.resolve();
      heap.track('While away');
      await element().ready;
      heap.track('Once back');
      await waitForEvents(envId, 2, { type: 'track' }, 3000);
    } finally {
      document.querySelector('heap-analytics')?.remove();
      await sleep(0);
      delete window.heap;
      delete window.heapReadyCb;
      forgetEnv(envId);
    }
  });

  it('boots and delivers, after a 503, with attributes named like the runtime\'s injected hooks (transport, retry, now)', async () => {
    defineHeapAnalytics();
    const envId = uniqueEnv('hook-attrs');
    await setFaults(envId, [{ kind: 'status', status: 503, times: 1 }]);
    // A site owner guessing at settings other tools have (GA's beacon transport, a retry count).
    const el = document.createElement('heap-analytics');
    for (const [name, value] of [['env-id', envId], ['endpoint', ENDPOINT], ['flush-interval', '20'], ['transport', 'beacon'], ['retry', '3'], ['now', '']]) el.setAttribute(name!, value!);
    document.body.append(el);
    try {
      expect(await el.ready).to.equal(true);
      el.track('With guessed settings');
      await waitForEvents(envId, 1, { type: 'track' }, 5000);
    } finally {
      el.remove();
      await sleep(0);
      delete window.heap;
      delete window.heapReadyCb;
      forgetEnv(envId);
    }
  });

  it('keeps delivering when the browser says offline but the collector answers (a 503 once)', async () => {
    const envId = uniqueEnv('onLine');
    await setFaults(envId, [{ kind: 'status', status: 503, times: 1 }]);
    // navigator.onLine is wrong on some machines (virtual network adapters, VPNs): false with the network up.
    Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => false });
    try {
      const heap = startRuntime('onLine', fast, envId);
      heap.track('Said offline');
      await waitForEvents(envId, 1, { type: 'track' }, 5000);
    } finally {
      delete (navigator as { onLine?: boolean }).onLine;
    }
  });

  it('loses nothing when the page is hidden again and again during an outage', async () => {
    const envId = uniqueEnv('hide-outage');
    await setFaults(envId, [{ kind: 'status', status: 503, times: 1000 }]);
    // A backoff long enough that only the hides send while the outage lasts. The events are an hour old by then, past
    // which twelve failed attempts drop them.
    let shift = 0;
    const heap = startRuntime('hide-outage', { ...fast, retry: [60_000, 60_000], now: () => Date.now() + shift }, envId);
    for (let i = 0; i < 3; i++) heap.track('Outage', { i });
    shift = 3_600_000;
    for (let i = 0; i < 100 && !(await requestLog(envId)).length; i++) await sleep(20);
    // On the prototype, where the runtime reads it (dom.ts).
    Object.defineProperty(Document.prototype, 'visibilityState', { value: 'hidden', configurable: true });
    try {
      // The visitor switches tabs eleven times while the collector is down: each hide sends what waits, and fails.
      // With the first attempt, that made the twelve after which events were dropped, within seconds.
      // A hide while the last request is still on its way back has nothing to send: hide again until one goes.
      for (let hide = 1; hide <= 11; hide++) {
        for (let i = 0; i < 250 && (await requestLog(envId)).length < hide + 1; i++) {
          if (i % 5 === 0) document.dispatchEvent(new Event('visibilitychange'));
          await sleep(20);
        }
      }
      expect((await requestLog(envId)).length, 'requests: the first and one per hide').to.equal(12);
    } finally {
      Object.defineProperty(Document.prototype, 'visibilityState', VISIBILITY);
    }
    await setFaults(envId, []);
    // Likewise, a flush while the last hide's request is on its way back sends nothing, and its failure then sets a
    // backoff: flush until the events are in.
    for (let i = 0; i < 100 && (await storedEvents(envId, { type: 'track' })).length < 3; i++) {
      heap.flush();
      await sleep(50);
    }
    expect((await storedEvents(envId, { type: 'track' })).map((e) => e.properties!.i)).to.have.members([0, 1, 2]);
  });

  it('without Web Locks (http: pages), another tab does not take over the events of a live tab waiting out an outage', async () => {
    const envId = uniqueEnv('no-locks');
    await setFaults(envId, [{ kind: 'status', status: 503, times: 1 }]);
    // navigator.locks exists in secure contexts only: a site on http: has none, and the heartbeat decides.
    Object.defineProperty(navigator, 'locks', { configurable: true, value: undefined });
    let shift = 0;
    try {
      await withClock(
        () => shift,
        async () => {
          const heap = startRuntime('no-locks', { ...fast, retry: [30_000, 30_000, () => 0.999] }, envId);
          heap.track('Waiting');
          for (let i = 0; i < 100 && !(await requestLog(envId)).length; i++) await sleep(20);
          await sleep(100);
          // Twenty seconds of the backoff go by (the clock says so; this tab's timers are only waiting), and another
          // tab of the site looks for dead tabs' events.
          shift = 20_000;
          const [, , adopt] = createJournal(keyPrefix(envId), () => localStorage);
          const [taken] = await adopt();
          expect(taken.map((e) => e.name), "events taken from a live tab").to.deep.equal([]);
        },
      );
    } finally {
      delete (navigator as { locks?: unknown }).locks;
    }
  });

  it('without Web Locks (http: pages), another tab delivers at once the events of a tab that left, even when its last request settled after', async () => {
    const envId = uniqueEnv('left-late');
    Object.defineProperty(navigator, 'locks', { configurable: true, value: undefined });
    try {
      const [append, settle, , leave] = createJournal(keyPrefix(envId), () => localStorage);
      const event = { id: crypto.randomUUID(), type: 'track' as const, name: 'Left waiting', time: Date.now(), user_id: '1', identity: null, session_id: '2', pageview_id: '3' };
      append([event]);
      leave();
      // The keepalive request sent at pagehide comes back, and the tab saves its drop counts.
      settle([], { cap: 1 });
      startRuntime('left-late', fast, envId);
      await waitForEvents(envId, 1, { type: 'track' }, 3000);
    } finally {
      delete (navigator as { locks?: unknown }).locks;
    }
  });
});
