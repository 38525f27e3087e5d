import { expect } from '@open-wc/testing';
import { auditMarkup, auditProblems } from './markup-audit.ts';
import { captureConsole } from '../test/collector.ts';
import { mount, unmount } from '../test/markup.ts';
import { resetWarnings } from './warn.ts';

/** What a case expects of one entry: [description, kind, event, triggers, properties, problem codes]. */
type Expected = [string, string, string | null, string[], Record<string, unknown>, string[]];

const summarize = (root: Element): Expected[] =>
  auditMarkup(root).map((e) => [e.description, e.kind, e.event, e.triggers, e.properties, e.problems.map((p) => p.code)]);

const long = (n: number) => 'x'.repeat(n);

const CASES: { name: string; markup: string; expected: Expected[] }[] = [
  {
    name: 'an event with scoped, JSON and typed properties',
    markup: `<section data-heap-props='{"section":"pricing","page":"plans"}'><article data-heap-prop-section="enterprise">
      <button data-heap-event="Buy" data-heap-prop-tier="gold" data-heap-number-price="49" data-heap-boolean-trial>Buy</button></article></section>`,
    expected: [
      ['<section>', 'scope', null, [], { section: 'pricing', page: 'plans' }, []],
      ['<article>', 'scope', null, [], { section: 'enterprise' }, []],
      ['<button data-heap-event="Buy">', 'event', 'Buy', ['click'], { section: 'enterprise', page: 'plans', tier: 'gold', price: 49, trial: true }, []],
    ],
  },
  {
    name: 'default triggers: submit on forms, change on fields, click on button inputs',
    markup: `<form data-heap-event="Sent"><select data-heap-event="Picked"></select><input type="submit" data-heap-event="Pressed"></form>`,
    expected: [
      ['<form data-heap-event="Sent">', 'event', 'Sent', ['submit'], {}, []],
      ['<select data-heap-event="Picked">', 'event', 'Picked', ['change'], {}, []],
      ['<input data-heap-event="Pressed">', 'event', 'Pressed', ['click'], {}, []],
    ],
  },
  {
    name: 'invalid JSON is a problem; the other properties stay',
    markup: `<button data-heap-event="Buy" data-heap-props='{"plan": pro}' data-heap-prop-x="1">Buy</button>`,
    expected: [['<button data-heap-event="Buy">', 'event', 'Buy', ['click'], { x: '1' }, ['markup-json-invalid']]],
  },
  {
    name: 'names, keys and values over the limits',
    markup: `<button data-heap-event="${long(256)}" data-heap-props='{"${long(512)}":1,"v":"${long(1024)}"}'>Buy</button>`,
    expected: [[`<button data-heap-event="${long(40)}...">`, 'event', long(255), ['click'], { v: long(1023) }, ['markup-prop-key-too-long', 'markup-prop-value-truncated', 'markup-event-name-truncated']]],
  },
  {
    name: 'an empty event name, a bad number and a bad boolean',
    markup: `<p data-heap-event=" " data-heap-number-n="49px" data-heap-boolean-b="yes">x</p>`,
    expected: [['<p data-heap-event=" ">', 'scope', null, [], {}, ['markup-number-invalid', 'markup-boolean-invalid', 'markup-event-name-empty', 'markup-scope-empty']]],
  },
  {
    name: 'an empty event name a template left lends its properties, as the tracker does, and is no event inside a scope',
    markup: `<section data-heap-event="" data-heap-prop-module="hero"><button data-heap-event="">Go</button></section>`,
    expected: [
      ['<section data-heap-event="">', 'scope', null, [], { module: 'hero' }, ['markup-event-name-empty', 'markup-scope-empty']],
      ['<button data-heap-event="">', 'scope', null, [], {}, ['markup-event-name-empty']],
    ],
  },
  {
    name: 'a scope with nothing annotated inside it',
    markup: `<aside id="side" data-heap-prop-section="sidebar"><p>text</p></aside>`,
    expected: [['<aside id="side">', 'scope', null, [], { section: 'sidebar' }, ['markup-scope-empty']]],
  },
  {
    name: 'triggers that cannot fire, and unknown ones',
    markup: `<div data-heap-event="A" data-heap-trigger="submit">x</div><div data-heap-event="B" data-heap-trigger="change">x</div>
      <input type="button" data-heap-event="C" data-heap-trigger="change"><span data-heap-event="D" data-heap-trigger="hover">x</span>
      <button data-heap-event="E" data-heap-trigger="submit">outside a form</button><iframe data-heap-event="Video played" src="about:blank"></iframe>
      <iframe data-heap-event="Video seen" data-heap-trigger="view" src="about:blank"></iframe>`,
    expected: [
      ['<div data-heap-event="A">', 'event', 'A', ['submit'], {}, ['markup-trigger-unreachable']],
      ['<div data-heap-event="B">', 'event', 'B', ['change'], {}, ['markup-trigger-unreachable']],
      ['<input data-heap-event="C">', 'event', 'C', ['change'], {}, ['markup-trigger-unreachable']],
      ['<span data-heap-event="D">', 'event', 'D', ['click'], {}, ['markup-trigger-invalid']],
      ['<button data-heap-event="E">', 'event', 'E', ['submit'], {}, ['markup-trigger-unreachable']],
      ['<iframe data-heap-event="Video played">', 'event', 'Video played', ['click'], {}, ['markup-trigger-unreachable']],
      ['<iframe data-heap-event="Video seen">', 'event', 'Video seen', ['view'], {}, []],
    ],
  },
  {
    name: 'triggers that can fire through what the element contains',
    markup: `<fieldset data-heap-event="F" data-heap-trigger="change"><input></fieldset><div data-heap-event="G" data-heap-trigger="submit view"><form></form></div>`,
    expected: [
      ['<fieldset data-heap-event="F">', 'event', 'F', ['change'], {}, []],
      ['<div data-heap-event="G">', 'event', 'G', ['submit', 'view'], {}, []],
    ],
  },
  {
    name: 'dwell times the tracker would not accept, read as the tracker reads them',
    markup: `<p data-heap-event="A" data-heap-trigger="view" data-heap-view-dwell=" 1e3 ">x</p><p data-heap-event="B" data-heap-trigger="view" data-heap-view-dwell="-5">x</p>
      <p data-heap-event="C" data-heap-trigger="view" data-heap-view-dwell="0x10">x</p><p data-heap-event="D" data-heap-trigger="view" data-heap-view-dwell="">x</p>`,
    expected: [
      ['<p data-heap-event="A">', 'event', 'A', ['view'], {}, []],
      ['<p data-heap-event="B">', 'event', 'B', ['view'], {}, ['markup-view-dwell-invalid']],
      ['<p data-heap-event="C">', 'event', 'C', ['view'], {}, ['markup-view-dwell-invalid']],
      ['<p data-heap-event="D">', 'event', 'D', ['view'], {}, ['markup-view-dwell-invalid']],
    ],
  },
  {
    name: "the tracker element's identity, event-properties and user-properties, as the tracker applies them",
    markup: `<heap-analytics id="a" identity="undefined" event-properties='{"plan": "pro"' user-properties='{"seats":{"n":1},"${long(512)}":1,"tier":"gold"}'></heap-analytics>
      <heap-analytics id="b" identity=" " event-properties='{"logged in":true}'></heap-analytics><heap-analytics id="c" identity="${long(255)}"></heap-analytics>
      <heap-analytics id="d" identity="alice@example.com" user-properties="" event-properties='{"n":1}'></heap-analytics><heap-analytics id="e" env-id="1"></heap-analytics>`,
    expected: [
      ['<heap-analytics id="a">', 'scope', null, [], {}, ['identity-junk', 'markup-json-invalid', 'markup-prop-value-invalid', 'markup-prop-key-too-long']],
      ['<heap-analytics id="b">', 'scope', null, [], { 'logged in': true }, ['identity-junk']],
      ['<heap-analytics id="c">', 'scope', null, [], {}, ['identity-too-long']],
      ['<heap-analytics id="d">', 'scope', null, [], { n: 1 }, []],
    ],
  },
  {
    name: 'template placeholders in the tracker element are not checked',
    markup: `<heap-analytics identity="{{ user.email }}" user-properties="{{ user.props | dump }}" event-properties="<%= props.to_json %>"></heap-analytics>`,
    expected: [['<heap-analytics>', 'scope', null, [], {}, []]],
  },
  {
    name: 'data-heap-* names the tracker does not read (typos), and flags a template turned "off" that stay on',
    markup: `<button data-heap-evnet="Buy">Buy</button><button data-heap-event="Go" data-heap-props-plan="pro" data-heap-view="no" data-heap-redact-txt data-heap-once="false" data-heap-view-repeat="0">Go</button>
      <p data-heap-ignore data-heap-redact-text data-heap-redact-attributes="class">x</p><b data-heap-event="Ok" data-heap-once="" data-heap-view-repeat="true" data-heap-prop-="x">b</b>`,
    expected: [
      ['<button>', 'scope', null, [], {}, ['markup-attribute-unknown']],
      ['<button data-heap-event="Go">', 'event', 'Go', ['click'], {}, ['markup-attribute-unknown', 'markup-attribute-unknown', 'markup-attribute-unknown', 'markup-option-value-ignored', 'markup-option-value-ignored']],
      ['<b data-heap-event="Ok">', 'event', 'Ok', ['click'], {}, ['markup-prop-name-empty']],
    ],
  },
  {
    name: 'a trigger without an event, and pageview markup',
    markup: `<div data-heap-trigger="click">x</div><main data-heap-pageview="/c" data-heap-pageview-props='{"step":1'>x</main>`,
    expected: [
      ['<div>', 'scope', null, [], {}, ['markup-trigger-without-event']],
      ['<main>', 'pageview', null, [], {}, ['markup-json-invalid']],
    ],
  },
];

describe('auditMarkup', () => {
  afterEach(() => {
    unmount();
    resetWarnings();
  });

  for (const { name, markup, expected } of CASES) {
    it(`${name}, without a console warning`, async () => {
      const root = mount(markup);
      const { result, warnings } = await captureConsole(() => summarize(root));
      expect(result).to.deep.equal(expected);
      expect(warnings).to.deep.equal([]);
    });
  }

  it('reports every problem of a kind, on each element, even after the tracker warned once', async () => {
    const root = mount(`<button data-heap-event="A" data-heap-props="{">a</button><button data-heap-event="B" data-heap-props="[">b</button>`);
    const problems = auditProblems(auditMarkup(root));
    expect(problems.map((p) => [p.description, p.code])).to.deep.equal([
      ['<button data-heap-event="A">', 'markup-json-invalid'],
      ['<button data-heap-event="B">', 'markup-json-invalid'],
    ]);
    expect(problems[0]!.message).to.contain('not a JSON object');
  });

  it('names the attribute a misspelt data-heap-* name was probably meant to be', () => {
    const root = mount(`<p data-heap-evnet="A" data-heap-triger="load" data-heap-view-dwel="5" data-heap-pageview-prop="{}" data-heap-props-plan="pro" data-heap-num-price="4" data-heap-bool_trial data-heap-view="no">x</p>`);
    const messages = auditProblems(auditMarkup(root)).map((p) => p.message);
    expect(messages).to.deep.equal([
      ['data-heap-evnet', 'data-heap-event'],
      ['data-heap-triger', 'data-heap-trigger'],
      ['data-heap-view-dwel', 'data-heap-view-dwell'],
      ['data-heap-pageview-prop', 'data-heap-pageview-props'],
      ['data-heap-props-plan', 'data-heap-prop-plan'],
      ['data-heap-num-price', 'data-heap-number-price'],
      ['data-heap-bool_trial', 'data-heap-boolean-trial'],
    ].map(([typo, meant]) => `${typo} on <p> is not an attribute the tracker reads, so it has no effect; did you mean ${meant}?`).concat('data-heap-view on <p> is not an attribute the tracker reads, so it has no effect (docs/markup.md lists them).'));
  });

  it('says what likely broke JSON an editor wrote: curly quotes, no-break spaces, single quotes, bare keys', () => {
    const root = mount(`<button data-heap-event="A" data-heap-props='{\u201cplan\u201d: \u201cpro\u201d}'>a</button><main data-heap-pageview-props='{"step":\u00a01}'></main>
      <button data-heap-event="B" data-heap-props="{'plan': 'pro'}">b</button><button data-heap-event="C" data-heap-props='{plan: "pro"}'>c</button>
      <heap-analytics user-properties='{\u2018seats\u2019: 2}'></heap-analytics><button data-heap-event="D" data-heap-props='{"plan": "pro"'>d</button>`);
    const causes = auditProblems(auditMarkup(root)).map((p) => [p.code, p.message.split('Likely cause: ')[1] ?? null]);
    expect(causes).to.deep.equal([
      ['markup-json-invalid', 'curly quotes (\u201c \u201d \u2018 \u2019) from a word processor; JSON takes straight ones (").'],
      ['markup-json-invalid', 'no-break spaces (&nbsp;), which JSON does not read as spaces.'],
      ['markup-json-invalid', 'single quotes; JSON takes double ones.'],
      ['markup-json-invalid', 'keys without quotes; JSON quotes them ({"plan":"pro"}).'],
      ['markup-json-invalid', 'curly quotes (\u201c \u201d \u2018 \u2019) from a word processor; JSON takes straight ones (").'],
      ['markup-json-invalid', null],
    ]);
  });

  it('names the attribute and the tracker element in its problems', () => {
    const root = mount(`<heap-analytics user-properties='{"plan": "pro"'></heap-analytics>`);
    const [problem] = auditProblems(auditMarkup(root));
    expect(problem!.code).to.equal('markup-json-invalid');
    expect(problem!.message).to.contain('user-properties on <heap-analytics>');
  });

  it('keeps the first 256 properties of an event, as the tracker sends them, and says the rest are dropped', () => {
    // 200 scoped on the card, 100 on the button: the tracker keeps k0..k255 and warns properties-too-many.
    const attrs = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `data-heap-prop-k${from + i}="${from + i}"`).join(' ');
    const root = mount(`<div ${attrs(0, 200)}><button data-heap-event="Many" ${attrs(200, 300)}>x</button></div>`);
    const entry = auditMarkup(root).find((e) => e.kind === 'event')!;
    expect(Object.keys(entry.properties)).to.deep.equal(Array.from({ length: 256 }, (_, i) => `k${i}`));
    expect(entry.problems.map((p) => p.code)).to.deep.equal(['properties-too-many']);
    expect(entry.problems[0]!.message).to.contain('44');
  });

  it('lists pageview declarations with inherited pageview properties and the title', () => {
    const root = mount(`<div data-heap-pageview-props='{"site":"shop","step":0}'><main data-heap-pageview="/checkout" data-heap-title="Checkout" data-heap-pageview-props='{"step":1}'></main></div>`);
    const pageview = auditMarkup(root).find((e) => e.pageview)!.pageview;
    expect(pageview).to.deep.equal({ key: '/checkout', title: 'Checkout', properties: { site: 'shop', step: 1 } });
    // As the tracker reads it: a blank title is the document's, and white space around one is no part of it.
    const titles = auditMarkup(mount(`<main data-heap-pageview="/a" data-heap-title=" \n "></main><main data-heap-pageview="/b" data-heap-title=" Pay\n"></main>`));
    expect(titles.map((e) => e.pageview!.title)).to.deep.equal([null, 'Pay']);
  });

  it('reads annotated markup inside open shadow roots, and skips autocapture attributes', () => {
    const root = mount(`<div id="host"></div><p data-heap-ignore data-heap-redact-text>ignored</p>`);
    const shadow = root.querySelector('#host')!.attachShadow({ mode: 'open' });
    shadow.innerHTML = `<button data-heap-event="Inside">x</button>`;
    expect(summarize(root)).to.deep.equal([['<button data-heap-event="Inside">', 'event', 'Inside', ['click'], {}, []]]);
  });

  it('does not change what the tracker warns afterwards', async () => {
    const root = mount(`<button data-heap-event="A" data-heap-props="{">a</button>`);
    auditMarkup(root);
    const { readOwnProps } = await import('./markup-props.ts');
    const { warnings } = await captureConsole(() => readOwnProps(root.querySelector('button')!));
    expect(warnings.length).to.equal(1);
    expect(warnings[0]).to.contain('markup-json-invalid');
  });
});
