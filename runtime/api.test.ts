import { expect } from '@open-wc/testing';
import { captureConsole, cleanUp, ENDPOINT, requestLog, startRuntime, uniqueEnv, waitForEvents } from '../test/collector.ts';
import { PUBLIC_METHODS } from './api.ts';
import { load } from './load.ts';
import { API_METHODS } from './types.ts';

describe('the runtime API', () => {
  afterEach(cleanUp);

  it('exposes all fifteen calls of the reference', () => {
    const heap = startRuntime('methods');
    expect(API_METHODS).to.have.length(15);
    for (const method of API_METHODS) expect(heap[method], method).to.be.a('function');
  });

  it('exposes exactly the fifteen calls and consent on window.heap and the element, read from the calls themselves', () => {
    expect([...PUBLIC_METHODS].sort()).to.deep.equal([...API_METHODS, 'setConsent', 'getConsent'].sort());
  });

  it('tells a subscriber every event captured until it unsubscribes, those still to be finished included', () => {
    const heap = startRuntime('subscribe');
    const seen: string[] = [];
    const unsubscribe = heap.subscribe((event) => seen.push(event.name ?? event.type));
    heap.track('Before leaving');
    unsubscribe();
    heap.track('After leaving');
    expect(seen).to.deep.equal(['Before leaving']);
  });

  it('reports a subscriber that throws as a subscribe() listener, still telling the others and sending the event', async () => {
    const heap = startRuntime('subscribethrows');
    const seen: string[] = [];
    const { errors } = await captureConsole(() => {
      heap.subscribe(() => {
        throw new Error('subscriber bug');
      });
      heap.subscribe((event) => seen.push(event.name ?? event.type));
      heap.track('Heard');
    });
    expect(seen).to.deep.equal(['Heard']);
    expect(errors).to.have.length(1);
    // Not a heap-event DOM listener: the browser reports those itself, and this one was given to subscribe().
    expect(errors[0]).to.include('listener-failed').and.include('subscribe()').and.not.include('heap-event');
    await waitForEvents(heap.envId, 1, { name: 'Heard' });
  });

  it('sends a pageview at boot and tracked events with every field the protocol names', async () => {
    const heap = startRuntime('fields');
    heap.track('Purchase', { dollars: 50, item: 'Furby', gift: false });
    const [pageview, purchase] = await waitForEvents(heap.envId, 2);
    expect(pageview!.type).to.equal('pageview');
    expect(purchase!.type).to.equal('track');
    expect(purchase!.name).to.equal('Purchase');
    expect(purchase!.properties).to.deep.equal({ dollars: 50, item: 'Furby', gift: false });
    expect(purchase!.id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(purchase!.user_id).to.equal(heap.getUserId());
    expect(purchase!.user_id).to.match(/^\d+$/);
    expect(purchase!.session_id).to.equal(heap.getSessionId());
    expect(purchase!.pageview_id).to.equal(pageview!.pageview_id);
    expect(purchase!.identity).to.equal(null);
    expect(purchase!.page).to.include({ url: location.href, path: location.pathname });
    expect(Math.abs(purchase!.time - Date.now())).to.be.below(60_000);
  });

  it('moves fields every event shares into the batch header', async () => {
    const heap = startRuntime('hoist', { flushInterval: 200 });
    heap.track('A');
    heap.track('B');
    await waitForEvents(heap.envId, 3);
    const [request] = await requestLog(heap.envId);
    const body = JSON.parse(request!.body);
    expect(body).to.include({ v: 1, env_id: heap.envId });
    expect(body.library).to.deep.equal({ name: 'heap-analytics', version: '0.1.0' });
    expect(body.common.user_id).to.equal(heap.getUserId());
    expect(body.events).to.have.length(3);
    for (const event of body.events) expect(event).to.not.have.property('user_id');
  });

  it('batches by count: 120 events with a batch size of 50 leave in three requests', async () => {
    const heap = startRuntime('count', { batchSize: 50, flushInterval: 60_000, disablePageviewAutocapture: true });
    for (let i = 0; i < 120; i++) heap.track('Tick', { i });
    // The last 20 wait for the timer (a minute here), so ask for them explicitly.
    await waitForEvents(heap.envId, 100);
    heap.flush();
    const events = await waitForEvents(heap.envId, 120);
    expect(events.map((e) => e.properties!.i as number).sort((a, b) => a - b)).to.deep.equal([...Array(120).keys()]);
    const log = await requestLog(heap.envId);
    expect(log.map((r) => r.events).sort()).to.deep.equal([20, 50, 50]);
  });

  it('boots one runtime per env id: a second load returns the same one with one warning', async () => {
    const heap = startRuntime('twice');
    const { result: again, warnings } = await captureConsole(() => {
      load(heap.envId, { endpoint: ENDPOINT });
      return load(heap.envId, { endpoint: ENDPOINT });
    });
    expect(again).to.equal(heap);
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.include('already loaded');
    // The second call's settings (here the same; on a page, often another endpoint or batch size) are not applied: said so.
    expect(warnings[0]).to.include('with the settings it started with');
    heap.track('Once');
    const events = await waitForEvents(heap.envId, 1, { type: 'track' });
    expect(events).to.have.length(1);
  });

  it('refuses a missing env id with one console error and returns nothing', async () => {
    const { result, errors } = await captureConsole(() => [load(''), load('  '), load(undefined as never)]);
    expect(result).to.deep.equal([undefined, undefined, undefined]);
    expect(errors).to.have.length(1);
    expect(errors[0]).to.include('env id');
  });

  it('runs onReady callbacks in order, isolates one that throws, and runs late ones asynchronously', async () => {
    const envId = uniqueEnv('ready');
    const order: string[] = [];
    const heap = load(envId, { endpoint: ENDPOINT });
    if (!heap) throw new Error('no runtime');
    const { errors } = await captureConsole(async () => {
      heap.onReady(() => order.push('first'));
      heap.onReady(() => {
        throw new Error('boom');
      });
      heap.onReady(() => order.push('third'));
      await heap.ready;
      await Promise.resolve();
      heap.onReady(() => order.push('late'));
      order.push('sync after late');
      await new Promise((r) => setTimeout(r, 0));
    });
    expect(order).to.deep.equal(['first', 'third', 'sync after late', 'late']);
    expect(errors).to.have.length(1);
    expect(errors[0]).to.include('onReady');
    heap.dispose();
  });

  it('sends user properties as a user_properties record without event properties mixed in', async () => {
    const heap = startRuntime('userprops');
    heap.addEventProperties({ plan: 'free' });
    heap.addUserProperties({ Name: 'Alice Smith', Profession: 'Data Scientist' });
    const [record] = await waitForEvents(heap.envId, 1, { type: 'user_properties' });
    expect(record!.properties).to.deep.equal({ Name: 'Alice Smith', Profession: 'Data Scientist' });
  });

  it('logs each captured event once as a collapsed console group when debug is on', async () => {
    const groups: string[] = [];
    const { groupCollapsed } = console;
    console.groupCollapsed = (...args: unknown[]) => void groups.push(String(args[0]));
    try {
      const heap = startRuntime('debug', { debug: true, disablePageviewAutocapture: true });
      heap.track('Visible in console', { plan: 'pro' });
      const quiet = startRuntime('nodebug', { disablePageviewAutocapture: true });
      quiet.track('Not logged');
      // The log's code loads with the message texts; once the last event is out, every one before it is.
      heap.track('Last');
      await until(() => groups.length >= 2);
    } finally {
      console.groupCollapsed = groupCollapsed;
    }
    expect(groups).to.deep.equal(['[heap-analytics] track "Visible in console"', '[heap-analytics] track "Last"']);
  });

  it('logs events and warnings in the order they happened when debug is on', async () => {
    const lines: string[] = [];
    const { groupCollapsed, warn } = console;
    console.groupCollapsed = (...args: unknown[]) => void lines.push(String(args[0]));
    console.warn = (...args: unknown[]) => void lines.push(String(args[0]).split(':')[0]!);
    try {
      const heap = startRuntime('debug-order', { debug: true, disablePageviewAutocapture: true });
      heap.track('First');
      // Warns, then captures the cut name.
      heap.track('x'.repeat(300));
      heap.track('Last');
      await until(() => lines.length >= 4);
    } finally {
      console.groupCollapsed = groupCollapsed;
      console.warn = warn;
    }
    expect(lines).to.deep.equal([
      '[heap-analytics] track "First"',
      '[heap-analytics] event-name-truncated',
      `[heap-analytics] track "${'x'.repeat(255)}"`,
      '[heap-analytics] track "Last"',
    ]);
  });

  it('gives events ids that sort in capture order, even within one millisecond', async () => {
    const heap = startRuntime('order', { disablePageviewAutocapture: true });
    for (let i = 0; i < 200; i++) heap.track('Ordered', { i });
    const events = await waitForEvents(heap.envId, 200);
    const byId = [...events].sort((a, b) => (a.id < b.id ? -1 : 1)).map((e) => e.properties!.i);
    expect(byId).to.deep.equal([...Array(200).keys()]);
  });

  it('gives ids in capture order when many share a millisecond or the clock steps back, with the time in their first 48 bits', async () => {
    const start = Date.now() + 5;
    let time = start;
    const heap = startRuntime('clock', { disablePageviewAutocapture: true, now: () => time });
    for (let i = 0; i < 300; i++) {
      if (i === 100) time -= 10;
      if (i === 200) time += 11;
      heap.track('Clock', { i });
    }
    const events = await waitForEvents(heap.envId, 300);
    const ids = events.map((e) => e.id);
    expect(new Set(ids).size).to.equal(300);
    for (const id of ids) expect(id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const byId = [...events].sort((a, b) => (a.id < b.id ? -1 : 1)).map((e) => e.properties!.i);
    expect(byId).to.deep.equal([...Array(300).keys()]);
    const first = events.find((e) => e.properties!.i === 0)!;
    expect(parseInt(first.id.replace('-', '').slice(0, 12), 16)).to.equal(start);
  });

  it('never sends an email address found in the page URL or the landing page', async () => {
    const original = location.href;
    history.replaceState(null, '', `${location.pathname}?invite=jane.doe%40example.com&ref=mail`);
    try {
      const heap = startRuntime('urlscrub');
      heap.track('On invite page');
      const events = await waitForEvents(heap.envId, 2);
      const body = JSON.stringify(events);
      expect(body).to.not.include('jane.doe');
      expect(events[0]!.page!.url).to.include('invite=****');
    } finally {
      history.replaceState(null, '', original);
    }
  });
});

/**
 * Waits until `done()` holds (the console messages print once their lazily loaded file is in), or 30 s have passed: a
 * busy test server can take seconds to serve that file the first time, as it did the debug overlay's.
 */
async function until(done: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 30_000; !done() && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 10));
}
