import { expect } from '@open-wc/testing';
import { $, mount, unmountAll } from '../test/autocapture-fixtures.ts';
import { describeTarget, MAX_HIERARCHY, MAX_TEXT, readTarget } from './target.ts';
import type { TargetContext } from './types.ts';

/** True when the elements `el` is rendered in are its ancestors: not in a shadow root, nothing on the way slotted. */
function inLightTree(el: Element): boolean {
  for (let node: Element | null = el; node; node = node.parentElement) if (node.assignedSlot) return false;
  return el.getRootNode() === document;
}

/**
 * What a click on `el` would send as its target. Where a click's path has no shadow root, the listener takes the
 * shortcut from one element that matters to the next: it must say the same as the walk through every level.
 */
function describeClick(el: Element): TargetContext {
  const target = describeTarget(el)!;
  if (inLightTree(el)) expect(readTarget(el, el, true, true)?.()).to.deep.equal(target);
  return target;
}

describe('describing a target', () => {
  afterEach(unmountAll);

  const textCases: [string, string, string | undefined][] = [
    ['whitespace collapsed and trimmed', '<button id="t">\n  Add   to\tcart  </button>', 'Add to cart'],
    ['block children read as separate words', '<div id="t"><div>Sign</div><div>up</div><p>today</p></div>', 'Sign up today'],
    ['inline children joined as written', '<a id="t" href="#">Buy <b>now</b>!</a>', 'Buy now!'],
    ['script, style and template content skipped', '<div id="t">Hi<script>var x = 1</script><style>.a{}</style><template>T</template></div>', 'Hi'],
    ['an icon-only button by its aria-label', '<button aria-label="Close dialog"><svg><path id="t"></path></svg></button>', 'Close dialog'],
    ['an image in a link by its alt text', '<a href="/"><img id="t" alt="Company logo"></a>', 'Company logo'],
    ['an icon in a titled link by the link', '<a href="/help" title="Help"><i id="t" class="icon"></i></a>', 'Help'],
    ['an icon with no control around it has no text', '<div><i id="t" class="icon"></i></div>', undefined],
    ['a submit input by the label the page wrote', '<input id="t" type="submit" value="Send order">', 'Send order'],
    ['an image input (a submit button drawn as a picture) by its alt text', '<input id="t" type="image" src="data:," alt="Search">', 'Search'],
    ['a text input never, even with a value attribute', '<input id="t" type="text" value="what was typed">', undefined],
    ['a text input never, even with an aria-label (the title of a custom one may hold the choice)', '<input id="t" type="text" aria-label="Search" title="chosen">', undefined],
    ['an option never (it is the chosen value)', '<select><option id="t">Chosen value</option></select>', undefined],
    ['anything inside contenteditable never', '<div contenteditable><p id="t">typed text</p></div>', undefined],
    ['contenteditable="false" is not editable', '<div contenteditable="false"><p id="t">Fixed text</p></div>', 'Fixed text'],
    ['a custom select (role combobox) never: it shows the chosen value', '<button id="t" role="combobox"><span>Chosen value</span></button>', undefined],
    ['a custom list of choices (role listbox) never: suggestions echo what was typed', '<ul role="listbox"><li role="option"><b id="t">alice smith</b></li></ul>', undefined],
    ['a select button with no role (aria-haspopup listbox, as Headless UI writes it) never: it shows the chosen value', '<button aria-haspopup="listbox"><span id="t">Chosen value</span></button>', undefined],
    ['a select of no role, neither button nor link (a div with aria-haspopup listbox), never: it shows the chosen value', '<div aria-haspopup="listbox" tabindex="0"><span id="t">Chosen value</span></div>', undefined],
    ['custom fields (role textbox, searchbox) never', '<div role="searchbox"><div id="t" role="textbox">typed text</div></div>', undefined],
    ['a custom number or date field (role spinbutton) never: it shows what was typed or chosen', '<div><span id="t" role="spinbutton" tabindex="0" aria-valuenow="1990">1990</span></div>', undefined],
    ['an output never: its value is its text (a live preview of what was typed)', '<output for="name"><b id="t">typed name</b></output>', undefined],
    ['a spinbutton inside the target is skipped', '<label id="t">Born <span role="spinbutton">1990</span></label>', 'Born'],
    ['an output inside the target is skipped', '<label id="t">Hello <output>typed name</output></label>', 'Hello'],
    ['a custom select with no role (react-select: the chosen option beside its combobox input) only under data-heap-redact-text', '<div data-heap-redact-text><div id="t" class="css-1dimb5e-singleValue">Typed</div><div><input role="combobox"></div></div>', '****'],
    ['a custom select inside the target is skipped', '<label id="t">Country <span role="combobox">Chosen</span></label>', 'Country'],
    ['a live region inside the target (a screen reader\'s status, as react-select writes it) skipped', '<div id="t">Colour<span aria-live="polite" role="log">option Red, selected.</span></div>', 'Colour'],
    ['a field inside the target is skipped', '<label id="t">Name <input value="typed"> <textarea>typed too</textarea></label>', 'Name'],
  ];
  for (const [label, html, text] of textCases) {
    it(`text: ${label}`, () => {
      const root = mount(html);
      expect(describeClick($(root, '#t')).text).to.equal(text);
    });
  }

  it('text: reads slotted content through a shadow root slot', () => {
    const root = mount('<fancy-button id="host"><span>Slotted label</span></fancy-button>');
    const shadow = $(root, '#host').attachShadow({ mode: 'open' });
    shadow.innerHTML = '<button id="inner"><slot></slot></button>';
    expect(describeClick($(shadow, '#inner')).text).to.equal('Slotted label');
  });

  it('text: a host reads as rendered, its shadow root with what is slotted there, not its children left unslotted', () => {
    const root = mount('<info-card id="t"><b>Light words</b><i slot="nowhere">Unshown</i></info-card>');
    $(root, '#t').attachShadow({ mode: 'open' }).innerHTML = '<h2>Title</h2><slot></slot><p><slot name="absent">Fallback</slot></p>';
    expect(describeClick($(root, '#t')).text).to.equal('Title Light words Fallback');
  });

  it('text: an icon slotted into a button of a shadow root is named by that button', () => {
    const root = mount('<icon-button><svg><path id="t"></path></svg></icon-button>');
    $(root, 'icon-button').attachShadow({ mode: 'open' }).innerHTML = '<button aria-label="Close"><slot></slot></button>';
    expect(describeClick($(root, '#t')).text).to.equal('Close');
  });

  it('a slotted form with fields named assignedSlot and shadowRoot: described, the fields unread', () => {
    const root = mount('<form-frame><form id="t">Pay <span id="s">now</span><input name="assignedSlot"><textarea name="shadowRoot">zzdraft</textarea></form></form-frame>');
    $(root, 'form-frame').attachShadow({ mode: 'open' }).innerHTML = '<slot></slot>';
    expect([describeClick($(root, '#t')).text, describeClick($(root, '#s')).hierarchy]).to.deep.equal(['Pay now', 'body > div#ac-root > form-frame > form#t > span#s']);
  });

  it('text: never splits a character made of two code units at the 64-character cut', () => {
    const root = mount(`<button id="t">${'a'.repeat(MAX_TEXT - 1)}😀 more</button>`);
    const text = describeClick($(root, '#t')).text!;
    expect(text).to.equal('a'.repeat(MAX_TEXT - 1));
  });

  it('text: reads a bounded part of a huge element', () => {
    const root = mount(`<div id="t">${'<p>paragraph text</p>'.repeat(5000)}</div>`);
    const text = describeClick($(root, '#t')).text!;
    expect(text.length).to.be.at.most(MAX_TEXT);
    expect(text.startsWith('paragraph text paragraph text')).to.equal(true);
  });

  it('attributes: at most 16, values cut to 128 characters, and none whose name contains "value"', () => {
    const data = Array.from({ length: 20 }, (_, i) => `data-a${String(i).padStart(2, '0')}="${i}"`).join(' ');
    const root = mount(`<button id="t" data-value="chosen" aria-valuenow="5" data-long="${'x'.repeat(300)}" ${data}>B</button>`);
    const attributes = describeClick($(root, '#t')).attributes!;
    expect(Object.keys(attributes)).to.have.length(16);
    expect(attributes['data-long']).to.equal('x'.repeat(128));
    expect(attributes).to.not.have.any.keys('data-value', 'aria-valuenow', 'value');
  });

  it('attributes: none whose name contains "value" in any case (an SVG element keeps the case a script gave)', () => {
    const root = mount('<svg><circle id="t" r="5"></circle></svg>');
    const circle = $(root, '#t');
    circle.setAttribute('data-userValue', 'typed');
    circle.setAttribute('data-userName', 'kept');
    expect(circle.getAttributeNames()).to.include('data-userValue');
    const attributes = describeClick(circle).attributes!;
    expect(attributes).to.not.have.any.keys('data-userValue', 'data-uservalue');
    expect(attributes['data-userName']).to.equal('kept');
  });

  it('the html element itself (a click on the margin below a short body) is described as html', () => {
    const target = describeClick(document.documentElement);
    expect(target.tag).to.equal('html');
    expect(target.hierarchy).to.equal('html');
  });

  it('attributes: names the data-heap-event of the element or its nearest ancestor, and leaves out other data-heap-* markup', () => {
    const root = mount('<div data-heap-event="Outer"><section data-heap-event="Signup" data-heap-prop-plan="pro"><span id="t">Go</span></section></div>');
    expect(describeClick($(root, '#t')).attributes).to.deep.equal({ 'data-heap-event': 'Signup' });
  });

  it('hierarchy: three classes a level, ids and classes cut, and at most 1000 characters in all', () => {
    const long = 'c'.repeat(60);
    const root = mount(`${`<div id="${'d'.repeat(70)}" class="${long} ${long} ${long} a4">`.repeat(12)}<b id="${'i'.repeat(100)}" class="x y">t</b>${'</div>'.repeat(12)}`);
    const hierarchy = describeClick($(root, 'b')).hierarchy!;
    const levels = hierarchy.split(' > ');
    expect(levels.at(-1)).to.equal(`b#${'i'.repeat(64)}.x.y`);
    const div = `div#${'d'.repeat(64)}${`.${'c'.repeat(40)}`.repeat(3)}`;
    expect(levels.slice(0, -1)).to.deep.equal(Array(levels.length - 1).fill(div));
    // Twelve such levels would take some 2,300 characters: the outermost were dropped.
    expect(hierarchy.length).to.be.at.most(MAX_HIERARCHY);
    expect(levels.length).to.equal(Math.floor((MAX_HIERARCHY - levels.at(-1)!.length) / (div.length + 3)) + 1);
  });

  it('hierarchy: ids and classes of SVG elements too', () => {
    const root = mount('<svg id="logo" class="brand"><rect id="t" class="mark"></rect></svg>');
    const target = describeClick($(root, '#t'));
    expect([target.id, target.classes, target.hierarchy]).to.deep.equal(['t', 'mark', 'body > div#ac-root > svg#logo.brand > rect#t.mark']);
  });

  it('hierarchy: a form named by its id even when a field inside it is named "id"', () => {
    const root = mount('<form id="checkout"><input name="id"><button id="t">Pay</button></form>');
    const target = describeClick($(root, 'form'));
    expect([target.id, describeClick($(root, '#t')).hierarchy]).to.deep.equal(['checkout', 'body > div#ac-root > form#checkout > button#t']);
  });

  it('hierarchy: steps through nested open shadow roots with >>>', () => {
    const root = mount('<outer-el id="o"></outer-el>');
    const outer = $(root, '#o').attachShadow({ mode: 'open' });
    outer.innerHTML = '<div class="frame"><inner-el id="i"></inner-el></div>';
    const inner = $(outer, '#i').attachShadow({ mode: 'open' });
    inner.innerHTML = '<button class="b">Go</button>';
    expect(describeClick($(inner, 'button')).hierarchy).to.equal('body > div#ac-root > outer-el#o >>> div.frame > inner-el#i >>> button.b');
  });

  it('markup around a slot in a shadow root applies to what is slotted there: redaction, the link, heap-ignore', () => {
    const root = mount('<user-chip><span id="t" data-user="alice">Alice</span></user-chip><quiet-box><b id="i">Bob</b></quiet-box>');
    $(root, 'user-chip').attachShadow({ mode: 'open' }).innerHTML = '<a href="/u" data-heap-redact-text data-heap-redact-attributes="data-user"><slot></slot></a>';
    $(root, 'quiet-box').attachShadow({ mode: 'open' }).innerHTML = '<div heap-ignore><slot></slot></div>';
    const target = describeClick($(root, '#t'));
    expect([target.text, target.attributes, target.href, describeTarget($(root, '#i'))]).to.deep.equal(['****', undefined, '/u', undefined]);
  });

  it('markup anywhere up the tree, past elements that only look like it (a role, contenteditable="false"), in either walk', () => {
    const root = mount(`<main role="main" data-heap-redact-attributes="class, Data-User" class="page"><div contenteditable="false" data-heap-event="Outer">
      <a href="/far"><nav role="navigation" data-heap-redact-text><section data-heap-event="Near"><span role="note" id="t" class="c" data-user="u" data-kind="k">Hi</span>
      </section></nav></a></div><div class="heap-ignore"><p><b id="i">Bob</b></p></div><div contenteditable><p><i id="e">typed</i></p></div></main>`);
    const target = describeClick($(root, '#t'));
    expect([target.text, target.classes, target.href, target.attributes, target.hierarchy]).to.deep.equal([
      '****',
      undefined,
      '/far',
      { role: 'note', 'data-kind': 'k', 'data-heap-event': 'Near' },
      'body > div#ac-root > main > div > a > nav > section > span#t',
    ]);
    expect([describeTarget($(root, '#i')), readTarget($(root, '#i'), null, true, true), describeClick($(root, '#e')).text]).to.deep.equal([undefined, null, undefined]);
  });

  it('redaction markup on the host applies inside its shadow root', () => {
    const root = mount('<profile-card id="p" data-heap-redact-text data-heap-redact-attributes="data-user"></profile-card>');
    const shadow = $(root, '#p').attachShadow({ mode: 'open' });
    shadow.innerHTML = '<button data-user="alice" data-kind="x">Alice</button>';
    const target = describeClick($(shadow, 'button'));
    expect([target.text, target.attributes]).to.deep.equal(['****', { 'data-kind': 'x' }]);
  });
});
