import { expect } from '@open-wc/testing';
import { BASE, cleanUp, failOnUncaught, startRuntime, waitForEvents } from '../test/collector.ts';

describe('page context', () => {
  failOnUncaught();
  const original = location.href;
  afterEach(() => {
    cleanUp();
    history.replaceState(null, '', original);
  });

  it('delivers every event of a page whose URL carries 600 KB of state in its fragment, and of the session it landed, the URL cut below 1024 characters', async () => {
    const url = new URL(original);
    url.searchParams.set('utm_source', 'news');
    url.hash = `state=${'a1'.repeat(300_000)}`;
    history.replaceState(null, '', url.href);
    // Uncompressed, the URL and the landing page alone make each event larger than the collector's 1 MiB.
    const heap = startRuntime('long-url', { compress: false });
    heap.track('On the long URL');
    await waitForEvents(heap.envId, 2);
    history.replaceState(null, '', original);
    heap.track('Back on a short URL');
    // Going back to the short URL is a navigation: a second pageview.
    const events = await waitForEvents(heap.envId, 4);
    expect(events.map((e) => e.name ?? e.type).sort()).to.deep.equal(['Back on a short URL', 'On the long URL', 'pageview', 'pageview']);
    for (const e of events.slice(0, 2)) {
      expect((e.page!.url as string).length, 'url').to.be.below(1024);
      expect(e.page!.url as string).to.match(/^http.*utm_source=news#state=$/);
    }
    expect((events[0]!.session!.landing_page as string).length, 'landing page').to.be.below(1024);
    expect(events[0]!.session!.utm_source).to.equal('news');
    const drops = (await (await fetch(`${BASE}/v1/drops?env_id=${heap.envId}`)).json()) as { drops: unknown[] };
    expect(drops.drops).to.deep.equal([]);
  });
});
