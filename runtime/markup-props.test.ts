import { expect } from '@open-wc/testing';
import { captureConsole, cleanUp, startRuntime } from '../test/collector.ts';
import { mount, settled, tracks, unmount } from '../test/markup.ts';
import { MAX_EVENT_NAME, MAX_KEY, MAX_VALUE } from './validate.ts';

const quiet = { disablePageviewAutocapture: true, disableAutocapture: true };
const long = (n: number) => 'x'.repeat(n);

interface Row {
  what: string;
  /** Attributes of a `<button>`; `data-heap-event="Row"` is added unless the row sets its own. */
  attrs: string;
  /** The track events that arrive: [name, properties]. */
  sent: [string, Record<string, unknown>][];
  /** A fragment the one warning must contain; none expected when absent. */
  warning?: string;
}

const rows: Row[] = [
  { what: 'JSON keeps strings, numbers and booleans', attrs: `data-heap-props='{"Payment Plan":"Pro","price":49,"trial":true}'`, sent: [['Row', { 'Payment Plan': 'Pro', price: 49, trial: true }]] },
  { what: 'single attributes are strings, named by the attribute', attrs: `data-heap-prop-plan="pro" data-heap-prop-price="49" data-heap-prop-Payment-Plan="x"`, sent: [['Row', { plan: 'pro', price: '49', 'payment-plan': 'x' }]] },
  { what: 'typed single attributes keep numbers and booleans', attrs: `data-heap-number-price="49" data-heap-number-delta="-1.5e2" data-heap-boolean-trial="" data-heap-boolean-annual="false" data-heap-boolean-gift="TRUE"`, sent: [['Row', { price: 49, delta: -150, trial: true, annual: false, gift: true }]] },
  { what: 'single attributes win over JSON on the same element', attrs: `data-heap-props='{"plan":"a","seats":1}' data-heap-prop-plan="b" data-heap-number-seats="2"`, sent: [['Row', { plan: 'b', seats: 2 }]] },
  { what: 'an empty data-heap-props is no properties', attrs: `data-heap-props="" data-heap-prop-a="1"`, sent: [['Row', { a: '1' }]] },
  { what: 'invalid JSON is ignored with one warning; the event and other properties still go', attrs: `data-heap-props='{plan: pro}' data-heap-prop-a="1"`, sent: [['Row', { a: '1' }]], warning: 'markup-json-invalid' },
  { what: 'JSON that is not an object is ignored with one warning', attrs: `data-heap-props='[1,2]'`, sent: [['Row', {}]], warning: 'markup-json-invalid' },
  { what: 'objects, arrays and null values are dropped', attrs: `data-heap-props='{"a":{"b":1},"c":null,"d":[1],"e":"kept"}'`, sent: [['Row', { e: 'kept' }]], warning: 'markup-prop-value-invalid' },
  { what: 'numbers JSON cannot hold finitely are dropped', attrs: `data-heap-props='{"big":1e999,"ok":1}'`, sent: [['Row', { ok: 1 }]], warning: 'markup-prop-value-invalid' },
  { what: 'values of 1024 characters or more are truncated to 1023', attrs: `data-heap-prop-long="${long(2000)}"`, sent: [['Row', { long: long(1023) }]], warning: 'markup-prop-value-truncated' },
  { what: 'keys of 512 characters or more are dropped', attrs: `data-heap-props='{"${long(600)}":1,"ok":2}'`, sent: [['Row', { ok: 2 }]], warning: 'markup-prop-key-too-long' },
  { what: 'a key named __proto__ is dropped', attrs: `data-heap-props='{"__proto__":1,"ok":2}'`, sent: [['Row', { ok: 2 }]], warning: 'markup-prop-key-reserved' },
  { what: 'white space around a numeral is allowed, not inside it', attrs: `data-heap-number-price=" 49\n" data-heap-number-split="4 9" data-heap-number-blank=" "`, sent: [['Row', { price: 49 }]], warning: 'markup-number-invalid' },
  { what: 'a number attribute that is not a numeral is dropped', attrs: `data-heap-number-price="49px" data-heap-number-ok="7"`, sent: [['Row', { ok: 7 }]], warning: 'markup-number-invalid' },
  { what: 'numbers JavaScript reads but no numeral writes are dropped', attrs: `data-heap-number-hex="0x10" data-heap-number-bin="0b1" data-heap-number-inf="-Infinity" data-heap-number-exp="+.5E+1"`, sent: [['Row', { exp: 5 }]], warning: 'markup-number-invalid' },
  { what: 'a boolean attribute other than true/false is dropped', attrs: `data-heap-boolean-trial="yes"`, sent: [['Row', {}]], warning: 'markup-boolean-invalid' },
  { what: 'names longer than 255 characters are truncated', attrs: `data-heap-event="${long(300)}"`, sent: [[long(255), {}]], warning: 'markup-event-name-truncated' },
  { what: 'white space a template leaves around an event name (line breaks, a no-break space) is not part of it', attrs: `data-heap-event="\n    Start trial\u00a0 "`, sent: [['Start trial', {}]] },
  { what: 'an empty event name sends nothing', attrs: `data-heap-event="  "`, sent: [], warning: 'markup-event-name-empty' },
  { what: 'an unknown trigger is ignored and the default applies', attrs: `data-heap-trigger="hover"`, sent: [['Row', {}]], warning: 'markup-trigger-invalid' },
];

describe('markup properties', () => {
  afterEach(() => {
    unmount();
    cleanUp();
  });

  rows.forEach((row, i) => {
    it(row.what, async () => {
      const heap = startRuntime(`props${i}`, quiet);
      const attrs = row.attrs.includes('data-heap-event=') ? row.attrs : `data-heap-event="Row" ${row.attrs}`;
      const button = mount(`<button id="row-${i}" ${attrs}>x</button>`).querySelector('button')!;
      const { warnings } = await captureConsole(async () => {
        await heap.ready;
        button.click();
        button.click();
      });
      expect(tracks(await settled(heap))).to.deep.equal([...row.sent, ...row.sent]);
      if (row.warning) {
        expect(warnings, warnings.join('\n')).to.have.length(1);
        expect(warnings[0]).to.include(row.warning).and.include(`id="row-${i}"`);
      } else {
        expect(warnings).to.deep.equal([]);
      }
    });
  });
});

describe('markup properties: scopes', () => {
  afterEach(() => {
    unmount();
    cleanUp();
  });

  it('lends the properties of an element whose data-heap-event a template left empty to the events inside it, as a scope', async () => {
    const heap = startRuntime('props-empty-scope', quiet);
    const button = mount(`<section data-heap-event=" " data-heap-prop-module="hero"><button data-heap-event="Buy" data-heap-prop-cta="primary">Buy</button></section>`).querySelector('button')!;
    await captureConsole(async () => {
      await heap.ready;
      button.click();
    });
    expect(tracks(await settled(heap))).to.deep.equal([['Buy', { module: 'hero', cta: 'primary' }]]);
  });
});

describe('markup properties: the count per event', () => {
  afterEach(() => {
    unmount();
    cleanUp();
  });

  it('keeps the first 256 properties of an event, scoped ones included, with the API warning', async () => {
    const heap = startRuntime('props-many', quiet);
    // 200 scoped on the card, 100 on the button: the card's come first, as the merge orders them.
    const attrs = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `data-heap-prop-k${from + i}="${from + i}"`).join(' ');
    const button = mount(`<div ${attrs(0, 200)}><button data-heap-event="Many" ${attrs(200, 300)}>x</button></div>`).querySelector('button')!;
    const { warnings } = await captureConsole(async () => {
      await heap.ready;
      button.click();
    });
    const [[name, properties]] = tracks(await settled(heap));
    expect(name).to.equal('Many');
    expect(Object.keys(properties)).to.deep.equal(Array.from({ length: 256 }, (_, i) => `k${i}`));
    expect(properties.k255).to.equal('255');
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.include('properties-too-many').and.include('44 were dropped');
  });
});

describe('markup properties: warning texts', () => {
  afterEach(() => {
    unmount();
    cleanUp();
  });

  // The texts spell the limits out (a text costs no bundle bytes, a value does): they must say what the checks do.
  it('name the limits the checks apply', async () => {
    const heap = startRuntime('props-limit-texts', quiet);
    const button = mount(`<button data-heap-event="${long(MAX_EVENT_NAME + 1)}" data-heap-props='{"${long(MAX_KEY)}":1}' data-heap-prop-v="${long(MAX_VALUE)}">x</button>`).querySelector('button')!;
    const { warnings } = await captureConsole(async () => {
      await heap.ready;
      button.click();
    });
    await settled(heap);
    const expected: [string, string][] = [
      ['markup-event-name-truncated', `limited to ${MAX_EVENT_NAME} characters`],
      ['markup-prop-key-too-long', `the limit is ${MAX_KEY - 1}`],
      ['markup-prop-value-truncated', `the limit is ${MAX_VALUE - 1}`],
    ];
    for (const [code, text] of expected) {
      const warning = warnings.find((w) => w.startsWith(`[heap-analytics] ${code}:`));
      expect(warning, `${code} in ${warnings.join('\n')}`).to.include(text);
    }
  });
});
