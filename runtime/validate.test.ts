import { expect } from '@open-wc/testing';
import { captureConsole, cleanUp, failOnUncaught, startRuntime, waitForEvents } from '../test/collector.ts';
import type { HeapRuntime } from './load.ts';
import { API_METHODS } from './types.ts';
import { MAX_EVENT_NAME, MAX_IDENTITY, MAX_KEY, MAX_PROPS, MAX_TITLE, MAX_VALUE } from './validate.ts';
import { resetWarnings } from './warn.ts';

type Case = {
  what: string;
  call: (heap: HeapRuntime) => void;
  warning: string | null;
  /** What the collector holds afterwards, as [type, name, properties] of the non-boot events. */
  stored: [string, string | null, Record<string, unknown> | null][];
  /** The second identical call is a no-op (identify with the same identity). */
  once?: boolean;
};

const throwingGetter = Object.defineProperty({ ok: 1 }, 'bad', { enumerable: true, get: () => { throw new Error('getter'); } });
const throwingKeys = new Proxy({}, { ownKeys: () => { throw new Error('ownKeys'); } });
const throwingUrlOption = Object.defineProperty({}, 'url', { enumerable: true, get: () => { throw new Error('getter'); } });
const throwingPrototype = new Proxy({}, { getPrototypeOf: () => { throw new Error('getPrototypeOf'); } });
// Every trap of a revoked Proxy throws, reading its prototype too.
const revoked = Proxy.revocable({}, {});
revoked.revoke();

const cases: Case[] = [
  { what: 'a 255-character name is kept', call: (h) => h.track('n'.repeat(255)), warning: null, stored: [['track', 'n'.repeat(255), {}]] },
  { what: 'a 256-character name is truncated to 255', call: (h) => h.track('n'.repeat(256)), warning: 'event-name-truncated', stored: [['track', 'n'.repeat(255), {}]] },
  { what: 'an empty name drops the event', call: (h) => h.track(''), warning: 'event-name-empty', stored: [] },
  { what: 'a name of spaces and tabs drops the event', call: (h) => h.track(' \t '), warning: 'event-name-empty', stored: [] },
  { what: 'a name of non-ASCII blanks drops the event', call: (h) => h.track('\u00a0\u3000\ufeff'), warning: 'event-name-empty', stored: [] },
  { what: 'a name that starts with a space is kept as given', call: (h) => h.track(' Signed up'), warning: null, stored: [['track', ' Signed up', {}]] },
  { what: 'a name that starts with a non-ASCII letter is kept', call: (h) => h.track('Été'), warning: null, stored: [['track', 'Été', {}]] },
  { what: 'a 256-character non-ASCII name is truncated to 255', call: (h) => h.track('é'.repeat(256)), warning: 'event-name-truncated', stored: [['track', 'é'.repeat(255), {}]] },
  { what: 'a name cut inside an emoji ends before it', call: (h) => h.track(`${'n'.repeat(254)}😀`), warning: 'event-name-truncated', stored: [['track', 'n'.repeat(254), {}]] },
  { what: 'a Symbol name drops the event', call: (h) => h.track(Symbol('x') as never), warning: 'event-name-invalid', stored: [] },
  { what: 'a numeric name becomes its string', call: (h) => h.track(42 as never), warning: null, stored: [['track', '42', {}]] },
  { what: 'a 511-character key is kept', call: (h) => h.track('E', { ['k'.repeat(511)]: 1 }), warning: null, stored: [['track', 'E', { ['k'.repeat(511)]: 1 }]] },
  { what: 'a 512-character key is dropped', call: (h) => h.track('E', { ['k'.repeat(512)]: 1, ok: 2 }), warning: 'property-key-too-long', stored: [['track', 'E', { ok: 2 }]] },
  { what: 'a key named __proto__ is dropped', call: (h) => h.track('E', JSON.parse('{"__proto__":1,"ok":2}')), warning: 'property-key-reserved', stored: [['track', 'E', { ok: 2 }]] },
  { what: 'a 1023-character value is kept', call: (h) => h.track('E', { v: 'v'.repeat(1023) }), warning: null, stored: [['track', 'E', { v: 'v'.repeat(1023) }]] },
  { what: 'a 1024-character value is truncated to 1023', call: (h) => h.track('E', { v: 'v'.repeat(1024) }), warning: 'property-value-truncated', stored: [['track', 'E', { v: 'v'.repeat(1023) }]] },
  { what: 'a value cut inside an emoji ends before it', call: (h) => h.track('E', { v: `${'v'.repeat(1022)}😀` }), warning: 'property-value-truncated', stored: [['track', 'E', { v: 'v'.repeat(1022) }]] },
  { what: 'NaN and Infinity values are dropped', call: (h) => h.track('E', { a: NaN, b: Infinity, ok: true }), warning: 'property-value-not-finite', stored: [['track', 'E', { ok: true }]] },
  { what: 'object, null and undefined values are dropped', call: (h) => h.track('E', { o: {}, n: null, u: undefined, ok: 0 }), warning: 'property-value-invalid', stored: [['track', 'E', { ok: 0 }]] },
  { what: 'an array of properties is ignored, the event kept', call: (h) => h.track('E', [1, 2] as never), warning: 'track-properties-invalid', stored: [['track', 'E', {}]] },
  { what: 'null properties are no properties, without a warning', call: (h) => h.track('E', null as never), warning: null, stored: [['track', 'E', {}]] },
  { what: 'trackPageview properties that are not a plain object are ignored, the pageview kept', call: (h) => h.trackPageview({ properties: [1] as never }), warning: 'trackPageview-properties-invalid', stored: [['pageview', null, null]] },
  { what: 'a getter that throws drops only that property', call: (h) => h.track('E', throwingGetter), warning: 'property-value-unreadable', stored: [['track', 'E', { ok: 1 }]] },
  { what: 'a Proxy whose keys throw is ignored', call: (h) => h.track('E', throwingKeys), warning: 'track-properties-unreadable', stored: [['track', 'E', {}]] },
  { what: 'a 254-character title is kept', call: (h) => h.trackPageview({ title: 't'.repeat(254) }), warning: null, stored: [['pageview', null, null]] },
  { what: 'a 255-character title is truncated to 254', call: (h) => h.trackPageview({ title: 't'.repeat(255) }), warning: 'pageview-title-truncated', stored: [['pageview', null, null]] },
  { what: 'a relative url falls back to the page url', call: (h) => h.trackPageview({ url: '/relative' }), warning: 'pageview-url-invalid', stored: [['pageview', null, null]] },
  { what: 'a pageview option whose getter throws is ignored, the pageview kept', call: (h) => h.trackPageview(throwingUrlOption), warning: 'trackPageview-option-unreadable', stored: [['pageview', null, null]] },
  { what: 'pageview properties whose prototype cannot be read are ignored, the pageview kept', call: (h) => h.trackPageview({ properties: throwingPrototype }), warning: 'trackPageview-properties-invalid', stored: [['pageview', null, null]] },
  { what: 'track properties whose prototype cannot be read are ignored, the event kept', call: (h) => h.track('E', throwingPrototype), warning: 'track-properties-invalid', stored: [['track', 'E', {}]] },
  { what: 'a revoked Proxy as track properties is ignored, the event kept', call: (h) => h.track('E', revoked.proxy), warning: 'track-properties-invalid', stored: [['track', 'E', {}]] },
  { what: 'a revoked Proxy as trackPageview options is ignored, the pageview kept', call: (h) => h.trackPageview(revoked.proxy as never), warning: 'trackPageview-options-invalid', stored: [['pageview', null, null]] },
  { what: 'a revoked Proxy as addEventProperties properties is ignored', call: (h) => { h.addEventProperties(revoked.proxy); h.track('E'); }, warning: 'addEventProperties-properties-invalid', stored: [['track', 'E', {}]] },
  { what: 'a revoked Proxy as addPageviewProperties properties is ignored', call: (h) => { h.addPageviewProperties(revoked.proxy); h.track('E'); }, warning: 'addPageviewProperties-properties-invalid', stored: [['track', 'E', {}]] },
  { what: 'a revoked Proxy as addUserProperties properties sends nothing', call: (h) => h.addUserProperties(revoked.proxy), warning: 'addUserProperties-properties-invalid', stored: [] },
  { what: 'a 254-character identity is kept', call: (h) => h.identify('i'.repeat(254)), warning: null, stored: [['identify', null, {}]], once: true },
  { what: 'a 255-character identity is refused', call: (h) => h.identify('i'.repeat(255)), warning: 'identity-too-long', stored: [] },
  { what: 'an identity of 127 emoji (254 UTF-16 units) is kept', call: (h) => h.identify('😀'.repeat(127)), warning: null, stored: [['identify', null, {}]], once: true },
  { what: 'an identity of 127 emoji and a letter (255 UTF-16 units) is refused', call: (h) => h.identify(`${'😀'.repeat(127)}x`), warning: 'identity-too-long', stored: [] },
  { what: 'a key of 255 emoji and a letter (511 UTF-16 units) is kept', call: (h) => h.track('E', { [`${'😀'.repeat(255)}k`]: 1 }), warning: null, stored: [['track', 'E', { [`${'😀'.repeat(255)}k`]: 1 }]] },
  { what: 'a key of 256 emoji (512 UTF-16 units) is dropped', call: (h) => h.track('E', { ['😀'.repeat(256)]: 1, ok: 2 }), warning: 'property-key-too-long', stored: [['track', 'E', { ok: 2 }]] },
  { what: 'addEventProperties drops a 512-character key', call: (h) => { h.addEventProperties({ ['k'.repeat(512)]: 1, ok: 1 }); h.track('E'); }, warning: 'property-key-too-long', stored: [['track', 'E', { ok: 1 }]] },
  { what: 'addEventProperties truncates a 1024-character value to 1023', call: (h) => { h.addEventProperties({ v: 'v'.repeat(1024) }); h.track('E'); }, warning: 'property-value-truncated', stored: [['track', 'E', { v: 'v'.repeat(1023) }]] },
  { what: 'addPageviewProperties keeps a 511-character key and a 1023-character value', call: (h) => { h.addPageviewProperties({ ['k'.repeat(511)]: 'v'.repeat(1023) }); h.track('E'); }, warning: null, stored: [['track', 'E', { ['k'.repeat(511)]: 'v'.repeat(1023) }]] },
  { what: 'addPageviewProperties drops a 512-character key', call: (h) => { h.addPageviewProperties({ ['k'.repeat(512)]: 1, ok: 1 }); h.track('E'); }, warning: 'property-key-too-long', stored: [['track', 'E', { ok: 1 }]] },
  { what: 'addUserProperties truncates a 1024-character value to 1023', call: (h) => h.addUserProperties({ v: 'v'.repeat(1024) }), warning: 'property-value-truncated', stored: [['user_properties', null, { v: 'v'.repeat(1023) }]] },
  { what: 'addUserProperties drops a 512-character key', call: (h) => h.addUserProperties({ ['k'.repeat(512)]: 1, ok: true }), warning: 'property-key-too-long', stored: [['user_properties', null, { ok: true }]] },
  { what: 'trackPageview properties truncate a 1024-character value to 1023 for the events of the pageview', call: (h) => { h.trackPageview({ properties: { v: 'v'.repeat(1024) } }); h.track('E'); }, warning: 'property-value-truncated', stored: [['pageview', null, null], ['track', 'E', { v: 'v'.repeat(1023) }]] },
  { what: 'addEventProperties with a string is ignored', call: (h) => { h.addEventProperties('plan' as never); h.track('E'); }, warning: 'addEventProperties-properties-invalid', stored: [['track', 'E', {}]] },
  { what: 'addPageviewProperties with nothing is ignored', call: (h) => { h.addPageviewProperties(undefined as never); h.track('E'); }, warning: 'addPageviewProperties-properties-invalid', stored: [['track', 'E', {}]] },
  { what: 'addUserProperties with no valid property sends nothing', call: (h) => h.addUserProperties({ bad: {} }), warning: 'property-value-invalid', stored: [] },
];

describe('input validation (the seed limits, one warning per cause)', () => {
  afterEach(cleanUp);

  for (const c of cases) {
    it(c.what, async () => {
      const heap = startRuntime('limits', { disablePageviewAutocapture: true });
      const { warnings } = await captureConsole(() => {
        c.call(heap);
        c.call(heap);
      });
      expect(warnings.map((w) => w.split(':')[0]!.replace('[heap-analytics] ', ''))).to.deep.equal(c.warning ? [c.warning] : []);
      heap.track('Sentinel');
      const expected = c.once ? c.stored : [...c.stored, ...c.stored];
      const events = await waitForEvents(heap.envId, expected.length + 1);
      const got = events.filter((e) => e.name !== 'Sentinel').map((e) => [e.type, e.name, e.type === 'pageview' ? null : e.properties]);
      expect(got).to.deep.equal(expected);
      const pageview = events.find((e) => e.type === 'pageview');
      if (c.what.includes('title')) expect((pageview!.page!.title as string).length).to.equal(254);
      if (c.what.includes('relative url')) expect(pageview!.page!.url).to.equal(location.href);
    });
  }
});

describe('truncation keeps characters whole', () => {
  afterEach(cleanUp);

  it('drops a character a cut would halve (an emoji is two UTF-16 units) and keeps one that fits', async () => {
    const heap = startRuntime('halves', { disablePageviewAutocapture: true });
    const emoji = '\u{1F600}';
    await captureConsole(() => {
      heap.track('n'.repeat(254) + emoji, { v: 'v'.repeat(1022) + emoji, fits: 'f'.repeat(1021) + emoji });
      heap.track('n'.repeat(253) + emoji);
      heap.trackPageview({ title: 't'.repeat(253) + emoji, previous_page: '/' + 'p'.repeat(1021) + emoji });
    });
    const [cut, fits, pageview] = await waitForEvents(heap.envId, 3);
    expect(cut!.name).to.equal('n'.repeat(254));
    expect(cut!.properties).to.deep.equal({ v: 'v'.repeat(1022), fits: 'f'.repeat(1021) + emoji });
    expect(fits!.name).to.equal('n'.repeat(253) + emoji);
    expect(pageview!.page).to.include({ title: 't'.repeat(253), previous_page: '/' + 'p'.repeat(1021) });
  });
});

describe('warning texts', () => {
  afterEach(cleanUp);

  // The texts spell the limits out (a text costs no bundle bytes, a value does): they must say what the checks do.
  it('name the limits the checks apply', async () => {
    const heap = startRuntime('limit-texts', { disablePageviewAutocapture: true });
    const many = Object.fromEntries(Array.from({ length: MAX_PROPS + 1 }, (_, i) => [`k${i}`, i]));
    const { warnings } = await captureConsole(() => {
      heap.track('n'.repeat(MAX_EVENT_NAME + 1));
      heap.track('E', many);
      heap.track('E', { ['k'.repeat(MAX_KEY)]: 1, v: 'v'.repeat(MAX_VALUE) });
      heap.identify('i'.repeat(MAX_IDENTITY));
      heap.removeEventProperty('k'.repeat(MAX_KEY));
      heap.trackPageview({ title: 't'.repeat(MAX_TITLE) });
    });
    const expected: [string, string][] = [
      ['event-name-truncated', `limited to ${MAX_EVENT_NAME} characters`],
      ['properties-too-many', `at most ${MAX_PROPS} properties`],
      ['property-key-too-long', `shorter than ${MAX_KEY} characters`],
      ['property-value-truncated', `shorter than ${MAX_VALUE} characters`],
      ['identity-too-long', `shorter than ${MAX_IDENTITY} characters`],
      ['removeEventProperty-key-invalid', `shorter than ${MAX_KEY} characters`],
      ['pageview-title-truncated', `shorter than ${MAX_TITLE} characters`],
    ];
    for (const [code, text] of expected) {
      const warning = warnings.find((w) => w.startsWith(`[heap-analytics] ${code}:`));
      expect(warning, `${code} in ${warnings.join('\n')}`).to.include(text);
    }
  });

  // The classic snippet's older names share their newer name's code (docs/warnings.md); a page that calls only the
  // older one must still find it named in the text, or it searches its code for a call it never wrote.
  it('name the older call a page may have made: setEventProperties, unsetEventProperty', async () => {
    const heap = startRuntime('older-names', { disablePageviewAutocapture: true }) as unknown as Record<string, (a: unknown) => void>;
    const { warnings } = await captureConsole(() => {
      heap.setEventProperties!('plan');
      heap.unsetEventProperty!(5);
    });
    expect(warnings).to.deep.equal([
      '[heap-analytics] addEventProperties-properties-invalid: addEventProperties() (or setEventProperties()) takes a plain object of properties, got "plan"; the properties were ignored.',
      '[heap-analytics] removeEventProperty-key-invalid: removeEventProperty() (or unsetEventProperty()) takes a property name string shorter than 512 characters, got 5; the call was ignored.',
    ]);
  });
});

/** Values that no call of the API should choke on. */
function badValues(): { label: string; value: unknown }[] {
  const circular: Record<string, unknown> = { a: 1 };
  circular.self = circular;
  const { proxy: revoked, revoke } = Proxy.revocable({}, {});
  revoke();
  const trap = () => { throw new Error('trap'); };
  const hostile = new Proxy({}, { get: trap, ownKeys: trap, getPrototypeOf: trap, has: trap, getOwnPropertyDescriptor: trap });
  const many: Record<string, number> = {};
  for (let i = 0; i < 5000; i++) many[`k${i}`] = i;
  let deep: Record<string, unknown> = {};
  for (let i = 0; i < 1000; i++) deep = { deep };
  const toStringThrows = { toString: trap, valueOf: trap, toJSON: trap };
  return [
    ['undefined', undefined], ['null', null], ['true', true], ['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity],
    ['empty string', ''], ['whitespace', ' \t\n'], ['huge string', 'x'.repeat(1_000_000)], ['"undefined"', 'undefined'], ['"null"', 'null'],
    ['Symbol', Symbol('bad')], ['BigInt', 10n], ['function', () => 1], ['class', class {}], ['array', [1, 'two']], ['empty array', []],
    ['Date', new Date()], ['RegExp', /re/], ['Map', new Map([[1, 2]])], ['Set', new Set([1])], ['boxed string', new String('s')],
    ['circular object', circular], ['revoked Proxy', revoked], ['hostile Proxy', hostile], ['getter that throws', throwingGetter],
    ['5000 keys', many], ['1000 levels deep', deep], ['toString throws', toStringThrows], ['DOM element', document.createElement('div')],
    ['window', window], ['Promise', Promise.resolve()], ['Error', new Error('e')], ['frozen with bad values', Object.freeze({ a: Symbol('a'), b: 1n })],
    ['null prototype with bad values', Object.assign(Object.create(null), { f: () => 1, n: NaN })], ['typed array', new Uint8Array(4)],
  ].map(([label, value]) => ({ label: label as string, value }));
}

describe('no call ever throws into host code', () => {
  afterEach(cleanUp);
  failOnUncaught();

  it('survives every bad value in every argument of all fifteen calls, warning once per cause', async () => {
    const heap = startRuntime('table');
    const values = badValues();
    let calls = 0;
    const escaped: string[] = [];
    const repeatedWarnings: string[] = [];
    const silentRequired: string[] = [];
    const needsInput = new Set(['track', 'identify', 'addEventProperties', 'removeEventProperty', 'addUserProperties', 'addPageviewProperties', 'removePageviewProperty', 'onReady']);
    await captureConsole(async () => {
      for (const method of API_METHODS) {
        for (const { label, value } of values) {
          for (const args of [[value], ['Valid name', value], [value, value]]) {
            resetWarnings();
            const fn = heap[method] as (...a: unknown[]) => unknown;
            const first = await captureConsole(() => {
              try {
                fn(...args);
              } catch (err) {
                escaped.push(`${method}(${label}): ${err}`);
              }
            });
            const second = await captureConsole(() => {
              try {
                fn(...args);
              } catch (err) {
                escaped.push(`${method}(${label}) again: ${err}`);
              }
            });
            calls += 2;
            if (second.warnings.length) repeatedWarnings.push(`${method}(${label}): ${second.warnings[0]}`);
            const firstArgIsFine = args[0] === 'Valid name' && ['track', 'identify', 'removeEventProperty', 'removePageviewProperty'].includes(method);
            if (needsInput.has(method) && !firstArgIsFine && !first.warnings.length && !first.errors.length && !isValidFor(method, value)) {
              silentRequired.push(`${method}(${label})`);
            }
            for (const w of first.warnings) expect(w).to.match(/^\[heap-analytics\] [\w-]+: /);
          }
        }
      }
    });
    expect(calls).to.be.at.least(1000);
    expect(escaped).to.deep.equal([]);
    expect(repeatedWarnings).to.deep.equal([]);
    expect(silentRequired).to.deep.equal([]);
    // Anything our timers and microtasks throw meanwhile reaches the page: failOnUncaught checks after the test.
    await new Promise((r) => setTimeout(r, 50));
  });

  it('survives 1,000 randomly built calls and still delivers a valid event afterwards', async () => {
    const heap = startRuntime('random');
    const values = badValues();
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    const escaped: string[] = [];
    await captureConsole(() => {
      for (let i = 0; i < 1000; i++) {
        const method = pick(API_METHODS);
        const bag: Record<string, unknown> = {};
        for (let k = 0; k < 3; k++) bag[pick(['a', 'k'.repeat(600), 'title', 'url', 'properties'])] = pick(values).value;
        const args = [pick([pick(values).value, bag, 'Name']), pick([pick(values).value, bag])];
        try {
          (heap[method] as (...a: unknown[]) => unknown)(...args);
        } catch (err) {
          escaped.push(`${method}: ${err}`);
        }
      }
    });
    expect(escaped).to.deep.equal([]);
    heap.clearEventProperties();
    heap.clearPageviewProperties();
    heap.track('Still works', { fine: true });
    const [event] = await waitForEvents(heap.envId, 1, { name: 'Still works' }, 20_000);
    expect(event!.properties).to.deep.equal({ fine: true });
    // Anything our timers and microtasks throw meanwhile reaches the page: failOnUncaught checks after the test.
    await new Promise((r) => setTimeout(r, 50));
  });
});

/** Inputs that are legitimately fine for a call (and so need no warning). */
function isValidFor(method: string, value: unknown): boolean {
  const plainEmpty = typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype && Object.keys(value).length === 0;
  switch (method) {
    case 'track':
      return (typeof value === 'string' && value.trim() !== '' && value.length <= 255) || (typeof value === 'number' && Number.isFinite(value));
    case 'onReady':
      return typeof value === 'function';
    case 'removeEventProperty':
    case 'removePageviewProperty':
      return typeof value === 'string' && value.length < 512;
    default:
      return plainEmpty;
  }
}
