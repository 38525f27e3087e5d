import { expect } from '@open-wc/testing';
import { resetMouse, sendKeys, sendMouse } from '@web/test-runner-commands';
import { cleanUp, startRuntime } from '../test/collector.ts';
import { $, allBodies, clickOn, keepPage, mount, settle, settledOfType, typeInto, unmountAll } from '../test/autocapture-fixtures.ts';

describe('interaction autocapture', () => {
  afterEach(async () => {
    cleanUp();
    unmountAll();
    await resetMouse();
  });

  it('records a real click on an icon inside a button inside a link: the shape hit, the button text, the link href, the hierarchy', async () => {
    const heap = startRuntime('nested');
    const root = mount(`<nav id="top" class="site-nav main"><a id="buy" class="card link" href="/products/42?ref=home">
      <button class="btn primary" type="button">  Buy
        now <svg class="icon cart" width="24" height="24"><rect width="24" height="24"></rect></svg></button></a></nav>`);
    keepPage(root);
    const box = $(root, 'rect').getBoundingClientRect();
    await sendMouse({ type: 'click', position: [Math.round(box.x + box.width / 2), Math.round(box.y + box.height / 2)] });
    const clicks = await settledOfType(heap, 'click');
    expect(clicks.map((c) => c.target)).to.deep.equal([
      {
        tag: 'rect',
        text: 'Buy now',
        href: '/products/42?ref=home',
        hierarchy: 'body > div#ac-root > nav#top.site-nav.main > a#buy.card.link > button.btn.primary > svg.icon.cart > rect',
      },
    ]);
  });

  it('describes a clicked element made by another frame\'s document as itself, not as its parent', async () => {
    const heap = startRuntime('other-realm');
    const root = mount(`<div id="box"><iframe></iframe></div>`);
    const frame = $(root, 'iframe') as HTMLIFrameElement;
    // Its prototype comes from the frame's window: not an instance of this window's Element.
    const button = frame.contentDocument!.createElement('button');
    button.textContent = 'Framed';
    $(root, '#box').append(button);
    button.click();
    const [click] = await settledOfType(heap, 'click');
    expect(click!.target).to.include({ tag: 'button', text: 'Framed' });
  });

  it('describes a clicked button by tag, id, classes, own text and its useful attributes, never style or handlers', async () => {
    const heap = startRuntime('button');
    const root = mount(`<button id="save" class=" btn   btn-primary " type="button" name="save" data-step="2"
      style="color: red" onclick="void 0" aria-label="Save the draft" tabindex="0">  Save
      draft </button>`);
    $(root, 'button').click();
    const [click] = await settledOfType(heap, 'click');
    expect(click!.target).to.deep.equal({
      tag: 'button',
      id: 'save',
      classes: 'btn btn-primary',
      text: 'Save draft',
      hierarchy: 'body > div#ac-root > button#save.btn.btn-primary',
      attributes: { type: 'button', name: 'save', 'data-step': '2', 'aria-label': 'Save the draft' },
    });
  });

  it('bounds text to 64 characters without cutting a word in two, and the hierarchy to the 12 nearest elements', async () => {
    const heap = startRuntime('bounds');
    const words = Array.from({ length: 80 }, (_, i) => `word${i}`).join(' ');
    const root = mount(`${'<div class="level">'.repeat(30)}<span class="leaf">${words}</span>${'</div>'.repeat(30)}`);
    $(root, 'span.leaf').click();
    const [click] = await settledOfType(heap, 'click');
    const target = click!.target as { text: string; hierarchy: string };
    expect(target.text.length).to.be.at.most(64);
    expect(words.startsWith(target.text)).to.equal(true);
    expect(target.hierarchy.split(' > ')).to.deep.equal([...Array(11).fill('div.level'), 'span.leaf']);
  });

  it('records a form submit with the form, its attributes and the submit button text, never what the fields hold', async () => {
    const heap = startRuntime('submit');
    const root = mount(`<form id="signup" class="form" name="signup" action="/signup" method="post">
      <input id="email" name="email" type="email"><textarea name="note"></textarea>
      <button type="submit" class="go">Create account</button></form>`);
    keepPage(root);
    typeInto($(root, '#email'), 'carol.typed@example.org');
    typeInto($(root, 'textarea'), 'a note typed into the form');
    $<HTMLFormElement>(root, 'form').requestSubmit($(root, 'button'));
    const events = await settle(heap);
    expect(events.filter((e) => e.type === 'submit').map((e) => e.target)).to.deep.equal([
      {
        tag: 'form',
        id: 'signup',
        classes: 'form',
        text: 'Create account',
        hierarchy: 'body > div#ac-root > form#signup.form',
        attributes: { name: 'signup', action: '/signup', method: 'post' },
      },
    ]);
    const bodies = await allBodies(heap.envId);
    expect(bodies).to.not.include('carol.typed');
    expect(bodies).to.not.include('a note typed');
  });

  it('records which field changed after real typing, never what was typed', async () => {
    const heap = startRuntime('change');
    const root = mount(`<label for="nick">Nickname</label><input id="nick" name="nickname" type="text" placeholder="Your nickname" class="field">
      <select name="plan"><option>Free</option><option>Pro plan chosen</option></select>`);
    const input = $<HTMLInputElement>(root, '#nick');
    input.focus();
    await sendKeys({ type: 'typed-nickname-42' });
    expect(input.value).to.equal('typed-nickname-42');
    // The commit a blur would make; fired by hand because a page in a background tab gets no blur.
    input.dispatchEvent(new Event('change', { bubbles: true }));
    const select = $<HTMLSelectElement>(root, 'select');
    select.selectedIndex = 1;
    select.dispatchEvent(new Event('change', { bubbles: true }));
    const changes = await settledOfType(heap, 'change');
    expect(changes.map((c) => c.target)).to.deep.equal([
      {
        tag: 'input',
        id: 'nick',
        classes: 'field',
        hierarchy: 'body > div#ac-root > input#nick.field',
        attributes: { name: 'nickname', type: 'text', placeholder: 'Your nickname' },
      },
      { tag: 'select', hierarchy: 'body > div#ac-root > select', attributes: { name: 'plan' } },
    ]);
    const bodies = await allBodies(heap.envId);
    expect(bodies).to.not.include('typed-nickname');
    expect(bodies).to.not.include('Pro plan chosen');
  });

  it('sees into open shadow roots: the real target, its text, and the hierarchy through the host', async () => {
    const heap = startRuntime('open');
    const root = mount('<buy-widget id="w" class="widget"></buy-widget>');
    const shadow = $(root, 'buy-widget').attachShadow({ mode: 'open' });
    shadow.innerHTML = `<div class="inner"><button class="go" data-plan="pro">Go <b>pro</b></button>
      <form class="mini"><input name="coupon"><button class="apply">Apply</button></form></div>`;
    shadow.addEventListener('submit', (e) => e.preventDefault());
    $(shadow, 'button.go').click();
    const coupon = $<HTMLInputElement>(shadow, 'input');
    coupon.focus();
    typeInto(coupon, 'COUPON-TYPED');
    $<HTMLFormElement>(shadow, 'form').requestSubmit($(shadow, 'button.apply'));
    const events = (await settle(heap)).filter((e) => e.type !== 'pageview');
    expect(events.map((e) => [e.type, e.target])).to.deep.equal([
      ['click', { tag: 'button', classes: 'go', text: 'Go pro', hierarchy: 'body > div#ac-root > buy-widget#w.widget >>> div.inner > button.go', attributes: { 'data-plan': 'pro' } }],
      ['change', { tag: 'input', hierarchy: 'body > div#ac-root > buy-widget#w.widget >>> div.inner > form.mini > input', attributes: { name: 'coupon' } }],
      ['submit', { tag: 'form', classes: 'mini', text: 'Apply', hierarchy: 'body > div#ac-root > buy-widget#w.widget >>> div.inner > form.mini' }],
    ]);
    expect(await allBodies(heap.envId)).to.not.include('COUPON-TYPED');
  });

  it("records a slotted field's change once, though it passes through the shadow roots it is slotted into", async () => {
    const heap = startRuntime('slotted');
    const root = mount('<outer-widget><input name="light"></outer-widget>');
    const outer = $(root, 'outer-widget').attachShadow({ mode: 'open' });
    outer.innerHTML = '<slot></slot><inner-widget><input name="deep"></inner-widget>';
    $(outer, 'inner-widget').attachShadow({ mode: 'open' }).innerHTML = '<slot></slot>';
    // Typing reveals the roots on each field's path: the change of "deep" stops at the outer root, passing the inner one.
    for (const field of [$<HTMLInputElement>(root, 'input'), $<HTMLInputElement>(outer, 'input')]) typeInto(field, 'x');
    const changes = await settledOfType(heap, 'change');
    expect(changes.map((c) => c.target!.attributes)).to.deep.equal([{ name: 'light' }, { name: 'deep' }]);
  });

  it('markup outside a shadow root covers a submit and a change that stop at the root: heap-ignore on the host\'s ancestor, redaction', async () => {
    const heap = startRuntime('rootstop');
    const root = mount('<div heap-ignore><section><quiet-form></quiet-form></section></div><div data-heap-redact-text><told-form></told-form></div>');
    const forms = ['quiet-form', 'told-form'].map((tag) => {
      const shadow = $(root, tag).attachShadow({ mode: 'open' });
      shadow.innerHTML = `<form class="${tag}"><input name="q"><button>Send ${tag}</button></form>`;
      shadow.addEventListener('submit', (e) => e.preventDefault());
      return shadow;
    });
    for (const shadow of forms) {
      // Focus reveals the root, as a visitor's would; these events are not composed, so the root ends their path.
      $<HTMLInputElement>(shadow, 'input').focus();
      typeInto($<HTMLInputElement>(shadow, 'input'), 'x');
      $<HTMLFormElement>(shadow, 'form').requestSubmit($(shadow, 'button'));
    }
    const events = (await settle(heap)).filter((e) => e.type === 'change' || e.type === 'submit');
    expect(events.map((e) => [e.type, e.target!.classes, e.target!.text])).to.deep.equal([
      ['change', undefined, undefined],
      ['submit', 'told-form', '****'],
    ]);
  });

  it('records the host for a click inside a closed shadow root, and nothing from inside it', async () => {
    const heap = startRuntime('closed');
    const root = mount('<locked-widget id="lw" aria-label="Checkout"></locked-widget>');
    const shadow = $(root, 'locked-widget').attachShadow({ mode: 'closed' });
    shadow.innerHTML = '<div class="private-inner"><button class="private-button">Inside the closed root</button></div>';
    $(shadow, 'button').click();
    const [click] = await settledOfType(heap, 'click');
    expect(click!.target).to.deep.equal({
      tag: 'locked-widget',
      id: 'lw',
      text: 'Checkout',
      hierarchy: 'body > div#ac-root > locked-widget#lw',
      attributes: { 'aria-label': 'Checkout' },
    });
    const bodies = await allBodies(heap.envId);
    expect(bodies).to.not.include('private');
    expect(bodies).to.not.include('Inside the closed root');
  });

  it('counts a press on a label inside a closed shadow root once, though the click the browser forwards to its control reaches the page as a second click on the host', async () => {
    const heap = startRuntime('closed-label');
    const root = mount('<x-consent id="xc"></x-consent>');
    const shadow = $(root, 'x-consent').attachShadow({ mode: 'closed' });
    shadow.innerHTML = '<label><input type="checkbox"> <b style="font-size:40px">Send me news</b></label>';
    const box = $(shadow, 'b').getBoundingClientRect();
    await sendMouse({ type: 'click', position: [Math.round(box.x + 5), Math.round(box.y + 5)] });
    await resetMouse();
    // The browser forwarded the press: the box is ticked.
    expect(($(shadow, 'input') as HTMLInputElement).checked).to.equal(true);
    const clicks = await settledOfType(heap, 'click');
    expect(clicks.map((c) => c.target!.tag)).to.deep.equal(['x-consent']);
  });

  it('records a click on a [data-heap-event] element twice over: the named event from markup and one autocaptured click naming it', async () => {
    const heap = startRuntime('named');
    const root = mount('<button class="cta" data-heap-event="Start trial" data-heap-prop-plan="pro"><i class="icon"></i> Start</button>');
    // Markup tracking starts listening a moment after boot.
    await heap.ready;
    clickOn($(root, 'i.icon'));
    const events = await settle(heap);
    const clicks = events.filter((e) => e.type === 'click');
    expect(clicks.map((c) => c.target)).to.deep.equal([
      { tag: 'i', classes: 'icon', text: 'Start', hierarchy: 'body > div#ac-root > button.cta > i.icon', attributes: { 'data-heap-event': 'Start trial' } },
    ]);
    const named = events.filter((e) => e.type === 'track' && e.name === 'Start trial');
    expect(named.map((e) => e.properties)).to.deep.equal([{ plan: 'pro' }]);
    expect(named[0]!.pageview_id).to.equal(clicks[0]!.pageview_id);
  });

  it('counts a click on a label once, not again for the click the browser forwards to its control', async () => {
    const heap = startRuntime('label');
    const root = mount('<label for="tos" class="agree">I agree</label><input type="checkbox" id="tos" name="tos">');
    $(root, 'label').click();
    $(root, '#tos').click();
    const clicks = await settledOfType(heap, 'click');
    expect(clicks.map((c) => [c.target!.tag, c.target!.text ?? null])).to.deep.equal([
      ['label', 'I agree'],
      ['input', null],
    ]);
  });

  it('counts a script\'s click on a field after a click on its label the page cancelled: the browser forwarded nothing', async () => {
    const heap = startRuntime('label-cancelled');
    const root = mount('<label for="opt" onclick="event.preventDefault()">Opt in</label><input type="checkbox" id="opt" name="opt">');
    $(root, 'label').click();
    $(root, '#opt').click();
    const clicks = await settledOfType(heap, 'click');
    expect(clicks.map((c) => c.target!.tag)).to.deep.equal(['label', 'input']);
  });

  it('counts a click on a label once though the page\'s handler on the label clicks another element meanwhile, and the field\'s next click', async () => {
    const heap = startRuntime('label-nested');
    const root = mount('<label for="tos">I agree</label><input type="checkbox" id="tos" name="tos"><button type="button">Log</button>');
    $(root, 'label').addEventListener('click', () => $(root, 'button').click());
    $(root, 'label').click();
    // The browser forwarded the press: the box is ticked.
    expect(($(root, '#tos') as HTMLInputElement).checked).to.equal(true);
    // A click of the page's own, once the press is over.
    $(root, '#tos').click();
    const clicks = await settledOfType(heap, 'click');
    expect(clicks.map((c) => c.target!.tag)).to.deep.equal(['label', 'input']);
  });

  it('counts a press once when the page\'s handler passes it on to another element: a card to its link, an Upload button to a file input, a custom button to a hidden submit button', async () => {
    const heap = startRuntime('proxied');
    const root = mount(`<div class="card" style="font-size:30px"><p id="teaser">Read the story</p><a href="#story">More</a></div>
      <button id="upload" type="button" style="font-size:30px">Upload</button><input type="file" id="file" hidden>
      <form id="pay"><div id="pay-now" role="button" style="font-size:30px">Pay</div></form>`);
    keepPage(root);
    const link = $(root, 'a');
    $(root, '.card').addEventListener('click', (e) => e.target !== link && link.click());
    $(root, '#upload').addEventListener('click', () => $(root, '#file').click());
    // The file chooser stays closed: only the click matters here.
    $(root, '#file').addEventListener('click', (e) => e.preventDefault());
    // A component submitting its form through a button of its own, put in and taken out at once (as Shoelace's does).
    $(root, '#pay-now').addEventListener('click', () => {
      const button = document.createElement('button');
      $(root, '#pay').append(button);
      button.click();
      button.remove();
    });
    for (const selector of ['#teaser', '#upload', '#pay-now']) {
      const box = $(root, selector).getBoundingClientRect();
      await sendMouse({ type: 'click', position: [Math.round(box.x + 5), Math.round(box.y + 5)] });
      await resetMouse();
    }
    // A click the page makes on its own, not during a press, is recorded.
    link.click();
    const events = (await settle(heap)).filter((e) => e.type !== 'pageview');
    expect(events.map((e) => [e.type, e.target!.id ?? e.target!.tag])).to.deep.equal([
      ['click', 'teaser'],
      ['click', 'upload'],
      ['click', 'pay-now'],
      ['submit', 'pay'],
      ['click', 'a'],
    ]);
  });

  it('counts a press once when the page\'s change handler passes it on as a click (a filter checkbox applying itself), in either browser\'s order of click and change', async () => {
    const heap = startRuntime('proxied-change');
    const root = mount('<form id="filters"><input type="checkbox" id="in-stock" name="in-stock"><button type="button" id="apply">Apply</button></form>');
    $(root, '#in-stock').addEventListener('change', () => $(root, '#apply').click());
    $(root, '#in-stock').click();
    const events = (await settle(heap)).filter((e) => e.type !== 'pageview');
    expect(events.map((e) => [e.type, e.target!.id])).to.deep.equal([
      ['click', 'in-stock'],
      ['change', 'in-stock'],
    ]);
  });

  it('records a middle click on a link (opening it in a new tab, as a ctrl-click does) as a click on it; not one elsewhere, nor a right click', async () => {
    const heap = startRuntime('middle');
    const root = mount(`<a id="docs" href="/docs" style="font-size:30px"><b>Read the docs</b></a> <button id="menu" type="button" style="font-size:30px">Menu</button>`);
    // No new tab and no context menu in the test browser: the page may cancel those, after the tracker has heard the press.
    root.addEventListener('auxclick', (e) => e.preventDefault());
    root.addEventListener('contextmenu', (e) => e.preventDefault());
    for (const [selector, button] of [['b', 'middle'], ['#menu', 'middle'], ['b', 'right']] as const) {
      const box = $(root, selector).getBoundingClientRect();
      await sendMouse({ type: 'move', position: [Math.round(box.x + 5), Math.round(box.y + 5)] });
      await sendMouse({ type: 'down', button });
      await sendMouse({ type: 'up', button });
    }
    const clicks = await settledOfType(heap, 'click');
    expect(clicks.map((c) => c.target)).to.deep.equal([
      { tag: 'b', text: 'Read the docs', href: '/docs', hierarchy: 'body > div#ac-root > a#docs > b' },
    ]);
  });

  it('counts a click on a component\'s shadow content inside a label once, not again for the click forwarded to the label\'s control', async () => {
    const heap = startRuntime('label-shadow');
    const root = mount('<label for="news"><span id="icon"></span> News</label><input type="checkbox" id="news" name="news">');
    const icon = $(root, '#icon');
    icon.attachShadow({ mode: 'open' }).innerHTML = '<b class="glyph">*</b>';
    const input = $(root, '#news') as HTMLInputElement;
    (icon.shadowRoot!.querySelector('b') as HTMLElement).click();
    // The browser forwarded the press: the box is ticked.
    expect(input.checked).to.equal(true);
    input.click();
    const clicks = await settledOfType(heap, 'click');
    expect(clicks.map((c) => c.target!.tag)).to.deep.equal(['b', 'input']);
  });

  it('describes the ancestry as it was when clicked, though the page\'s own handler changes it and removes the target', async () => {
    const heap = startRuntime('changed');
    const root = mount('<div id="box" class="panel"><button id="follow" class="idle" data-state="off">Follow</button></div>');
    const button = $(root, 'button');
    button.addEventListener('click', () => {
      button.className = 'busy';
      $(root, '#box').id = 'moved';
      button.remove();
    });
    button.click();
    const [click] = await settledOfType(heap, 'click');
    expect([click!.target!.classes, click!.target!.text, click!.target!.hierarchy]).to.deep.equal(['idle', 'Follow', 'body > div#ac-root > div#box.panel > button#follow.idle']);
  });

  it('keeps the top element of the tree the page took out of the document before the runtime heard the click', async () => {
    const heap = startRuntime('detached');
    const root = mount('<div id="box" class="panel"><span><button id="go">Go</button></span></div>');
    const box = $(root, '#box');
    // A listener on the window hears the click first.
    addEventListener('click', () => box.remove(), { capture: true, once: true });
    $(root, 'button').click();
    const [click] = await settledOfType(heap, 'click');
    expect(click!.target!.hierarchy).to.equal('div#box.panel > span > button#go');
  });

  it('sends the complete target when the page flushes right after the click', async () => {
    const heap = startRuntime('flushed');
    const root = mount('<button id="pay" class="cta" name="pay">Pay alice@example.com</button>');
    $(root, 'button').click();
    heap.flush();
    const [click] = await settledOfType(heap, 'click');
    expect(click!.target).to.deep.equal({
      tag: 'button', id: 'pay', classes: 'cta', text: 'Pay ****', hierarchy: 'body > div#ac-root > button#pay.cta', attributes: { name: 'pay' },
    });
  });

  it('never reads text typed into an editable region, even when the page\'s handler takes the clicked part out of it', async () => {
    const heap = startRuntime('editable');
    const root = mount('<div contenteditable="true"><p id="typed">typed-secret words</p></div>');
    const paragraph = $(root, '#typed');
    paragraph.addEventListener('click', () => root.append(paragraph));
    paragraph.click();
    const [click] = await settledOfType(heap, 'click');
    expect(click!.target!.text).to.equal(undefined);
    expect(await allBodies(heap.envId)).to.not.include('typed-secret');
  });

  it('leaves the page in charge: its own handlers run and default actions are not prevented', async () => {
    const heap = startRuntime('host');
    const root = mount('<button type="button">Host</button>');
    let seen: MouseEvent | undefined;
    $(root, 'button').addEventListener('click', (e) => (seen = e));
    $(root, 'button').click();
    expect(seen?.defaultPrevented).to.equal(false);
    expect((await settledOfType(heap, 'click')).length).to.equal(1);
  });
});
