import { expect } from '@open-wc/testing';
import { cleanUp, ENDPOINT, keyPrefix, requestLog, sleep, startRuntime, uniqueEnv, waitForEvents } from '../test/collector.ts';
import { $, allBodies, clickOn, keepPage, mount, settle, settledOfType, typeInto, unmountAll } from '../test/autocapture-fixtures.ts';
import { defineHeapAnalytics } from '../components/heap-analytics-define.ts';
import type { HeapAnalyticsElement } from '../components/heap-analytics.ts';

/** Cookie and storage keys the runtime wrote for `envId`. */
function traces(envId: string): string[] {
  const prefix = keyPrefix(envId);
  return [
    ...document.cookie.split('; ').filter((part) => part.startsWith(prefix)),
    ...Object.keys(localStorage).filter((key) => key.startsWith(prefix)),
    ...Object.keys(sessionStorage).filter((key) => key.startsWith(prefix)),
  ];
}

describe('privacy promises', () => {
  const original = location.href;
  afterEach(() => {
    cleanUp();
    unmountAll();
    history.replaceState(null, '', original);
  });

  it('an email or card number in the URL path is scrubbed from page.path too', async () => {
    history.replaceState(null, '', '/users/alice@example.com/cards/4111111111111111');
    const heap = startRuntime('path', { disablePageviewAutocapture: true });
    heap.trackPageview();
    const [pageview] = (await settle(heap)).filter((e) => e.type === 'pageview');
    expect(pageview!.page!.url).to.not.include('alice');
    expect(await allBodies(heap.envId)).to.not.match(/alice@|4111111111111111/);
  });

  it('text of a clicked control holding fields: only the page-written words', async () => {
    const heap = startRuntime('fields');
    const root = mount(`<button id="b">Go <input value="typed1"><textarea>typed2</textarea><select><option selected>typed3</option></select>
      <span contenteditable>typed4</span><span contenteditable="plaintext-only">typed5</span><output>typed6</output></button>
      <label id="l">Name <input id="f"></label>`);
    keepPage(root);
    typeInto($(root, '#f'), 'typed7');
    $(root, '#b').click();
    $(root, '#l').click();
    await settle(heap);
    expect(await allBodies(heap.envId)).to.not.match(/typed[1-7]/);
  });

  it('redaction on an ancestor inside a shadow root, and heap-ignore there', async () => {
    const heap = startRuntime('shadowredact');
    const host = mount('<probe-card></probe-card>').firstElementChild!;
    host.attachShadow({ mode: 'open' }).innerHTML = '<div data-heap-redact-text><button id="r" title="Alice">Alice Smith</button></div><div heap-ignore><button id="i">Bob</button></div>';
    clickOn(host.shadowRoot!.querySelector('#r')!);
    clickOn(host.shadowRoot!.querySelector('#i')!);
    await settle(heap);
    expect(await allBodies(heap.envId)).to.not.match(/Alice|Bob/);
  });

  it('text slotted into an editable region of a shadow root: never read, wherever the click lands', async () => {
    const heap = startRuntime('sloteditable');
    const root = mount(`<div id="c" data-heap-event="Edit"><edit-box id="h"><p id="p">zztyped1 <b id="b">zztyped2</b></p></edit-box>
      <edit-frame id="f"><span id="s">zztyped3</span></edit-frame></div>`);
    keepPage(root);
    // The region is editable in the shadow root; what the visitor types lands in the light DOM children shown there.
    $(root, '#h').attachShadow({ mode: 'open' }).innerHTML = '<div contenteditable><slot></slot></div>';
    // Slotted twice: through a slot of another element's shadow root into its editable region.
    const frame = $(root, '#f').attachShadow({ mode: 'open' });
    frame.innerHTML = '<edit-box><slot></slot></edit-box>';
    $(frame, 'edit-box').attachShadow({ mode: 'open' }).innerHTML = '<section contenteditable="plaintext-only"><slot></slot></section>';
    for (const el of [$(root, '#b'), $(root, '#p'), $(root, '#h'), $(root, '#s'), $(root, '#f'), $(root, '#c')]) clickOn(el);
    await settle(heap);
    expect(await allBodies(heap.envId)).to.not.match(/zztyped/);
  });

  it('an editable host slotting its text, and fields or editable regions inside shadow roots: never read from a container', async () => {
    const heap = startRuntime('shadowfields');
    const root = mount(`<div id="c"><edit-host id="h" contenteditable><span id="s">zztyped1</span></edit-host><field-box id="f"></field-box></div>`);
    keepPage(root);
    $(root, '#h').attachShadow({ mode: 'open' }).innerHTML = '<slot></slot>';
    $(root, '#f').attachShadow({ mode: 'open' }).innerHTML = '<p>Page words</p><textarea>zztyped2</textarea><div contenteditable>zztyped3</div><input value="zztyped4">';
    for (const el of [$(root, '#s'), $(root, '#h'), $(root, '#f'), $(root, '#c')]) clickOn(el);
    await settle(heap);
    expect(await allBodies(heap.envId)).to.not.match(/zztyped/);
  });

  it('what the visitor wrote into a rich-text editor (links, images, mentions) is never sent, whatever is clicked there', async () => {
    const heap = startRuntime('editorattrs');
    // As an editor leaves the visitor's content: a pasted link (title mirroring it), an image with its alt, a mention.
    const root = mount(`<div id="ed" contenteditable aria-label="Message" data-editor="rich"><p>See <a id="a" href="https://zztyped1.example/doc?key=zzsecret" title="zztyped2">zztyped3</a>
      <img id="i" alt="zztyped4" src="data:,"> <span id="m" data-type="mention" data-label="zztyped5">@zztyped6</span></p></div>`);
    keepPage(root);
    for (const el of [$(root, '#a'), $(root, '#i'), $(root, '#m'), $(root, '#ed')]) clickOn(el);
    const clicks = await settledOfType(heap, 'click');
    expect(await allBodies(heap.envId)).to.not.match(/zztyped|zzsecret/);
    // The region itself is the page's: named as written.
    expect(clicks.map((c) => c.target!.attributes)).to.deep.equal([undefined, undefined, undefined, { 'aria-label': 'Message', 'data-editor': 'rich' }]);
  });

  it('the name of a chosen file, written into the label of its file input by the page, is never sent', async () => {
    const heap = startRuntime('filelabel');
    // Bootstrap 4's custom file input, a hidden input with a styled label, and an input inside its label.
    const root = mount(`<div class="custom-file"><input type="file" class="custom-file-input" id="f1"><label id="l1" class="custom-file-label" for="f1">Choose file</label></div>
      <input type="file" id="f2" hidden><label id="l2" for="f2"><i id="icon" class="icon"></i> <span id="name">Choose file</span></label>
      <label id="l3"><input type="file" hidden> <span>Choose file</span></label>`);
    // As bs-custom-file-input and hand-written scripts do on change (the picker is not opened here).
    for (const label of root.querySelectorAll('label')) label.lastElementChild ? (label.lastElementChild.textContent = 'Passport-Jane-Doe.pdf') : (label.textContent = 'Passport-Jane-Doe.pdf');
    root.addEventListener('click', (e) => (e.target as HTMLInputElement).type === 'file' && e.preventDefault());
    for (const id of ['#l1', '#l2', '#icon', '#name', '#l3', '#f1']) $(root, id).click();
    const clicks = await settledOfType(heap, 'click');
    // Each press recorded once (not again for the click forwarded to the input), with no file name.
    expect(clicks.map((c) => c.target!.tag)).to.deep.equal(['label', 'label', 'i', 'span', 'label', 'input']);
    expect(await allBodies(heap.envId)).to.not.include('Passport');
  });

  it('the name of a chosen file in the label of its file input is not read as the text of a form or card clicked around it', async () => {
    const heap = startRuntime('filelabelaround');
    // Bulma's file input (the name beside the button, inside the label) in an upload form, and Bootstrap 4's in a card.
    const root = mount(`<form id="f"><h3>Proof of identity</h3><div class="file has-name"><label class="file-label"><input class="file-input" type="file">
      <span class="file-cta">Choose a file</span> <span class="file-name">Passport-Jane-Doe.pdf</span></label></div><button type="button">Upload</button></form>
      <div id="card" class="card"><p>Signed contract</p><div class="custom-file"><input type="file" id="f2"><label for="f2" class="custom-file-label">Contract-Jane-Doe.pdf</label></div></div>`);
    keepPage(root);
    // A click on the form's padding, between its fields, and on the card around the field.
    for (const id of ['#f', '#card']) clickOn($(root, id));
    const clicks = await settledOfType(heap, 'click');
    expect(await allBodies(heap.envId)).to.not.include('Jane-Doe');
    // The page's own words around the field are still read.
    expect(clicks.map((c) => c.target!.text)).to.deep.equal(['Proof of identity Upload', 'Signed contract']);
  });

  it('the chosen option or typed tag a custom select writes into its own title (Select2, bootstrap-select) is never sent', async () => {
    const heap = startRuntime('fieldtitle');
    // As Select2 (tags on: the visitor typed the value) and bootstrap-select render the choice, text and tooltip.
    const root = mount(`<span class="select2-selection" role="combobox" aria-haspopup="true"><span id="s2" class="select2-selection__rendered" role="textbox" aria-readonly="true">zztyped1</span></span>
      <button id="bs" type="button" class="dropdown-toggle" role="combobox" aria-haspopup="listbox"><div class="filter-option">zztyped2</div></button>
      <textarea id="ta" placeholder="Your message"></textarea>`);
    keepPage(root);
    $(root, '#s2').title = 'zztyped1';
    $(root, '#bs').title = 'zztyped2';
    typeInto($(root, '#ta'), 'zztyped3');
    $(root, '#ta').title = 'zztyped3';
    for (const id of ['#s2', '#bs', '#ta']) clickOn($(root, id));
    const clicks = await settledOfType(heap, 'click');
    expect(await allBodies(heap.envId)).to.not.include('zztyped');
    // The rest the page wrote on the fields still goes.
    expect(clicks.map((c) => c.target!.attributes)).to.deep.equal([{ role: 'textbox' }, { type: 'button', role: 'combobox' }, { placeholder: 'Your message' }]);
  });

  it('a custom field whose role or aria-haspopup is written with a space, in capitals or after a fallback role: its text never sent', async () => {
    const heap = startRuntime('rolespelling');
    // Templates leave a trailing space (role="textbox {{extra}}"); browsers read role tokens, and compare them in any case.
    const root = mount(`<div id="c"><div role="textbox " id="a">zztyped1</div><div role="TextBox" id="b">zztyped2</div>
      <span role="spinbutton " id="d">zztyped3</span><div role="presentation combobox" id="e">zztyped4</div><button aria-haspopup="ListBox" id="f">zztyped5</button>
      <div role="menuitemcheckbox" id="g">Show grid</div></div>`);
    keepPage(root);
    for (const id of ['#a', '#b', '#d', '#e', '#f', '#c', '#g']) clickOn($(root, id));
    const clicks = await settledOfType(heap, 'click');
    expect(await allBodies(heap.envId)).to.not.include('zztyped');
    // A menu item's checkbox is named by its label, as a checkbox is.
    expect(clicks.map((c) => c.target!.text)).to.deep.equal([undefined, undefined, undefined, undefined, undefined, 'Show grid', 'Show grid']);
  });

  it('a button input that is a custom select, or sits in one or in an editable region, sends no chosen or written value as text', async () => {
    const heap = startRuntime('inputinfield');
    // A select replacement whose toggle is a button input showing the choice, one inside a combobox, and an image
    // button the visitor's content holds in an editor.
    const root = mount(`<input type="button" id="a" aria-haspopup="listbox" value="zzchosen1"><div role="combobox"><input type="button" id="b" value="zzchosen2"></div>
      <div contenteditable><input type="image" id="c" alt="zzwritten" src="data:,"></div><input type="submit" id="d" value="Send">`);
    keepPage(root);
    for (const id of ['#a', '#b', '#c', '#d']) clickOn($(root, id));
    const clicks = await settledOfType(heap, 'click');
    expect(await allBodies(heap.envId)).to.not.include('zzchosen').and.not.include('zzwritten');
    // A button input the page labelled is still named by its value.
    expect(clicks.map((c) => c.target!.text)).to.deep.equal([undefined, undefined, undefined, 'Send']);
  });

  it('change and submit of forms with typed values send no value; data-heap-event on a field neither', async () => {
    const heap = startRuntime('forms');
    const root = mount(`<form id="f"><input name="q" data-heap-event="Query"><textarea name="t"></textarea><select name="s"><option>a</option><option>zzsel</option></select><button>Send</button></form>`);
    keepPage(root);
    typeInto($(root, 'input'), 'zzinput alice@example.com');
    typeInto($(root, 'textarea'), 'zztext');
    typeInto($(root, 'select'), 'zzsel');
    $(root, 'button').click();
    $(root, 'input').click();
    await settle(heap);
    // The typed words themselves: the random env id in every body may hold "zz" (t-forms-dtzz3l48 failed a run).
    expect(await allBodies(heap.envId)).to.not.match(/zzinput|zztext|zzsel|alice/);
  });

  it('pending, then denied, then granted: what was held while pending is never sent', async () => {
    const heap = startRuntime('pdg', { consent: 'pending', disablePageviewAutocapture: true });
    heap.track('held');
    const root = mount('<button id="b">Buy</button>');
    $(root, '#b').click();
    heap.setConsent('denied');
    heap.setConsent('granted');
    heap.track('after');
    await sleep(400);
    const bodies = await allBodies(heap.envId);
    expect(bodies).to.include('after');
    expect(bodies).to.not.match(/held|Buy/);
  });

  it('denied at boot: no cookie, no storage key, no request', async () => {
    const envId = uniqueEnv('deniedboot');
    const heap = startRuntime('deniedboot', { consent: 'denied' }, envId);
    heap.track('x');
    heap.identify('alice');
    heap.addEventProperties({ a: 1 });
    $(mount('<button>Go</button>'), 'button').click();
    await sleep(300);
    expect(traces(envId)).to.deep.equal([]);
    expect(await requestLog(envId)).to.deep.equal([]);
  });

  it('respect-gpc="1" (or ="on") on the element honours a GPC signal: pending until the consent attribute grants', async () => {
    defineHeapAnalytics();
    Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { configurable: true, get: () => true });
    const made: HeapAnalyticsElement[] = [];
    try {
      for (const value of ['', '1', 'on']) {
        const el = document.createElement('heap-analytics') as HeapAnalyticsElement;
        for (const [k, v] of [['env-id', uniqueEnv('gpc')], ['endpoint', ENDPOINT], ['respect-gpc', value]]) el.setAttribute(k, v!);
        document.body.append(el);
        made.push(el);
      }
      expect(made.map((el) => el.getConsent())).to.deep.equal(['pending', 'pending', 'pending']);
      // The consent tool's answer, written into the markup.
      made[0]!.setAttribute('consent', 'granted');
      expect(made[0]!.getConsent()).to.equal('granted');
    } finally {
      delete (Navigator.prototype as { globalPrivacyControl?: boolean }).globalPrivacyControl;
      for (const el of made) el.remove();
    }
  });

  it('SVG: text with an email scrubbed, redaction on an svg ancestor, mixed-case data attributes redacted', async () => {
    const heap = startRuntime('svg');
    const root = mount(`<a href="/x"><svg><text id="t">mail alice@example.com</text></svg></a>
      <svg data-heap-redact-text><text id="r">Bob Secret</text></svg>
      <div data-heap-redact-attributes="data-secret"><svg><rect id="c" width="9" height="9"/></svg></div>`);
    keepPage(root);
    $(root, '#c').setAttribute('data-Secret', 'Carol');
    for (const id of ['#t', '#r', '#c']) clickOn($(root, id));
    await settle(heap);
    expect(await allBodies(heap.envId)).to.not.match(/alice@|Bob|Carol/);
  });

  it('pending then granted, pending and granted again: what was held is sent once', async () => {
    const heap = startRuntime('once', { consent: 'pending', disablePageviewAutocapture: true });
    heap.track('held');
    heap.setConsent('granted');
    heap.setConsent('pending');
    heap.setConsent('granted');
    heap.setConsent('denied');
    heap.setConsent('granted');
    await settle(heap);
    const events = (await requestLog(heap.envId)).flatMap((r) => JSON.parse(r.body).events as { name?: string }[]);
    expect(events.filter((e) => e.name === 'held').length).to.be.at.most(1);
  });

  it('a click captured, then denied in the same task while pending: nothing sent after a later grant', async () => {
    const heap = startRuntime('microtask', { consent: 'pending', disablePageviewAutocapture: true });
    const root = mount('<button id="b">zzclick</button>');
    root.addEventListener('click', () => heap.setConsent('denied'));
    $(root, '#b').click();
    await Promise.resolve();
    heap.setConsent('granted');
    await settle(heap);
    expect(await allBodies(heap.envId)).to.not.include('zzclick');
  });

  it('a card number a GET form put in the query (spaces as + or %20) is scrubbed', async () => {
    history.replaceState(null, '', '?cc=4111+1111+1111+1111&c2=4111%201111%201111%201111');
    const heap = startRuntime('query', { disablePageviewAutocapture: true });
    heap.trackPageview();
    await settle(heap);
    expect(await allBodies(heap.envId)).to.not.match(/4111[+%]/);
  });

  /** A connected <heap-analytics> of its own env id, consent pending, no boot pageview, delivering within 20 ms. */
  function connectPendingElement(name: string): [string, HeapAnalyticsElement] {
    defineHeapAnalytics();
    const envId = uniqueEnv(name);
    const el = document.createElement('heap-analytics') as HeapAnalyticsElement;
    for (const [k, v] of [['env-id', envId], ['endpoint', ENDPOINT], ['flush-interval', '20'], ['consent', 'pending'], ['disable-pageview-autocapture', '']]) el.setAttribute(k!, v!);
    document.body.append(el);
    return [envId, el];
  }

  it('a <heap-analytics> moved after the page granted consent through the API keeps that consent (its attribute did not change)', async () => {
    const [envId, el] = connectPendingElement('moved');
    el.setConsent('granted');
    // A framework moves the element: nothing about consent changed.
    el.remove();
    document.body.append(el);
    try {
      expect(el.getConsent()).to.equal('granted');
      el.track('After the move');
      await waitForEvents(envId, 1, { name: 'After the move' });
    } finally {
      el.remove();
    }
  });

  it('a <heap-analytics> whose consent changes while it is detached applies it when put back', async () => {
    const [envId, el] = connectPendingElement('detached');
    el.track('Held');
    // A framework moves the element, and the page's consent banner answers in between.
    el.remove();
    el.setAttribute('consent', 'denied');
    document.body.append(el);
    try {
      expect(el.getConsent()).to.equal('denied');
      el.setAttribute('consent', 'granted');
      await sleep(300);
      expect((await requestLog(envId)).map((r) => r.body).join('')).to.not.include('Held');
    } finally {
      el.remove();
    }
  });
});
