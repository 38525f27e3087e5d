import { expect } from '@open-wc/testing';
import { cleanUp, startRuntime, waitForEvents } from '../test/collector.ts';
import { $, allBodies, keepPage, mount, settle, settledOfType, typeInto, unmountAll } from '../test/autocapture-fixtures.ts';
import { scrub } from './redact.ts';

describe('scrub: what counts as an email or a card number', () => {
  const cases: [string, string][] = [
    ['alice@example.com', '****'],
    ['Contact Bob.Smith+news@mail.example.co.uk today', 'Contact **** today'],
    ['mailto:alice%40example.com', 'mailto:****'],
    ['/reset?email=ALICE%40EXAMPLE.COM&step=1', '/reset?email=****&step=1'],
    ['4111 1111 1111 1111', '****'],
    ['Pay with 4111-1111-1111-1111 now', 'Pay with **** now'],
    ['4111111111111111', '****'],
    ['Amex 378282246310005 on file', 'Amex **** on file'],
    ['4222222222222 (13 digits)', '**** (13 digits)'],
    ['6011 0009 9013 9424 123 (19 digits)', '**** (19 digits)'],
    ['Order 123456789012 (12 digits)', 'Order 123456789012 (12 digits)'],
    ['Call +1 (415) 555-0100', 'Call +1 (415) 555-0100'],
    ['Tracking 12345678901234567890 (20 digits)', 'Tracking 12345678901234567890 (20 digits)'],
    ['2026-11-29 12:00, total 1,299.00', '2026-11-29 12:00, total 1,299.00'],
    ['@handle, user@localhost, a@b', '@handle, user@localhost, a@b'],
  ];
  for (const [input, output] of cases) {
    it(`${JSON.stringify(input)} -> ${JSON.stringify(output)}`, () => {
      expect(scrub(input)).to.equal(output);
    });
  }

  it('long hostile strings: a run of dotted labels with no domain is kept, one with a domain goes whole, spaced digits go 19 at a time', () => {
    // Their cost per scrub is a figure of `node bench/scrub.mjs`; here, what they come out as.
    const noDomain = `${'a.'.repeat(500)}@${'b'.repeat(500)}`;
    expect(scrub(noDomain)).to.equal(noDomain);
    expect(scrub(`${noDomain}.com`)).to.equal('****');
    // 600 digits: 31 card-length runs of 19, then 11 digits, too few for a card.
    expect(scrub('1 '.repeat(600))).to.equal(`${'**** '.repeat(31)}${'1 '.repeat(11)}`);
  });
});

describe('redaction controls, as they reach the collector', () => {
  afterEach(() => {
    cleanUp();
    unmountAll();
  });

  it('data-heap-redact-text sends the text, and text-bearing attributes, as ****: on the element, on an ancestor, on a descendant', async () => {
    const heap = startRuntime('redacttext');
    const root = mount(`<button id="self" data-heap-redact-text aria-label="Pay Alice" title="Alice S.">Alice Smith</button>
      <div data-heap-redact-text><a id="anc" href="/profile" class="who">Alice Smith</a></div>
      <button id="desc">Hello <span data-heap-redact-text>Alice Smith</span>!</button>`);
    keepPage(root);
    for (const id of ['self', 'anc', 'desc']) $(root, `#${id}`).click();
    const clicks = await settledOfType(heap, 'click');
    expect(clicks.map((c) => [c.target!.id, c.target!.text, c.target!.attributes ?? null])).to.deep.equal([
      ['self', '****', { 'aria-label': '****', title: '****' }],
      ['anc', '****', null],
      ['desc', 'Hello **** !', null],
    ]);
    expect(await allBodies(heap.envId)).to.not.include('Alice');
  });

  it('<title data-heap-redact-text> sends the page title as ****; other titles go with emails scrubbed', async () => {
    const title = document.querySelector('title') ?? document.head.appendChild(document.createElement('title'));
    const before = title.textContent;
    try {
      title.textContent = 'Account of Alice Smith';
      title.setAttribute('data-heap-redact-text', '');
      const heap = startRuntime('title');
      heap.track('Seen');
      title.removeAttribute('data-heap-redact-text');
      title.textContent = 'Inbox of bob@example.com';
      heap.trackPageview();
      const events = await settle(heap);
      expect(events.map((e) => [e.type, e.page!.title])).to.deep.equal([
        ['pageview', '****'],
        ['track', '****'],
        ['pageview', 'Inbox of ****'],
      ]);
      const bodies = await allBodies(heap.envId);
      expect(bodies).to.not.include('Alice');
      expect(bodies).to.not.include('bob@');
    } finally {
      title.removeAttribute('data-heap-redact-text');
      title.textContent = before;
    }
  });

  // A single-page app sets its own titles and passes them to trackPageview() (`Inbox of ${user.email}`): the same
  // title read from the document went scrubbed.
  it('scrubs emails and card numbers from a title given to trackPageview, as from the page title', async () => {
    const heap = startRuntime('apititle', { disablePageviewAutocapture: true });
    heap.trackPageview({ title: 'Inbox of bob@example.com' });
    heap.trackPageview({ title: 'Paid with 4111 1111 1111 1111' });
    const [inbox, order] = await waitForEvents(heap.envId, 2, { type: 'pageview' });
    expect(inbox!.page!.title).to.equal('Inbox of ****');
    expect(order!.page!.title).to.equal('Paid with ****');
    // Not '4111' alone: a random id may hold it.
    expect(await allBodies(heap.envId)).to.not.include('bob@').and.not.include('4111 1111');
  });

  it('data-heap-redact-text on <html> or <head> (the whole page or its head redacted) sends the page title as **** too', async () => {
    const title = document.querySelector('title') ?? document.head.appendChild(document.createElement('title'));
    const before = title.textContent;
    try {
      title.textContent = 'Account of Alice Smith';
      for (const around of [document.documentElement, document.head]) {
        around.setAttribute('data-heap-redact-text', '');
        const heap = startRuntime('titlearound');
        heap.track('Seen');
        around.removeAttribute('data-heap-redact-text');
        expect((await settle(heap)).map((e) => e.page!.title)).to.deep.equal(['****', '****']);
        expect(await allBodies(heap.envId)).to.not.include('Alice');
      }
    } finally {
      document.documentElement.removeAttribute('data-heap-redact-text');
      document.head.removeAttribute('data-heap-redact-text');
      title.textContent = before;
    }
  });

  it('data-heap-redact-attributes drops the listed attributes (class and href too, never id) for the element and everything inside', async () => {
    const heap = startRuntime('redactattrs');
    const root = mount(`<section class="people" data-heap-redact-attributes="data-user, HREF,class,id,aria-label">
        <a id="profile" class="who big" href="/u/alice" data-user="alice" data-kind="profile" aria-label="Alice's profile">Profile</a>
      </section>
      <a id="other" class="who" href="/u/bob" data-user="bob">Other</a>`);
    keepPage(root);
    $(root, '#profile').click();
    $(root, '#other').click();
    const clicks = await settledOfType(heap, 'click');
    expect(clicks.map((c) => c.target)).to.deep.equal([
      { tag: 'a', id: 'profile', text: 'Profile', hierarchy: 'body > div#ac-root > section > a#profile', attributes: { 'data-kind': 'profile' } },
      { tag: 'a', id: 'other', classes: 'who', text: 'Other', href: '/u/bob', hierarchy: 'body > div#ac-root > a#other.who', attributes: { 'data-user': 'bob' } },
    ]);
    expect(await allBodies(heap.envId)).to.not.include('alice');
  });

  it('heap-ignore (attribute, data attribute or class) keeps clicks, submits and changes inside out, and their text out of an ancestor\'s', async () => {
    const heap = startRuntime('ignore');
    const root = mount(`<div heap-ignore><button>ignored-a</button></div>
      <div data-heap-ignore><span><button>ignored-b</button></span></div>
      <div class="panel heap-ignore"><button>ignored-c</button></div>
      <form data-heap-ignore><input name="q"><button>ignored-d</button></form>
      <button id="seen">Buy <span heap-ignore>ignored-e</span></button>`);
    keepPage(root);
    for (const button of root.querySelectorAll('button')) if (!button.id) button.click();
    typeInto($(root, 'input'), 'typed-in-ignored');
    $<HTMLFormElement>(root, 'form').requestSubmit();
    $(root, '#seen').click();
    const events = (await settle(heap)).filter((e) => e.type !== 'pageview');
    expect(events.map((e) => [e.type, e.target!.id, e.target!.text])).to.deep.equal([['click', 'seen', 'Buy']]);
    expect(await allBodies(heap.envId)).to.not.include('ignored-');
  });

  it('disableTextCapture sends no text and no text-bearing attributes, and wins over data-heap-redact-text', async () => {
    const heap = startRuntime('notext', { disableTextCapture: true });
    const root = mount(`<button id="plain" title="Plain title" data-step="1">Plain text</button>
      <button id="redacted" data-heap-redact-text aria-label="Label">Redacted text</button>`);
    $(root, '#plain').click();
    $(root, '#redacted').click();
    const clicks = await settledOfType(heap, 'click');
    expect(clicks.map((c) => c.target)).to.deep.equal([
      { tag: 'button', id: 'plain', hierarchy: 'body > div#ac-root > button#plain', attributes: { 'data-step': '1' } },
      { tag: 'button', id: 'redacted', hierarchy: 'body > div#ac-root > button#redacted' },
    ]);
    const bodies = await allBodies(heap.envId);
    for (const text of ['Plain', 'Redacted text', 'Label', '****']) expect(bodies).to.not.include(text);
  });

  it('scrubs emails and card numbers from text, href and attributes', async () => {
    const heap = startRuntime('scrub');
    const root = mount(`<button id="pay">Pay with 4111 1111 1111 1111</button>
      <a id="mail" href="mailto:alice@example.com?subject=Hi" data-email="alice@example.com">Write to alice@example.com</a>`);
    keepPage(root);
    $(root, '#pay').click();
    $(root, '#mail').click();
    const clicks = await settledOfType(heap, 'click');
    expect(clicks.map((c) => [c.target!.text, c.target!.href ?? null, c.target!.attributes ?? null])).to.deep.equal([
      ['Pay with ****', null, null],
      ['Write to ****', 'mailto:****?subject=Hi', { 'data-email': '****' }],
    ]);
    const bodies = await allBodies(heap.envId);
    expect(bodies).to.not.include('alice');
    // Digit groups, not '4111' alone: a millisecond timestamp may contain it.
    expect(bodies).to.not.match(/4111[\s-]?1111/);
  });

  it('never sends interactions with password, cc-* and one-time-code fields, nor anything typed into any field', async () => {
    const heap = startRuntime('fields');
    const root = mount(`<form id="checkout" action="/pay">
        <label for="pw">Password</label>
        <input id="pw" name="pw" type="password">
        <input id="newpw" name="newpw" type="text" autocomplete="new-password">
        <input id="card" name="cardnumber" autocomplete="cc-number" class="card-field">
        <input id="cvc" name="cvc" autocomplete="section-pay billing cc-csc">
        <input id="otp" name="otp" autocomplete="one-time-code">
        <input id="email" name="email" type="email">
        <input id="city" name="city">
        <textarea id="note" name="note"></textarea>
        <div id="bio" contenteditable="true"></div>
        <button type="submit">Pay now</button>
      </form>`);
    keepPage(root);
    const typed: Record<string, string> = {
      pw: 'hunter2-password',
      newpw: 'new-secret-password',
      card: '4111 1111 1111 1111',
      cvc: 'cvc-737-typed',
      otp: 'otp-908172-typed',
      email: 'typed.person@example.com',
      city: 'Typedcity Springfield',
      note: 'my private typed note',
      bio: 'my typed biography',
    };
    for (const [id, value] of Object.entries(typed)) {
      const field = $(root, `#${id}`);
      field.click();
      if (field.localName === 'div') {
        field.textContent = value;
        continue;
      }
      typeInto(field as HTMLInputElement, value);
      // What React does with a controlled input: it mirrors the value into the value attribute.
      if (field.localName === 'input') field.setAttribute('value', value);
    }
    $(root, '#city').click();
    $(root, '#bio').click();
    $(root, 'label').click();
    $<HTMLFormElement>(root, 'form').requestSubmit($(root, 'button'));
    const events = (await settle(heap)).filter((e) => e.type !== 'pageview');
    const described = events.map((e) => `${e.type} ${e.target!.id ?? e.target!.tag}`);
    // The ordinary fields: clicked, changed, clicked again; the label click; the submit. Nothing on the sensitive ones.
    // (Real key presses are in interactions.test.ts; here the values are set so that every field holds one for sure.)
    expect(described).to.deep.equal([
      'click email', 'change email', 'click city', 'change city', 'click note', 'change note', 'click bio',
      'click city', 'click bio', 'click label', 'submit checkout',
    ]);
    // Fields have no text; the only texts are the label's and the submit button's.
    expect(events.filter((e) => e.target!.text !== undefined).map((e) => [e.type, e.target!.text])).to.deep.equal([
      ['click', 'Password'],
      ['submit', 'Pay now'],
    ]);
    const bodies = await allBodies(heap.envId);
    for (const value of Object.values(typed)) expect(bodies, value).to.not.include(value);
    for (const fragment of ['hunter2', '4111 1111', '4111-1111', '41111111', 'Typedcity', 'typed.person', 'private typed', 'biography']) expect(bodies).to.not.include(fragment);
    expect(bodies).to.not.match(/"value"/);
  });
});
