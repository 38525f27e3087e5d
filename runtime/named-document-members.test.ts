import { expect, fixture, html } from '@open-wc/testing';
import { cleanUp, ENDPOINT, failOnUncaught, uniqueEnv } from '../test/collector.ts';
import { $, clickOn, mount, settle, unmountAll } from '../test/autocapture-fixtures.ts';
import { getRuntime } from './load.ts';
import '../components/heap-analytics-define.ts';
import type { HeapAnalyticsElement } from '../components/heap-analytics.ts';

// The document answers its own member names with the images and forms named after them: with
// `<img name="addEventListener">` on the page, `document.addEventListener` is that image, not the DOM's method. The
// tracker listens to the document through the DOM's own methods (runtime/dom.ts): it starts, hears the page's clicks,
// submits, changes and visibility, and stops, whatever the page names its images and forms.
const NAMES = ['addEventListener', 'removeEventListener', 'dispatchEvent'];

const PAGE = `<button type="button" data-heap-event="Ordered" data-heap-prop-plan="pro">Order</button>
  <button type="button" id="plain">Plain</button>
  <p data-heap-event="Terms seen" data-heap-trigger="view">Terms apply</p>
  <form data-heap-event="Sent" onsubmit="return false"><input name="note"><button type="submit">Send</button></form>`;

/** How many listeners were added to the document while `fn` runs, and how many of them are left. */
async function documentListeners(fn: () => Promise<void>): Promise<{ added: number; left: number }> {
  const { addEventListener: add, removeEventListener: remove } = EventTarget.prototype;
  const held = new Set<string>();
  let added = 0;
  const listeners: unknown[] = [];
  // A listener is one per type, function and capture flag.
  const key = ([type, listener, options]: unknown[]) => {
    if (!listeners.includes(listener)) listeners.push(listener);
    return [type, listeners.indexOf(listener), typeof options == 'object' ? !!(options as { capture?: boolean } | null)?.capture : !!options].join();
  };
  EventTarget.prototype.addEventListener = function (this: EventTarget, ...args: never[]) {
    if (this === document) {
      added++;
      held.add(key(args));
    }
    return add.apply(this, args as never);
  };
  EventTarget.prototype.removeEventListener = function (this: EventTarget, ...args: never[]) {
    if (this === document) held.delete(key(args));
    return remove.apply(this, args as never);
  };
  try {
    await fn();
  } finally {
    Object.assign(EventTarget.prototype, { addEventListener: add, removeEventListener: remove });
  }
  return { added, left: held.size };
}

/** A visitor's visit with `named` on the page from the start: what the collector stored for it. */
async function visit(named: string): Promise<string[]> {
  const envId = uniqueEnv('named-doc');
  const root = mount(`${named}${PAGE}`);
  const el = await fixture<HeapAnalyticsElement>(html`<heap-analytics env-id=${envId} endpoint=${ENDPOINT} flush-interval="20"></heap-analytics>`);
  try {
    expect(await el.ready, 'the tracker started').to.equal(true);
    const heap = getRuntime(envId)!;
    clickOn($(root, '#plain'));
    clickOn($(root, '[data-heap-event=Ordered]'));
    $(root, 'button[type=submit]').click();
    // The view trigger's dwell time passes.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    return (await settle(heap)).map((e) => [e.type, e.name ?? '', JSON.stringify(e.properties ?? {})].join(' | ')).sort();
  } finally {
    el.remove();
  }
}

describe('images and forms named like the document’s listener methods', () => {
  failOnUncaught();
  afterEach(() => {
    cleanUp();
    unmountAll();
  });

  it('leave the tracker started: the pageview, clicks, submits and markup events reach the collector', async () => {
    const expected = await visit('<img name="note" alt="">');
    expect(expected.map((e) => e.split(' | ').slice(0, 2).join(' ')), 'a pageview, clicks, a submit, markup events').to.deep.equal([
      'click ', 'click ', 'click ', 'pageview ', 'submit ', 'track Ordered', 'track Sent', 'track Terms seen',
    ]);
    for (const name of NAMES) {
      for (const tag of ['img', 'form']) {
        cleanUp();
        unmountAll();
        expect(await visit(`<${tag} name="${name}"${tag == 'img' ? ' alt=""' : ''}></${tag}>`), `<${tag} name="${name}">`).to.deep.equal(expected);
      }
    }
  });

  it('let the element be removed without an error on the page, leaving no listener on the document', async () => {
    for (const name of NAMES) {
      const envId = uniqueEnv('named-doc-dispose');
      mount(`<p data-heap-event="Terms seen" data-heap-trigger="view">Terms apply</p>`);
      const { added, left } = await documentListeners(async () => {
        const el = await fixture<HeapAnalyticsElement>(html`<heap-analytics env-id=${envId} endpoint=${ENDPOINT} flush-interval="20"></heap-analytics>`);
        expect(await el.ready).to.equal(true);
        // The page adds such a form after the tracker started, then removes the tracker.
        mount(`<form name="${name}"></form>`);
        el.remove();
        for (let i = 0; i < 20 && getRuntime(envId); i++) await Promise.resolve();
        expect(getRuntime(envId), 'disposed').to.equal(undefined);
        unmountAll();
      });
      expect(added, 'document listeners added').to.be.above(5);
      expect(left, `document listeners left after removal with <form name="${name}">`).to.equal(0);
    }
  });
});
