import { expect } from '@open-wc/testing';
import type { HeapGlobal } from '../runtime/global.ts';
import { storedEvents, type StoredEvent } from './collector.ts';
import { mount, unmount, until } from './markup.ts';

/** The demo page's env id: its install line is fixed, so its events are told apart by the iframe's user id. */
const ENV = 'demo';

describe('the CMS template demo page', () => {
  afterEach(() => {
    unmount();
    for (const key of Object.keys(localStorage)) if (key.startsWith(`hpa_${ENV}_`)) localStorage.removeItem(key);
    for (const part of document.cookie.split('; ')) {
      const name = part.split('=')[0]!;
      if (name.startsWith(`hpa_${ENV}_`)) document.cookie = `${name}=; path=/; max-age=0`;
    }
  });

  it('tracks its markup with no script of its own: identity, scopes, shadow roots, view and once', async () => {
    const frame = document.createElement('iframe');
    frame.style.cssText = 'width:800px;height:600px';
    frame.src = '/demo/cms-template.html';
    mount('').append(frame);
    await until(() => (frame.contentWindow as (Window & { heap?: HeapGlobal }) | null)?.heap?.loaded === true, 'the demo tracker', 10_000);
    const win = frame.contentWindow as Window & { heap: HeapGlobal };
    const doc = frame.contentDocument!;
    const userId = win.heap.getUserId();
    let events: StoredEvent[] = [];
    const arrived = (name: string) => until(() => events.some((e) => e.name === name), `"${name}" at the collector`, 10_000);
    const poll = setInterval(async () => {
      events = await storedEvents(ENV, { user_id: userId }).catch(() => events);
    }, 100);
    try {
      await arrived('Promo banner shown');
      doc.querySelector<HTMLElement>('#cms-plan-pro')!.click();
      doc.querySelector('rs-callout')!.shadowRoot!.querySelector('button')!.click();
      doc.querySelector<HTMLElement>('rs-sealed')!.click();
      for (let i = 0; i < 2; i++) doc.querySelector<HTMLElement>('[data-heap-event="Cookie notice dismissed"]')!.click();
      doc.querySelector('h2[data-heap-event]')!.scrollIntoView({ block: 'center' });
      for (const name of ['Plan selected', 'Callout action clicked', 'Sealed widget used', 'Cookie notice dismissed', 'Pricing seen']) await arrived(name);
    } finally {
      clearInterval(poll);
    }
    const byName = (name: string) => events.filter((e) => e.name === name);
    const context = { 'page type': 'campaign landing', 'cms template': 'campaign-v3', campaign: 'autumn-launch', 'logged in': true, 'account tier': 'pro' };
    expect(events.filter((e) => e.type === 'pageview')).to.have.length(1);
    expect(events.find((e) => e.type === 'identify')!.identity).to.equal('dana.whitfield@rocketship.example');
    expect(events.find((e) => e.type === 'user_properties')!.properties).to.deep.equal({ 'Payment Plan': 'Pro', seats: 12, trial: false });
    expect(byName('Promo banner shown')[0]!.properties).to.deep.equal({ ...context, promo: 'AUTUMN25' });
    expect(byName('Plan selected')[0]!.properties).to.deep.equal({ ...context, module: 'pricing table', section: 'pricing / featured', plan: 'pro', price: 49, featured: true });
    expect(byName('Callout action clicked')[0]!.properties).to.deep.equal({ ...context, module: 'web component', variant: 'info', component: 'rs-callout' });
    expect(byName('Sealed widget used')[0]!.properties).to.deep.equal({ ...context, module: 'web component', variant: 'closed' });
    expect(byName('Cookie notice dismissed')).to.have.length(1);
    expect(events.every((e) => e.identity === 'dana.whitfield@rocketship.example' || e.type === 'pageview')).to.equal(true);
  });
});
