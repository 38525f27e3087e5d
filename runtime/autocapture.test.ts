import { expect } from '@open-wc/testing';
import { cleanUp, startRuntime } from '../test/collector.ts';
import { $, keepPage, mount, settle, typeInto, unmountAll } from '../test/autocapture-fixtures.ts';
import { readInteractionSettings } from './autocapture.ts';
import type { RuntimeOptions } from './runtime.ts';

describe('autocapture settings', () => {
  const original = location.href;
  afterEach(() => {
    cleanUp();
    unmountAll();
    history.replaceState(null, '', original);
  });

  const all = { click: true, submit: true, change: true, text: true };
  const table: [string, RuntimeOptions, typeof all][] = [
    ['nothing set', {}, all],
    ['disableAutocapture', { disableAutocapture: true }, { click: false, submit: false, change: false, text: true }],
    ['disableClickCapture', { disableClickCapture: true }, { ...all, click: false }],
    ['disableSubmitCapture', { disableSubmitCapture: true }, { ...all, submit: false }],
    ['disableChangeCapture', { disableChangeCapture: true }, { ...all, change: false }],
    ['disableTextCapture', { disableTextCapture: true }, { ...all, text: false }],
    // Attributes arrive as strings when they are not plain flags: "false" (and 0) leave a switch off, anything else turns it on.
    ['the string "false"', { disableAutocapture: 'false', disableTextCapture: 0 } as never, all],
    ['an unknown string', { disableClickCapture: 'yes please' } as never, { ...all, click: false }],
  ];
  for (const [label, config, expected] of table) {
    it(`reads ${label}`, () => {
      expect(readInteractionSettings(config)).to.deep.equal(expected);
    });
  }

  let navigations = 0;
  /** Clicks a button, changes a field, submits a form, calls the API and navigates; returns what arrived, in order. */
  async function interact(options: RuntimeOptions): Promise<string[]> {
    const heap = startRuntime('switches', options);
    const root = mount(`<form><input name="q"><button id="go">Go</button></form>
      <button id="named" data-heap-event="Markup still works">Named</button>`);
    keepPage(root);
    await heap.ready;
    $(root, '#named').click();
    typeInto($(root, 'input'), 'typed');
    $<HTMLFormElement>(root, 'form').requestSubmit();
    heap.track('API still works');
    history.pushState(null, '', `${location.pathname}${location.search}#switched-${++navigations}`);
    await new Promise((resolve) => setTimeout(resolve, 0));
    return (await settle(heap)).map((e) => (e.name ? `${e.type} ${e.name}` : e.type));
  }

  it('captures clicks, changes and submits by default, beside markup events, API calls and navigation pageviews', async () => {
    expect(await interact({})).to.deep.equal(['pageview', 'click', 'track Markup still works', 'change', 'submit', 'track API still works', 'pageview']);
  });

  it('disableAutocapture turns off clicks, changes and submits; markup, the API and pageviews stay', async () => {
    expect(await interact({ disableAutocapture: true })).to.deep.equal(['pageview', 'track Markup still works', 'track API still works', 'pageview']);
  });

  it('the switch per kind turns off that kind only', async () => {
    expect(await interact({ disableClickCapture: true, disableSubmitCapture: true })).to.deep.equal([
      'pageview', 'track Markup still works', 'change', 'track API still works', 'pageview',
    ]);
    cleanUp();
    unmountAll();
    expect(await interact({ disableChangeCapture: true })).to.deep.equal([
      'pageview', 'click', 'track Markup still works', 'submit', 'track API still works', 'pageview',
    ]);
  });

  it('the switches per kind hold inside open shadow roots too', async () => {
    const heap = startRuntime('switches-shadow', { disableChangeCapture: true, disableSubmitCapture: true });
    const root = mount('<form-widget></form-widget>');
    const shadow = $(root, 'form-widget').attachShadow({ mode: 'open' });
    shadow.innerHTML = '<form><input name="q"><button id="go">Go</button></form>';
    keepPage(shadow);
    await heap.ready;
    typeInto($<HTMLInputElement>(shadow, 'input'), 'typed');
    // A click on the submit button: its click is captured, the submit it causes is not.
    $(shadow, '#go').click();
    expect((await settle(heap)).map((e) => e.type)).to.deep.equal(['pageview', 'click']);
  });
});
