import { expect } from '@open-wc/testing';
import { resetMouse, sendMouse } from '@web/test-runner-commands';
import { captureConsole, cleanUp, requestLog, startRuntime, uniqueEnv, waitForEvents } from '../test/collector.ts';
import { mount, settled, tick, tracks, unmount } from '../test/markup.ts';
import { triggersOf } from './markup-triggers.ts';
import { resetWarnings } from './warn.ts';

const quiet = { disablePageviewAutocapture: true, disableAutocapture: true };
const change = (el: Element | null) => el!.dispatchEvent(new Event('change', { bubbles: true }));
const click = (el: Element | null) => (el as HTMLElement).click();

interface Row {
  what: string;
  markup: string;
  act(root: HTMLElement): void;
  sent: string[];
}

// Every form in these rows cancels its own submit, as a single-page app does.
const rows: Row[] = [
  { what: 'a button sends on click', markup: `<button data-heap-event="A">a</button>`, act: (r) => click(r.querySelector('button')), sent: ['A'] },
  { what: 'a link sends on click', markup: `<a href="#top" data-heap-event="A" onclick="return false">a</a>`, act: (r) => click(r.querySelector('a')), sent: ['A'] },
  { what: 'a form sends on submit, not on click', markup: `<form data-heap-event="F" onsubmit="return false"><button>go</button></form>`, act: (r) => { click(r.querySelector('form')); click(r.querySelector('button')); }, sent: ['F'] },
  { what: 'a text input sends on change, not on click', markup: `<input data-heap-event="I">`, act: (r) => { click(r.querySelector('input')); change(r.querySelector('input')); }, sent: ['I'] },
  { what: 'a checkbox sends on change when clicked', markup: `<input type="checkbox" data-heap-event="C">`, act: (r) => click(r.querySelector('input')), sent: ['C'] },
  { what: 'a submit input sends on click', markup: `<form onsubmit="return false"><input type="submit" data-heap-event="S"></form>`, act: (r) => click(r.querySelector('input')), sent: ['S'] },
  { what: 'a select sends on change', markup: `<select data-heap-event="P"><option>a</option></select>`, act: (r) => { click(r.querySelector('select')); change(r.querySelector('select')); }, sent: ['P'] },
  { what: 'a textarea sends on change', markup: `<textarea data-heap-event="T"></textarea>`, act: (r) => change(r.querySelector('textarea')), sent: ['T'] },
  { what: 'data-heap-trigger overrides the default', markup: `<button data-heap-event="B" data-heap-trigger="change">b</button><input data-heap-event="I" data-heap-trigger="click">`, act: (r) => { click(r.querySelector('button')); click(r.querySelector('input')); change(r.querySelector('input')); }, sent: ['I'] },
  { what: 'an ancestor with trigger change hears the fields inside it', markup: `<fieldset data-heap-event="Prefs" data-heap-trigger="change"><input type="radio" name="r"><select><option>x</option></select></fieldset>`, act: (r) => { click(r.querySelector('input')); change(r.querySelector('select')); click(r.querySelector('fieldset')); }, sent: ['Prefs', 'Prefs'] },
  { what: 'a change inside a label is no forwarded click: it sends', markup: `<fieldset data-heap-event="Prefs" data-heap-trigger="change"><label for="other"><select><option>x</option></select></label><input id="other"></fieldset>`, act: (r) => change(r.querySelector('select')), sent: ['Prefs'] },
  { what: 'a click inside a labelled button is one press (the label forwards nothing): it sends', markup: `<div data-heap-event="Go"><label><button type="button">go <b>now</b></button></label></div>`, act: (r) => click(r.querySelector('b')), sent: ['Go'] },
  { what: 'an annotated label counts a click on its text once (the browser forwards it to its field)', markup: `<label data-heap-event="Agree"><b>I agree</b> <input type="checkbox"></label>`, act: (r) => click(r.querySelector('b')), sent: ['Agree'] },
  { what: 'an annotated label whose click the page cancels (a custom toggle) sends: the browser forwards nothing', markup: `<label data-heap-event="Toggle" onclick="event.preventDefault()"><input type="checkbox"> <b>on</b></label>`, act: (r) => click(r.querySelector('b')), sent: ['Toggle'] },
  { what: 'an annotated label around a field of a disabled fieldset sends: the browser forwards nothing', markup: `<fieldset disabled><label data-heap-event="Locked"><input type="checkbox"> <b>off</b></label></fieldset>`, act: (r) => click(r.querySelector('b')), sent: ['Locked'] },
  { what: 'a link inside an annotated label sends the label\'s event: the browser forwards no click on a link', markup: `<label data-heap-event="Terms"><input type="checkbox"> I agree to the <a href="#terms" onclick="return false">terms</a></label>`, act: (r) => click(r.querySelector('a')), sent: ['Terms'] },
  { what: 'a click dispatched on a text node sends from the element around it', markup: `<p data-heap-event="T">text</p>`, act: (r) => r.querySelector('p')!.firstChild!.dispatchEvent(new MouseEvent('click', { bubbles: true })), sent: ['T'] },
  { what: 'a script clicking a label, then its field, in one task makes two presses: only the click the browser forwards is left out', markup: `<div data-heap-event="Panel"><label for="x">Agree</label><input type="checkbox" id="x"></div>`, act: (r) => { click(r.querySelector('label')); click(r.querySelector('input')); }, sent: ['Panel', 'Panel'] },
  { what: 'a script clicking a label whose click the page cancels, then its field, in one task makes two presses: nothing was forwarded', markup: `<div data-heap-event="Panel"><label for="x" onclick="event.preventDefault()">Agree</label><input type="checkbox" id="x"></div>`, act: (r) => { click(r.querySelector('label')); click(r.querySelector('input')); }, sent: ['Panel', 'Panel'] },
  { what: 'an annotated element inside a label counts a click on it once (the browser forwards it to the field inside)', markup: `<label><span data-heap-event="Wrap">tick <input type="checkbox"></span></label>`, act: (r) => click(r.querySelector('span')), sent: ['Wrap'] },
  { what: 'a card whose handler clicks the link inside it sends once: the two clicks are one press', markup: `<div data-heap-event="Card" onclick="event.target.localName == 'a' || this.querySelector('a').click()"><p>story</p><a href="#story" onclick="return false">more</a></div>`, act: (r) => { click(r.querySelector('p')); click(r.querySelector('a')); }, sent: ['Card', 'Card'] },
  { what: 'a styled button passing its click on to an annotated file input sends the input\'s event: the press sent nothing else', markup: `<button type="button" onclick="this.nextElementSibling.click()">Upload</button><input type="file" hidden onclick="return false" data-heap-event="Upload" data-heap-trigger="click">`, act: (r) => click(r.querySelector('button')), sent: ['Upload'] },
  { what: 'a submit button can carry the submit event of its form', markup: `<form onsubmit="return false"><button data-heap-event="Subscribe" data-heap-trigger="submit">go</button></form>`, act: (r) => click(r.querySelector('button')), sent: ['Subscribe'] },
  { what: 'a click in a form whose fields are named like element methods sends', markup: `<form onsubmit="return false"><input name="matches"><input name="type" value="submit"><span data-heap-event="M">m</span></form>`, act: (r) => click(r.querySelector('span')), sent: ['M'] },
  { what: 'a click on an element whose data-heap-event a template left empty sends the event of the annotated element around it', markup: `<div data-heap-event="Card"><button data-heap-event=" ">Buy</button></div><form data-heap-event="Signup" onsubmit="return false"><button data-heap-event="" data-heap-trigger="submit">go</button></form>`, act: (r) => { click(r.querySelector('div button')); click(r.querySelector('form button')); }, sent: ['Card', 'Signup'] },
  { what: 'a load element sends as it appears', markup: `<meta data-heap-event="Loaded" data-heap-trigger="load"><div data-heap-event="Both" data-heap-trigger="load, click">x</div>`, act: (r) => click(r.querySelector('div')), sent: ['Loaded', 'Both', 'Both'] },
];

/** Resolves when the iframe has loaded its next document. */
const navigated = (frame: HTMLIFrameElement) => new Promise<void>((resolve) => frame.addEventListener('load', () => resolve(), { once: true }));

/** Opens the navigation fixture in an iframe for `envId` and resolves once its tracker is ready. */
async function openFixture(envId: string): Promise<HTMLIFrameElement> {
  const frame = document.createElement('iframe');
  const ready = new Promise<void>((resolve) => {
    const onMessage = (e: MessageEvent) => {
      if (e.data?.type !== 'markup-ready' || e.data.env !== envId) return;
      removeEventListener('message', onMessage);
      resolve();
    };
    addEventListener('message', onMessage);
  });
  const loaded = navigated(frame);
  frame.src = `/test/fixtures/markup-navigation.html?env=${encodeURIComponent(envId)}`;
  mount('').append(frame);
  await Promise.all([ready, loaded]);
  return frame;
}

describe('markup triggers', () => {
  const frameEnvs: string[] = [];
  afterEach(() => {
    unmount();
    cleanUp();
    // The fixture's runtime lived in the iframe; forget what it stored in this origin.
    for (const envId of frameEnvs.splice(0)) {
      for (const key of Object.keys(localStorage)) if (key.startsWith(`hpa_${envId}`)) localStorage.removeItem(key);
      for (const part of document.cookie.split('; ')) {
        const name = part.split('=')[0]!;
        if (name.startsWith(`hpa_${envId}`)) document.cookie = `${name}=; path=/; max-age=0`;
      }
    }
  });

  rows.forEach((row, i) => {
    it(row.what, async () => {
      const heap = startRuntime(`trigger${i}`, quiet);
      const root = mount(row.markup);
      await heap.ready;
      row.act(root);
      expect(tracks(await settled(heap)).map(([name]) => name)).to.deep.equal(row.sent);
    });
  });

  it('two trackers on the page each count a press on an annotated label once, the forwarded click left out by both', async () => {
    const heaps = [startRuntime('labelTwo', quiet), startRuntime('labelTwo', quiet)];
    const root = mount(`<label data-heap-event="Agree"><input type="checkbox"> <b>I agree</b></label>`);
    await Promise.all(heaps.map((heap) => heap.ready));
    click(root.querySelector('b'));
    // A click of its own on the field, in a later task, is no forwarded one.
    await tick();
    click(root.querySelector('input'));
    for (const heap of heaps) expect(tracks(await settled(heap)).map(([name]) => name)).to.deep.equal(['Agree', 'Agree']);
  });

  it('a middle click on an annotated link (opening it in a new tab) sends its event; one on an annotated button does nothing and sends nothing', async () => {
    const heap = startRuntime('middle', quiet);
    const root = mount(`<a href="/guide.pdf" data-heap-event="Download guide" style="font-size:30px">Guide</a> <button data-heap-event="Menu" style="font-size:30px">Menu</button>`);
    // No new tab in the test browser: the page may cancel it, after the tracker has heard the press.
    root.addEventListener('auxclick', (e) => e.preventDefault());
    await heap.ready;
    for (const el of [root.querySelector('a')!, root.querySelector('button')!]) {
      const box = el.getBoundingClientRect();
      await sendMouse({ type: 'move', position: [Math.round(box.x + 5), Math.round(box.y + 5)] });
      await sendMouse({ type: 'down', button: 'middle' });
      await sendMouse({ type: 'up', button: 'middle' });
    }
    await resetMouse();
    expect(tracks(await settled(heap)).map(([name]) => name)).to.deep.equal(['Download guide']);
  });

  it('a middle click on an annotated SVG link written with xlink:href (a chart exported from a drawing tool) sends its event, as on an HTML link', async () => {
    const heap = startRuntime('middleSvg', quiet);
    const root = mount(`<svg width="60" height="30"><a xlink:href="/chart.pdf" data-heap-event="Chart opened"><rect width="60" height="30" /></a></svg>`);
    root.addEventListener('auxclick', (e) => e.preventDefault());
    await heap.ready;
    const box = root.querySelector('rect')!.getBoundingClientRect();
    await sendMouse({ type: 'move', position: [Math.round(box.x + 5), Math.round(box.y + 5)] });
    await sendMouse({ type: 'down', button: 'middle' });
    await sendMouse({ type: 'up', button: 'middle' });
    await resetMouse();
    expect(tracks(await settled(heap)).map(([name]) => name)).to.deep.equal(['Chart opened']);
  });

  it('a change or submit inside a shadow root is sent by an annotated element around its host (the event stops at the root)', async () => {
    const heap = startRuntime('shadowOuter', quiet);
    const root = mount(`<section data-heap-event="Outer change" data-heap-trigger="change"><div id="wrap" data-heap-event="Outer submit" data-heap-trigger="submit"></div></section>`);
    await heap.ready;
    const host = document.createElement('div');
    const shadow = host.attachShadow({ mode: 'open' });
    shadow.innerHTML = '<form onsubmit="return false"><select><option>x</option></select><button>go</button></form>';
    root.querySelector('#wrap')!.append(host);
    await tick();
    change(shadow.querySelector('select'));
    click(shadow.querySelector('button'));
    expect(tracks(await settled(heap)).map(([name]) => name)).to.deep.equal(['Outer change', 'Outer submit']);
  });

  it('delivers the event of a link click that navigates the page away', async () => {
    const envId = uniqueEnv('navlink');
    frameEnvs.push(envId);
    const frame = await openFixture(envId);
    const away = navigated(frame);
    click(frame.contentDocument!.querySelector('#link'));
    await away;
    expect(frame.contentDocument!.title).to.equal('blank fixture');
    const [event] = await waitForEvents(envId, 1, { name: 'Leave by link' });
    expect(event!.properties).to.deep.equal({ via: 'link' });
    expect(event!.target).to.deep.equal({ tag: 'a', id: 'link' });
  });

  it('delivers the event of a card whose handler follows the link inside it, once', async () => {
    const envId = uniqueEnv('navcard');
    frameEnvs.push(envId);
    const frame = await openFixture(envId);
    const away = navigated(frame);
    click(frame.contentDocument!.querySelector('#teaser'));
    await away;
    expect(frame.contentDocument!.title).to.equal('blank fixture');
    // Both clicks were captured in the page's last task: a second event would have left in the same request.
    expect((await waitForEvents(envId, 1, { name: 'Leave by card' })).length).to.equal(1);
  });

  it('delivers the event of a form submit that loads the next page, without the typed value', async () => {
    const envId = uniqueEnv('navform');
    frameEnvs.push(envId);
    const frame = await openFixture(envId);
    const doc = frame.contentDocument!;
    (doc.querySelector('#email') as HTMLInputElement).value = 'typed-secret-nav@example.com';
    const away = navigated(frame);
    click(doc.querySelector('#submit'));
    await away;
    expect(frame.contentWindow!.location.search).to.include('typed-secret-nav');
    const [event] = await waitForEvents(envId, 1, { name: 'Leave by form' });
    expect(event!.properties).to.deep.equal({ via: 'form' });
    const bodies = (await requestLog(envId)).map((r) => r.body).join('\n');
    expect(bodies).to.include('Leave by form').and.not.include('typed-secret-nav');
  });

  it('warns of an unknown trigger quoting the attribute and the word, each cut to 40 characters, and keeps the known ones', async () => {
    resetWarnings();
    const word = 'x'.repeat(50);
    const el = mount(`<div data-heap-event="A" data-heap-trigger="view ${word}">a</div>`).firstElementChild!;
    const { result, warnings } = await captureConsole(() => triggersOf(el));
    expect(result).to.deep.equal(['view']);
    expect(warnings).to.have.length(1);
    expect(warnings[0])
      .to.include('markup-trigger-invalid')
      .and.include(`data-heap-trigger="view ${'x'.repeat(35)}..."`)
      .and.include(`unknown trigger "${'x'.repeat(40)}..."`);
  });
});
