import { expect } from '@open-wc/testing';
import { captureConsole, cleanUp, ENDPOINT, forgetEnv, startRuntime, storedEvents, uniqueEnv, waitForEvents } from '../test/collector.ts';
import { load } from './load.ts';
import { installGlobal, uninstallGlobal } from './global.ts';

// Heap's install snippets, reduced to what they leave on the page before the library arrives.
function classicSnippet(envId: string) {
  const heap = [] as unknown as unknown[] & Record<string, unknown>;
  heap.appid = envId;
  heap.config = {};
  for (const method of ['addEventProperties', 'addUserProperties', 'clearEventProperties', 'identify', 'resetIdentity', 'removeEventProperty', 'setEventProperties', 'track', 'unsetEventProperty']) {
    heap[method] = (...args: unknown[]) => heap.push([method, ...args]);
  }
  window.heap = heap;
  return heap as unknown as Record<string, (...a: unknown[]) => void>;
}

function newerSnippet(envId: string) {
  const readyCb: { name: string; fn: () => void }[] = [];
  window.heapReadyCb = readyCb;
  const heap = [] as unknown as unknown[] & Record<string, unknown>;
  heap.envId = envId;
  heap.clientConfig = { shouldFetchServerConfig: false };
  const methods = ['init', 'startTracking', 'stopTracking', 'track', 'resetIdentity', 'identify', 'getSessionId', 'getUserId', 'getIdentity', 'addUserProperties', 'addEventProperties', 'removeEventProperty', 'clearEventProperties', 'addAccountProperties', 'addAdapter', 'addTransformer', 'addTransformerFn', 'onReady', 'addPageviewProperties', 'removePageviewProperty', 'clearPageviewProperties', 'trackPageview'];
  for (const method of methods) {
    heap[method] = (...args: unknown[]) =>
      readyCb.push({ name: method, fn: () => (window.heap as unknown as Record<string, (...a: unknown[]) => void>)[method]?.(...args) });
  }
  window.heap = heap;
  return heap as unknown as Record<string, (...a: unknown[]) => void>;
}

/**
 * Runs Heap's snippets as they are pasted (their `heap.load` included, minus the CDN script it inserts) on the page's
 * `window.heap`, whatever it is by then: a tag manager may fire the snippet after the tracker booted, and Turbo runs
 * it again at each visit.
 */
function pasteSnippet(envId: string, newer: boolean) {
  const w = window as unknown as Record<string, Record<string, unknown> & unknown[]>;
  if (newer) w.heapReadyCb ||= [] as never;
  const heap = (w.heap ||= [] as never);
  heap.load = (e: string) => {
    heap[newer ? 'envId' : 'appid'] = e;
    for (const name of newer ? ['track', 'identify', 'onReady'] : ['track', 'identify', 'setEventProperties']) {
      heap[name] = (...args: unknown[]) =>
        newer ? w.heapReadyCb!.push({ name, fn: () => (w.heap![name] as (...a: unknown[]) => void).apply(w.heap, args) }) : w.heap!.push([name, ...args]);
    }
  };
  (heap.load as (e: string) => void)(envId);
}

describe('window.heap and the install snippets', () => {
  let runtime: ReturnType<typeof startRuntime> | undefined;
  afterEach(() => {
    if (runtime) uninstallGlobal(runtime);
    delete window.heap;
    delete window.heapReadyCb;
    runtime = undefined;
    cleanUp();
  });

  it('replays calls queued by the classic snippet in order, then is the real API', async () => {
    runtime = startRuntime('classic');
    const stub = classicSnippet(runtime.envId);
    stub.addEventProperties!({ plan: 'pro' });
    stub.track!('First', { n: 1 });
    stub.identify!('alice');
    stub.track!('Second', { n: 2 });
    const global = installGlobal(runtime)!;
    expect(window.heap).to.equal(global);
    expect(global.getIdentity()).to.equal('alice');
    global.track('Third', { n: 3 });
    global.push(['track', 'Pushed later', { n: 4 }]);
    const tracks = await waitForEvents(runtime.envId, 4, { type: 'track' });
    expect(tracks.map((e) => [e.name, e.properties!.n, e.properties!.plan, e.identity])).to.deep.equal([
      ['First', 1, 'pro', null],
      ['Second', 2, 'pro', 'alice'],
      ['Third', 3, 'pro', 'alice'],
      ['Pushed later', 4, 'pro', 'alice'],
    ]);
  });

  it('answers the classic snippet\'s older names setEventProperties and unsetEventProperty, queued and after boot', async () => {
    runtime = startRuntime('renamed', { disablePageviewAutocapture: true });
    const stub = classicSnippet(runtime.envId);
    stub.setEventProperties!({ plan: 'pro', trial: true });
    stub.unsetEventProperty!('trial');
    stub.track!('Queued');
    const global = installGlobal(runtime)!;
    global.track('Booted');
    (global.setEventProperties as (p: object) => void)({ seats: 3 });
    (global.unsetEventProperty as (name: string) => void)('plan');
    global.track('Renamed after boot');
    const tracks = await waitForEvents(runtime.envId, 3, { type: 'track' });
    expect(tracks.map((e) => [e.name, e.properties])).to.deep.equal([
      ['Queued', { plan: 'pro' }],
      ['Booted', { plan: 'pro' }],
      ['Renamed after boot', { seats: 3 }],
    ]);
    // The queue put back between runtimes has them too.
    uninstallGlobal(runtime);
    (window.heap as unknown as Record<string, (p: object) => void>).setEventProperties!({ later: 1 });
  });

  it('replays heapReadyCb entries of the newer snippet in order, and warns for calls it does not implement', async () => {
    runtime = startRuntime('newer');
    const stub = newerSnippet(runtime.envId);
    const seen: string[] = [];
    stub.addPageviewProperties!({ section: 'blog' });
    stub.track!('Queued', { a: 1 });
    stub.onReady!(() => seen.push(`ready as ${(window.heap as { getIdentity(): string }).getIdentity()}`));
    stub.identify!('bob');
    stub.addTransformer!('x', () => 1);
    stub.startTracking!();
    const { warnings } = await captureConsole(async () => {
      installGlobal(runtime!);
      await runtime!.ready;
      await new Promise((r) => setTimeout(r, 0));
    });
    expect(warnings.some((w) => w.includes('addTransformer'))).to.equal(true);
    expect(warnings.some((w) => w.includes('startTracking'))).to.equal(true);
    expect(seen).to.deep.equal(['ready as bob']);
    const [queued] = await waitForEvents(runtime.envId, 1, { type: 'track' });
    expect(queued!.properties).to.deep.equal({ section: 'blog', a: 1 });
    expect(queued!.identity).to.equal(null);
    // A stub called after boot (a cached page's snippet) runs at once.
    (window.heapReadyCb as { push(e: unknown): void }).push({ name: 'track', fn: () => (window.heap as { track(n: string): void }).track('Late stub') });
    await waitForEvents(runtime.envId, 1, { name: 'Late stub' });
  });

  it('given to load(), applies what the newer snippet queued before the boot pageview; queued events and onReady callbacks come after it', async () => {
    const envId = uniqueEnv('bootqueue');
    const stub = newerSnippet(envId);
    const seen: string[] = [];
    stub.identify!('dana');
    stub.addEventProperties!({ plan: 'pro' });
    stub.addPageviewProperties!({ section: 'blog' });
    stub.onReady!(() => {
      seen.push(`ready as ${(window.heap as { getIdentity(): string }).getIdentity()}`);
      window.heap!.track('From onReady');
    });
    stub.track!('Queued');
    stub.trackPageview!({ title: 'Virtual' });
    const booted = load(envId, { endpoint: ENDPOINT, flushInterval: 20 }, installGlobal)!;
    try {
      expect(window.heap!.loaded).to.equal(true);
      await booted.ready;
      await waitForEvents(envId, 2, { type: 'track' });
      await waitForEvents(envId, 2, { type: 'pageview' });
      expect(seen).to.deep.equal(['ready as dana']);
      // In capture order, which the ids keep.
      const events = (await storedEvents(envId)).filter((e) => e.type === 'track' || e.type === 'pageview').sort((a, b) => (a.id < b.id ? -1 : 1));
      expect(events.map((e) => [e.type, e.name ?? e.page!.title, e.identity, e.properties])).to.deep.equal([
        ['pageview', document.title, 'dana', { plan: 'pro', section: 'blog' }],
        ['track', 'Queued', 'dana', { plan: 'pro', section: 'blog' }],
        ['pageview', 'Virtual', 'dana', { plan: 'pro' }],
        ['track', 'From onReady', 'dana', { plan: 'pro' }],
      ]);
    } finally {
      booted.dispose();
      forgetEnv(envId);
    }
  });

  it('runs a heapReadyCb entry queued by a replayed callback', async () => {
    runtime = startRuntime('nestedcb');
    const seen: string[] = [];
    window.heapReadyCb = [
      {
        name: 'outer',
        fn: () => {
          seen.push('outer');
          (window.heapReadyCb as { push(e: unknown): void }).push({ name: 'inner', fn: () => seen.push('inner') });
        },
      },
    ];
    installGlobal(runtime);
    expect(seen).to.deep.equal(['outer', 'inner']);
  });

  it('skips malformed queue entries with a warning and replays the rest', async () => {
    runtime = startRuntime('malformed');
    window.heap = [['track', 'Good one'], 'junk', [42], ['noSuchCall'], ['track', 'Good two']];
    const { warnings } = await captureConsole(() => installGlobal(runtime!));
    expect(warnings.length).to.be.at.least(2);
    const tracks = await waitForEvents(runtime.envId, 2, { type: 'track' });
    expect(tracks.map((e) => e.name)).to.deep.equal(['Good one', 'Good two']);
  });

  it('queues calls again once the runtime it answered is disposed directly', async () => {
    runtime = startRuntime('disposed');
    installGlobal(runtime);
    const envId = runtime.envId;
    runtime.dispose();
    (window.heap as unknown as { track(name: string): void }).track('After dispose');
    runtime = startRuntime('disposed', {}, envId);
    installGlobal(runtime);
    await waitForEvents(envId, 1, { name: 'After dispose' });
  });

  it('queues calls made while no runtime is running, for the next one to replay', async () => {
    runtime = startRuntime('gap');
    installGlobal(runtime);
    const envId = runtime.envId;
    uninstallGlobal(runtime);
    const between = window.heap as unknown as Record<string, (...args: unknown[]) => unknown>;
    // Consent calls and the calls Heap has and we do not are kept too: none of them may throw.
    between.track!('Between runtimes');
    between.setConsent!('pending');
    between.getConsent!();
    between.stopTracking!();
    // A snippet's load() run again (a page re-adding the element) is kept too, and replays as the usual warning.
    between.load!(envId);
    runtime.dispose();
    runtime = startRuntime('gap', {}, envId);
    const { warnings } = await captureConsole(() => installGlobal(runtime!));
    expect(warnings.some((w) => w.includes('heap.load() was called after the tracker booted'))).to.equal(true);
    // Replayed in order: the track, then consent pending, which holds it until the page decides.
    expect(runtime.getConsent()).to.equal('pending');
    runtime.setConsent('granted');
    await waitForEvents(envId, 1, { name: 'Between runtimes' });
  });

  it('keeps the first 1,000 calls made while no element runs, and every identify or reset after them, warning of the events dropped', async () => {
    runtime = startRuntime('bounded', { disablePageviewAutocapture: true });
    installGlobal(runtime);
    const envId = runtime.envId;
    uninstallGlobal(runtime);
    runtime.dispose();
    // A single-page app whose route templates left the element out, signing in, acting, then out.
    const between = window.heap!;
    between.identify('alice');
    for (let i = 0; i < 1500; i++) between.track('Tick', { i });
    between.resetIdentity();
    between.track('After logout');
    expect((window.heap as unknown as unknown[]).length).to.equal(1001);
    runtime = startRuntime('bounded', { disablePageviewAutocapture: true }, envId);
    const { warnings } = await captureConsole(() => installGlobal(runtime!));
    expect(warnings.filter((w) => w.includes('queue-full'))).to.deep.equal([
      '[heap-analytics] queue-full: 502 heap.track() and trackPageview() calls made while no <heap-analytics> element was running were dropped: past 1000 calls queued, events are no longer kept.',
    ]);
    // The sign-out made after the drops applies: the next event is not alice's.
    expect(runtime.getIdentity()).to.equal(null);
    runtime.track('Next');
    await waitForEvents(envId, 1, { name: 'Next' });
    const tracks = await storedEvents(envId, { type: 'track' });
    const ticks = tracks.filter((e) => e.name === 'Tick');
    expect(tracks.filter((e) => e.name !== 'Tick').map((e) => [e.name, e.identity])).to.deep.equal([['Next', null]]);
    expect(new Set(ticks.map((e) => e.identity))).to.deep.equal(new Set(['alice']));
    expect(ticks.map((e) => e.properties!.i as number).sort((a, b) => a - b)).to.deep.equal([...Array(999).keys()]);
  });

  // The README promises strings and null; `heap.getUserId().slice(...)` in the page threw a TypeError while the element
  // was out (a route without it, a framework's unmount), on window.heap and on a reference the page kept alike.
  it('answers the reads as documented while no runtime is running: "" for the ids, null for the identity, pending consent', () => {
    runtime = startRuntime('gapreads');
    installGlobal(runtime);
    const kept = window.heap!;
    uninstallGlobal(runtime);
    for (const heap of [kept, window.heap!]) {
      expect([heap.getUserId(), heap.getSessionId(), heap.getIdentity(), heap.getConsent()]).to.deep.equal(['', '', null, 'pending']);
      expect(heap.track('Between runtimes')).to.equal(undefined);
    }
    // A read replayed does nothing: only the two tracks wait, however often the page reads.
    expect((window.heap as unknown as unknown[]).length).to.equal(2);
  });

  for (const newer of [false, true]) {
    it(`keeps answering when the ${newer ? 'newer' : 'classic'} snippet runs again after boot, its heap.load warning instead of stubbing the calls`, async () => {
      runtime = startRuntime(`again${newer}`, { disablePageviewAutocapture: true });
      pasteSnippet(runtime.envId, newer);
      (window.heap as unknown as Record<string, (n: string) => void>).track!('Before boot');
      installGlobal(runtime);
      const { warnings } = await captureConsole(() => {
        pasteSnippet(runtime!.envId, newer);
        window.heap!.identify('carol');
        window.heap!.track('After the snippet ran again');
      });
      expect(warnings.some((w) => w.includes('heap.load() was called after the tracker booted'))).to.equal(true);
      const tracks = await waitForEvents(runtime.envId, 2, { type: 'track' });
      expect(tracks.map((e) => [e.name, e.identity])).to.deep.equal([
        ['Before boot', null],
        ['After the snippet ran again', 'carol'],
      ]);
    });
  }
});
