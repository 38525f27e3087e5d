import { expect } from '@open-wc/testing';
import '../components/heap-analytics-define.ts';
import type { HeapAnalyticsElement } from '../components/heap-analytics.ts';
import { captureConsole, cleanUp, ENDPOINT, uniqueEnv, waitForEvents } from '../test/collector.ts';
import { mount, settled, tick, unmount } from '../test/markup.ts';
import { getRuntime } from './load.ts';

describe('identity attributes of <heap-analytics>', () => {
  const envs: string[] = [];

  /** Renders the page the way a server template would: one HTML string, no script. */
  async function render(envId: string, attrs: string, body = '') {
    envs.push(envId);
    const root = mount(`<heap-analytics env-id="${envId}" endpoint="${ENDPOINT}" flush-interval="20" disable-pageview-autocapture disable-autocapture ${attrs}></heap-analytics>${body}`);
    const el = root.querySelector('heap-analytics') as HeapAnalyticsElement;
    await el.ready;
    return { root, el, heap: getRuntime(envId)! };
  }

  afterEach(async () => {
    unmount();
    await tick();
    for (const envId of envs.splice(0)) {
      getRuntime(envId)?.dispose();
      for (const key of Object.keys(localStorage)) if (key.startsWith(`hpa_${envId}`)) localStorage.removeItem(key);
      for (const part of document.cookie.split('; ')) {
        const name = part.split('=')[0]!;
        if (name.startsWith(`hpa_${envId}`)) document.cookie = `${name}=; path=/; max-age=0`;
      }
    }
    delete window.heap;
    delete window.heapReadyCb;
    cleanUp();
  });

  it('identifies a signed-in user from the rendered page, before any markup event of the page', async () => {
    const envId = uniqueEnv('template');
    const { root, heap } = await render(
      envId,
      `identity="alice@example.com" user-properties='{"plan":"pro","seats":3}' event-properties='{"tier":"gold"}'`,
      `<p data-heap-event="Dashboard shown" data-heap-trigger="load"></p><button data-heap-event="Export">Export</button>`,
    );
    root.querySelector('button')!.click();
    const events = await settled(heap);
    expect(events.map((e) => [e.type, e.name, e.identity, e.properties])).to.deep.equal([
      ['identify', null, 'alice@example.com', {}],
      ['user_properties', null, 'alice@example.com', { plan: 'pro', seats: 3 }],
      ['track', 'Dashboard shown', 'alice@example.com', { tier: 'gold' }],
      ['track', 'Export', 'alice@example.com', { tier: 'gold' }],
    ]);
  });

  it('gives what the rendered identity sends at boot the id of the page\'s first pageview', async () => {
    const envId = uniqueEnv('boot-pageview');
    envs.push(envId);
    const root = mount(`<heap-analytics env-id="${envId}" endpoint="${ENDPOINT}" flush-interval="20" disable-autocapture identity="alice" user-properties='{"plan":"pro"}'></heap-analytics>`);
    await (root.querySelector('heap-analytics') as HeapAnalyticsElement).ready;
    const events = await settled(getRuntime(envId)!);
    expect(events.map((e) => e.type)).to.have.members(['identify', 'user_properties', 'pageview']);
    // An analysis joins each event to its pageview: none may name a pageview that was never sent.
    const pageview = events.find((e) => e.type === 'pageview')!;
    expect(events.map((e) => e.pageview_id)).to.deep.equal(events.map(() => pageview.pageview_id));
  });

  it('gives the page\'s first pageview its event properties, as every other event of the page', async () => {
    const envId = uniqueEnv('pageview-props');
    envs.push(envId);
    const root = mount(`<heap-analytics env-id="${envId}" endpoint="${ENDPOINT}" flush-interval="20" disable-autocapture event-properties='{"plan":"pro"}'></heap-analytics>`);
    await (root.querySelector('heap-analytics') as HeapAnalyticsElement).ready;
    const [pageview] = await waitForEvents(envId, 1, { type: 'pageview' });
    expect(pageview!.properties).to.deep.equal({ plan: 'pro' });
  });

  it('applies later changes; removing identity keeps the user, removing event-properties removes its keys', async () => {
    const envId = uniqueEnv('changes');
    const { el, heap } = await render(envId, `identity="alice" event-properties='{"tier":"gold","region":"eu"}'`);
    el.setAttribute('event-properties', '{"tier":"silver"}');
    el.setAttribute('user-properties', '{"plan":"team"}');
    await Promise.resolve();
    heap.track('After change');
    el.setAttribute('identity', 'bob');
    await Promise.resolve();
    el.removeAttribute('identity');
    el.removeAttribute('event-properties');
    el.setAttribute('user-properties', '{"plan":"team"}');
    await Promise.resolve();
    heap.track('After removal');
    const events = await settled(heap);
    expect(events.filter((e) => e.type === 'identify').map((e) => e.identity)).to.deep.equal(['alice', 'bob']);
    expect(events.filter((e) => e.type === 'user_properties').map((e) => e.properties)).to.deep.equal([{ plan: 'team' }]);
    const tracked = events.filter((e) => e.type === 'track').map((e) => [e.name, e.identity, e.properties ?? {}]);
    expect(tracked).to.deep.equal([
      ['After change', 'alice', { tier: 'silver' }],
      ['After removal', 'bob', {}],
    ]);
    expect(heap.getIdentity()).to.equal('bob');
  });

  it('removes a key the new event-properties lack even when its name is one every object inherits (constructor, toString)', async () => {
    const envId = uniqueEnv('inherited');
    const { el, heap } = await render(envId, `event-properties='{"constructor":"kit","toString":"x","tier":"gold"}'`);
    el.setAttribute('event-properties', '{"tier":"gold"}');
    await Promise.resolve();
    heap.track('After change');
    const [event] = (await settled(heap)).filter((e) => e.name === 'After change');
    expect(event!.properties).to.deep.equal({ tier: 'gold' });
  });

  it('identifies again a user whose identity attribute was removed and set again', async () => {
    const envId = uniqueEnv('again');
    const { el, heap } = await render(envId, `identity="alice"`);
    el.removeAttribute('identity');
    await Promise.resolve();
    heap.identify('bob');
    el.setAttribute('identity', 'alice');
    await Promise.resolve();
    const events = await settled(heap);
    expect(events.filter((e) => e.type === 'identify').map((e) => e.identity)).to.deep.equal(['alice', 'bob', 'alice']);
  });

  it('warns of a blank identity set later as it does at boot, and keeps the user', async () => {
    const envId = uniqueEnv('blank');
    const { el, heap } = await render(envId, `identity="alice"`);
    const { warnings } = await captureConsole(async () => {
      // A template that rendered a missing name between spaces; an empty value is no identity and says nothing.
      el.setAttribute('identity', '   ');
      await Promise.resolve();
      el.setAttribute('identity', '');
      await Promise.resolve();
    });
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.include('identity-junk');
    expect(heap.getIdentity()).to.equal('alice');
  });

  it('warns once, naming the element, for invalid JSON, and keeps what was applied', async () => {
    const envId = uniqueEnv('badjson');
    const { result, warnings } = await captureConsole(() => render(envId, `event-properties='{"tier":"gold"}' user-properties="{plan:pro}"`));
    const { el, heap } = result;
    el.setAttribute('event-properties', 'not json');
    await Promise.resolve();
    heap.track('Still gold');
    const [event] = await waitForEvents(envId, 1, { type: 'track' });
    expect(event!.properties).to.deep.equal({ tier: 'gold' });
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.include('markup-json-invalid').and.include('user-properties').and.include('<heap-analytics');
    expect((await settled(heap)).filter((e) => e.type === 'user_properties')).to.deep.equal([]);
  });

  it('applies its properties to the tracker booted anew when it is put back after its tracker stopped (cookieless memory: nothing kept)', async () => {
    const envId = uniqueEnv('remount');
    const { root, el } = await render(envId, `cookieless="memory" identity="alice" user-properties='{"plan":"pro"}' event-properties='{"tier":"gold"}'`);
    el.remove();
    // The last element gone, its tracker stops a microtask later; put back later, the element boots a new one.
    await tick();
    root.append(el);
    await el.ready;
    const heap = getRuntime(envId)!;
    heap.track('After remount');
    const events = (await settled(heap)).filter((e) => e.user_id === heap.getUserId());
    expect(events.map((e) => [e.type, e.name, e.identity, e.properties])).to.deep.equal([
      ['identify', null, 'alice', {}],
      ['user_properties', null, 'alice', { plan: 'pro' }],
      ['track', 'After remount', 'alice', { tier: 'gold' }],
    ]);
  });
});
