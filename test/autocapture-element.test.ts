// The element's attributes reach autocapture as settings (no code in components/ is specific to them).
import { expect, fixture, html } from '@open-wc/testing';
import '../components/heap-analytics-define.ts';
import type { HeapAnalyticsElement } from '../components/heap-analytics.ts';
import { getRuntime } from '../runtime/load.ts';
import { $, keepPage, mount, settle, typeInto, unmountAll } from './autocapture-fixtures.ts';
import { cleanUp, ENDPOINT, forgetEnv, uniqueEnv } from './collector.ts';

describe('<heap-analytics> autocapture attributes', () => {
  let envId = '';
  afterEach(() => {
    getRuntime(envId)?.dispose();
    forgetEnv(envId);
    delete (window as { heap?: unknown }).heap;
    unmountAll();
    cleanUp();
  });

  it('disable-text-capture, disable-change-capture and disable-submit-capture="false" configure capture from markup', async () => {
    envId = uniqueEnv('element');
    const el = await fixture<HeapAnalyticsElement>(html`<heap-analytics env-id=${envId} endpoint=${ENDPOINT} flush-interval="20"
      disable-text-capture disable-change-capture disable-submit-capture="false"></heap-analytics>`);
    expect(await el.ready).to.equal(true);
    const root = mount('<form id="f"><input name="q"><button id="go" title="Go title">Go text</button></form>');
    keepPage(root);
    typeInto($(root, 'input'), 'typed');
    $(root, '#go').click();
    const events = (await settle(el.runtime!)).filter((e) => e.type !== 'pageview');
    // The button's click submits the form: a click without text, then the submit; no change.
    expect(events.map((e) => [e.type, e.target])).to.deep.equal([
      ['click', { tag: 'button', id: 'go', hierarchy: 'body > div#ac-root > form#f > button#go' }],
      ['submit', { tag: 'form', id: 'f', hierarchy: 'body > div#ac-root > form#f' }],
    ]);
  });
});
