import { expect } from '@open-wc/testing';
import { cleanUp, startRuntime, type StoredEvent } from '../test/collector.ts';
import { $, mount, settle, unmountAll } from '../test/autocapture-fixtures.ts';

// A form answers its own member names with the fields named after them (`form.parentNode` is
// `<input name="parentNode">`), and the document with the forms and images named after its members
// (`document.title` is `<img name="title">`). The reads that matter go through the DOM's own members
// (runtime/dom.ts): such a form is tracked like any other, no walk goes round in circles, and the page's title
// and referrer stay strings.
const FORM = (field: string) => `<form id="order" class="checkout" data-heap-event="Order sent" onsubmit="return false">
  <input name="${field}"><span data-heap-event="Coupon" data-heap-props='{"kind":"promo"}'>Use a coupon</span>
  <small data-heap-event="Terms shown" data-heap-trigger="load">Terms apply</small>
  <button type="button">Check</button><button type="submit">Send</button></form>`;

/** What a visitor's session on the form sends: it appears, then clicks on a button, an annotated span, the form itself, an annotated button added later, and the submit. */
async function session(field: string): Promise<string[]> {
  const heap = startRuntime(`form-field-${field}`);
  const root = mount(FORM(field));
  const form = $<HTMLFormElement>(root, 'form');
  $(root, 'button[type=button]').click();
  $(root, 'span').click();
  form.dispatchEvent(new MouseEvent('click', { bubbles: true, composed: true }));
  HTMLElement.prototype.insertAdjacentHTML.call(form, 'beforeend', '<button type="button" data-heap-event="Added later">Later</button>');
  await new Promise((resolve) => setTimeout(resolve));
  $(root, 'button[data-heap-event]').click();
  $(root, 'button[type=submit]').click();
  const describe = (e: StoredEvent) => {
    const target = e.target as { tag?: string; hierarchy?: string } | undefined;
    return [e.type, e.name ?? '', JSON.stringify(e.properties ?? {}), target?.tag ?? '', target?.hierarchy ?? ''].join(' | ');
  };
  return (await settle(heap)).filter((e) => e.type !== 'pageview').map(describe);
}

describe('elements named like DOM members', () => {
  afterEach(() => {
    cleanUp();
    unmountAll();
  });

  it('leave a form tracked like any other when its fields are named parentNode, closest or matches', async () => {
    const expected = await session('note');
    expect(expected.length).to.equal(10);
    for (const field of ['parentNode', 'closest', 'matches']) {
      cleanUp();
      unmountAll();
      expect(await session(field), `a field named ${field}`).to.deep.equal(expected);
    }
  });

  it('leave the page title and referrer as the document has them when forms and images are named title and referrer', async () => {
    const title = document.title;
    document.title = 'Order page';
    try {
      mount('<form name="title"></form><img name="referrer" alt="">');
      const heap = startRuntime('named-title');
      heap.track('Ordered');
      const events = await settle(heap);
      expect(events.map((e) => [e.type, e.page?.title, typeof (e.page?.referrer ?? '')])).to.deep.equal([
        ['pageview', 'Order page', 'string'],
        ['track', 'Order page', 'string'],
      ]);
    } finally {
      document.title = title;
    }
  });
});

