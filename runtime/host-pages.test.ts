import { expect, fixture, html } from '@open-wc/testing';
import type { HeapAnalyticsElement } from '../components/heap-analytics.ts';
import '../components/heap-analytics-define.ts';
import { BASE, captureConsole, cleanUp, ENDPOINT, forgetEnv, keyPrefix, reload, requestLog, sleep, startRuntime, storedEvents, uniqueEnv, waitForEvents } from '../test/collector.ts';
import { mount, unmount } from '../test/markup.ts';
import { getRuntime } from './load.ts';
import type { HeapEvent } from './types.ts';
import { resetWarnings } from './warn.ts';

// Pages as they are found in the wild: old libraries that extend the built-ins, frameworks that wrap the timers,
// consent managers that stand between the page and its storage. Each test puts the page's setup in place and takes
// it away again whatever happens.

/** Runs `fn` with Prototype.js's Array.prototype.toJSON (1.6 and earlier), which returns the array's JSON text: JSON.stringify then writes every array as a string. */
async function withPrototypeJs<T>(fn: () => Promise<T>): Promise<T> {
  const proto = Array.prototype as unknown as { toJSON?: () => string };
  proto.toJSON = function (this: unknown[]) {
    return `[${this.map((value) => JSON.stringify(value)).join(', ')}]`;
  };
  try {
    return await fn();
  } finally {
    delete proto.toJSON;
  }
}

describe('host pages', () => {
  afterEach(() => {
    cleanUp();
    unmount();
  });

  it("deliver the events kept past a cap, and the count of those dropped, on a page with Prototype.js's Array.prototype.toJSON", async () => {
    await withPrototypeJs(async () => {
      const heap = startRuntime('prototype-js', { maxEvents: 2, consent: 'pending', disablePageviewAutocapture: true });
      for (const name of ['First', 'Second', 'Third', 'Fourth']) heap.track(name);
      // Held while consent is undecided: the two oldest go over the cap (once saved, a task later: a loaded machine
      // can take longer than a fixed pause, and a grant first sends all four), and their count waits to be reported.
      for (let i = 0; i < 100 && heap.pending > 2; i++) await sleep(20);
      heap.setConsent('granted');
      heap.track('Fifth');
      for (let i = 0; i < 100 && (await storedEvents(heap.envId)).length < 3; i++) await sleep(50);
      await sleep(300);
      expect((await storedEvents(heap.envId)).map((e) => e.name)).to.deep.equal(['Third', 'Fourth', 'Fifth']);
      // The count of the two dropped arrives too, in as few requests as on any page.
      const { drops } = (await (await fetch(`${BASE}/v1/drops?env_id=${heap.envId}`)).json()) as { drops: unknown[] };
      expect(drops).to.deep.equal([{ reason: 'cap', count: 2 }]);
      expect((await requestLog(heap.envId)).length).to.be.below(5);
    });
  });

  it('send the same events, with no property or warning more, on a page that added an enumerable member to Object.prototype', async () => {
    // What `Object.prototype.extend = function () {...}` in an old script does: every object inherits an enumerable key.
    const proto = Object.prototype as Record<string, unknown>;
    proto.polluted = 1;
    let seen: { warnings: string[]; result: { type: string; properties?: unknown }[] };
    try {
      seen = await captureConsole(async () => {
        const heap = startRuntime('polluted');
        // Every property refused: nothing to send.
        heap.addUserProperties({ plan: null });
        heap.track('Polluted', { a: 1 });
        await waitForEvents(heap.envId, 2);
        heap.flush();
        await sleep(300);
        return (await requestLog(heap.envId)).flatMap((r) => JSON.parse(r.body).events);
      });
    } finally {
      delete proto.polluted;
    }
    expect(seen.result.map((e) => [e.type, e.properties])).to.deep.equal([
      ['pageview', undefined],
      ['track', { a: 1 }],
    ]);
    expect(seen.warnings.map((w) => w.split(':')[0])).to.deep.equal(['[heap-analytics] property-value-invalid']);
  });

  it('leave the element and window.heap with their own members alone on a page that added an enumerable Object.prototype.remove before the script', async () => {
    const envId = uniqueEnv('polluted-early');
    const frame = document.createElement('iframe');
    // The page's old helper comes first; the element is then added and removed as a framework would.
    frame.srcdoc = `<script>Object.prototype.remove = function () { return 'helper'; };</script>
      <script type="module">
        import '/components/heap-analytics-define.ts';
        const el = document.createElement('heap-analytics');
        el.setAttribute('env-id', '${envId}');
        el.setAttribute('endpoint', '${ENDPOINT}');
        document.body.append(el);
        await el.ready;
        el.remove();
        parent.postMessage({ removed: !el.isConnected, global: Object.keys(window.heap ?? {}).includes('remove') }, '*');
      </script>`;
    const answer = new Promise<{ removed: boolean; global: boolean }>((resolve) => addEventListener('message', (e) => resolve(e.data), { once: true }));
    document.body.append(frame);
    try {
      expect(await answer).to.deep.equal({ removed: true, global: false });
    } finally {
      frame.remove();
      forgetEnv(envId);
    }
  });

  /**
   * Runs `script` (a module, after `before` in the page) in a frame of its own with a `<heap-analytics>` of `envId`
   * until it calls `done()`, then `delivered` while the frame is still there (Firefox stops a removed frame's requests).
   * Answers every error and rejection that reached that page's window, and what `delivered` gave.
   */
  async function inFrame<T>(envId: string, script: string, delivered: () => Promise<T>, before = ''): Promise<[uncaught: string[], delivered: T]> {
    const frame = document.createElement('iframe');
    frame.srcdoc = `<script>
        const uncaught = [];
        addEventListener('error', (e) => uncaught.push(String(e.error ?? e.message)));
        addEventListener('unhandledrejection', (e) => uncaught.push(String(e.reason)));
        window.done = () => parent.postMessage(uncaught, '*');
      </script>${before}
      <heap-analytics env-id="${envId}" endpoint="${ENDPOINT}" flush-interval="20"></heap-analytics>
      <script type="module">
        import '/components/heap-analytics-define.ts';
        const el = document.querySelector('heap-analytics');
        await el.ready;
        ${script}
      </script>`;
    const answer = new Promise<string[]>((resolve) => {
      const heard = (e: MessageEvent) => e.source === frame.contentWindow && (removeEventListener('message', heard), resolve(e.data));
      addEventListener('message', heard);
    });
    document.body.append(frame);
    try {
      return [await answer, await delivered()];
    } finally {
      frame.remove();
      forgetEnv(envId);
    }
  }

  /** Runs `frame`, whose page rewrites itself and clicks its "After rewrite" button, and expects that click's event. */
  async function expectClickAfterRewrite(envId: string, frame: HTMLIFrameElement) {
    const clicked = new Promise((resolve) => addEventListener('message', resolve, { once: true }));
    document.body.append(frame);
    try {
      await clicked;
      expect((await waitForEvents(envId, 1, { name: 'After rewrite' })).map((e) => e.name)).to.deep.equal(['After rewrite']);
    } finally {
      frame.remove();
      forgetEnv(envId);
    }
  }

  it('capture clicks on a page that rewrote itself with document.open() and document.write(), element included, after the tracker started', async () => {
    const envId = uniqueEnv('document-write');
    const element = `<heap-analytics env-id="${envId}" endpoint="${ENDPOINT}" flush-interval="20"></heap-analytics>`;
    const frame = document.createElement('iframe');
    // document.open() empties the document and takes every listener off it and its window; the page written after it
    // has the element again (an old template engine, a page that renders itself once its data arrived).
    frame.srcdoc = `${element}<script type="module">
        import '/components/heap-analytics-define.ts';
        await document.querySelector('heap-analytics').ready;
        document.open();
        document.write('${element}<button data-heap-event="After rewrite">Go</button>');
        document.close();
        await document.querySelector('heap-analytics').ready;
        document.querySelector('button').click();
        parent.postMessage('clicked', '*');
      </script>`;
    await expectClickAfterRewrite(envId, frame);
  });

  it('capture clicks on a page that rewrote itself with document.open() and document.write() after load(), and booted again with load()', async () => {
    const envId = uniqueEnv('document-write-load');
    const frame = document.createElement('iframe');
    // The same rewrite on a page that boots the tracker from its own script (a bundle calling load()), which runs again
    // for the page it wrote.
    frame.srcdoc = `<script type="module">
        import { load } from '/runtime/load.ts';
        const boot = () => load('${envId}', { endpoint: '${ENDPOINT}', flushInterval: 20 });
        boot();
        document.open();
        document.write('<button data-heap-event="After rewrite">Go</button>');
        document.close();
        boot();
        document.querySelector('button').click();
        parent.postMessage('clicked', '*');
      </script>`;
    await expectClickAfterRewrite(envId, frame);
  });

  it('capture clicks and hash navigations on a page that made history.pushState read-only', async () => {
    const own = Object.getOwnPropertyDescriptor(history, 'pushState');
    Object.defineProperty(history, 'pushState', { configurable: true, writable: false, value: History.prototype.pushState });
    const start = location.href;
    try {
      const { errors } = await captureConsole(async () => {
        const heap = startRuntime('read-only-history');
        mount('<button type="button">Buy</button>').querySelector('button')!.click();
        location.hash = 'cart';
        const events = await waitForEvents(heap.envId, 3);
        expect(events.map((e) => [e.type, String(e.page?.url).endsWith('#cart')])).to.deep.equal([
          ['pageview', false],
          ['click', false],
          ['pageview', true],
        ]);
      });
      expect(errors).to.deep.equal([]);
    } finally {
      if (own) Object.defineProperty(history, 'pushState', own);
      else delete (history as { pushState?: unknown }).pushState;
      history.replaceState(null, '', start);
    }
  });

  it('capture clicks and submits in a form whose fields are named after DOM members', async () => {
    // A form answers its members' names with its fields: here `form.getAttribute` is an input, `form.id` another.
    const names = ['getAttribute', 'hasAttribute', 'getAttributeNames', 'localName', 'id', 'className', 'closest', 'matches', 'nodeType', 'parentNode', 'parentElement', 'getRootNode', 'contains', 'childNodes', 'submitter', 'type', 'form', 'control'];
    const root = mount(`<form id="named" class="shadowed" action="/named" data-heap-event="Named form">${names.map((name) => `<input name="${name}">`).join('')}<button type="submit">Send</button></form>`);
    root.addEventListener('submit', (e) => e.preventDefault());
    const { errors } = await captureConsole(async () => {
      const heap = startRuntime('named-fields', { disablePageviewAutocapture: true });
      root.querySelector('form')!.click();
      root.querySelector('button')!.click();
      const events = await waitForEvents(heap.envId, 4);
      expect(events.map((e) => [e.type, e.name ?? e.target?.tag, e.target?.hierarchy])).to.deep.equal([
        ['click', 'form', 'body > div > form#named.shadowed'],
        ['click', 'button', 'body > div > form#named.shadowed > button'],
        ['submit', 'form', 'body > div > form#named.shadowed'],
        ['track', 'Named form', undefined],
      ]);
    });
    expect(errors).to.deep.equal([]);
  });

  it('track the annotated elements inside and after a form whose fields are named after DOM members, present at boot or inserted', async () => {
    const fields = ['querySelectorAll', 'shadowRoot', 'isConnected', 'firstElementChild', 'firstChild'].map((name) => `<input name="${name}">`).join('');
    const annotated = (form: string, after: string) => `<form>${fields}<span data-heap-event="${form}" data-heap-trigger="load"></span></form><span data-heap-event="${after}" data-heap-trigger="load"></span>`;
    // The forms are a root's children and an inserted node themselves, whose subtrees the scan walks from the form.
    const box = mount('<div></div>');
    box.firstElementChild!.attachShadow({ mode: 'open' }).innerHTML = annotated('Present', 'After');
    const { errors } = await captureConsole(async () => {
      const heap = startRuntime('named-fields-markup', { disablePageviewAutocapture: true });
      box.insertAdjacentHTML('beforeend', annotated('Inserted', 'Inserted after'));
      const events = await waitForEvents(heap.envId, 4, { type: 'track' }, 3000);
      expect(events.map((e) => e.name).sort()).to.deep.equal(['After', 'Inserted', 'Inserted after', 'Present']);
    });
    expect(errors).to.deep.equal([]);
  });

  it('send no load event for a form inserted and removed before the markup tracker saw it, though a field named isConnected answers for it', async () => {
    const box = mount('<div></div>');
    const heap = startRuntime('named-connected-gone', { disablePageviewAutocapture: true });
    await heap.ready;
    // Inserted and removed in one task: the tracker's one batch of mutations holds both.
    box.insertAdjacentHTML('beforeend', '<form data-heap-event="Gone" data-heap-trigger="load"><input name="isConnected"></form>');
    box.lastElementChild!.remove();
    box.insertAdjacentHTML('beforeend', '<span data-heap-event="Stayed" data-heap-trigger="load"></span>');
    await waitForEvents(heap.envId, 1, { type: 'track' }, 3000);
    // Anything sent with or after it is stored by now.
    heap.flush();
    await sleep(300);
    expect((await storedEvents(heap.envId, { type: 'track' })).map((e) => e.name)).to.deep.equal(['Stayed']);
  });

  it('boot and send the title on a page with an image named querySelector', async () => {
    // The document answers its members' names with the images, forms, embeds and iframes named after them.
    const title = document.title;
    document.title = 'Named image';
    mount('<img name="querySelector" alt="">');
    try {
      const { errors } = await captureConsole(async () => {
        const heap = startRuntime('named-query-selector');
        heap.trackPageview();
        const events = await waitForEvents(heap.envId, 2);
        expect(events.map((e) => [e.type, e.page?.title])).to.deep.equal([
          ['pageview', 'Named image'],
          ['pageview', 'Named image'],
        ]);
      });
      expect(errors).to.deep.equal([]);
    } finally {
      document.title = title;
    }
  });

  it('track the annotated elements present at boot, and inserted later, on a page with an image or a form named children or createTreeWalker', async () => {
    for (const named of ['<img name="children" alt="">', '<form name="children"></form>', '<img name="createTreeWalker" alt="">', '<form name="createTreeWalker"></form>']) {
      mount(`${named}<span data-heap-event="Present" data-heap-trigger="load"></span>`);
      const { errors } = await captureConsole(async () => {
        const heap = startRuntime('named-children', { disablePageviewAutocapture: true });
        expect((await waitForEvents(heap.envId, 1, {}, 3000)).map((e) => e.name), named).to.deep.equal(['Present']);
        // A subtree inserted later is walked for its annotated elements too.
        const card = document.createElement('div');
        card.innerHTML = '<p><span data-heap-event="Inserted" data-heap-trigger="load"></span></p>';
        document.body.append(card);
        try {
          expect((await waitForEvents(heap.envId, 2, {}, 3000)).map((e) => e.name), named).to.deep.equal(['Present', 'Inserted']);
        } finally {
          card.remove();
        }
      });
      expect(errors).to.deep.equal([]);
      cleanUp();
      unmount();
    }
  });

  it('keep the user in its cookie on a page with a form named cookie', async () => {
    // A consent banner's form, say: the document answers `cookie` with it, and Chromium refuses assignments to it.
    mount('<form name="cookie"></form>');
    try {
      const { warnings } = await captureConsole(async () => {
        const heap = startRuntime('named-cookie', { disablePageviewAutocapture: true });
        heap.track('First');
        const [first] = await waitForEvents(heap.envId, 1);
        // The user comes back from the cookie alone.
        localStorage.removeItem(`${keyPrefix(heap.envId)}_id`);
        reload(heap, { disablePageviewAutocapture: true }).track('Second');
        expect((await waitForEvents(heap.envId, 2)).map((e) => e.user_id)).to.deep.equal([first!.user_id, first!.user_id]);
      });
      expect(warnings).to.deep.equal([]);
    } finally {
      // The cleanup reads the cookies as a page would.
      unmount();
    }
  });

  it('warn that state is kept in memory, and deliver without an error, on a page whose browser refuses its storage objects', async () => {
    // What a sandboxed frame does, or Chrome with cookies blocked: reading window.localStorage itself throws.
    resetWarnings();
    const own = ['localStorage', 'sessionStorage'].map((name) => [name, Object.getOwnPropertyDescriptor(window, name)!] as const);
    const refuse = () => {
      throw new DOMException('The operation is insecure.', 'SecurityError');
    };
    for (const [name] of own) Object.defineProperty(window, name, { configurable: true, get: refuse });
    const uncaught: unknown[] = [];
    const onRejection = (e: PromiseRejectionEvent) => uncaught.push(e.reason);
    addEventListener('unhandledrejection', onRejection);
    try {
      const { warnings } = await captureConsole(async () => {
        const heap = startRuntime('storage-refused', { disablePageviewAutocapture: true });
        heap.track('Refused storage');
        await waitForEvents(heap.envId, 1);
        // Consent withdrawn wipes the storage, which is refused too.
        heap.setConsent('denied');
        await sleep(100);
      });
      // The user and session, then the events waiting to be sent: each kept in memory, and said so once.
      expect(warnings.map((w) => w.split(':')[0])).to.deep.equal(['[heap-analytics] storage-unavailable', '[heap-analytics] outbox-not-persisted']);
      expect(uncaught.map(String)).to.deep.equal([]);
    } finally {
      removeEventListener('unhandledrejection', onRejection);
      for (const [name, descriptor] of own) Object.defineProperty(window, name, descriptor);
    }
  });

  it('send the events waiting for the batch timer when the tab is hidden, on a page with an embed named visibilityState', async () => {
    mount('<embed name="visibilityState">');
    const heap = startRuntime('named-visibility', { disablePageviewAutocapture: true, flushInterval: 60_000 });
    heap.track('Before hiding');
    const visibility = Object.getOwnPropertyDescriptor(Document.prototype, 'visibilityState')!;
    Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true, value: 'hidden' });
    try {
      document.dispatchEvent(new Event('visibilitychange'));
    } finally {
      Object.defineProperty(Document.prototype, 'visibilityState', visibility);
    }
    expect((await waitForEvents(heap.envId, 1, {}, 3000)).map((e) => e.name)).to.deep.equal(['Before hiding']);
  });

  it('count the pageview markup parsed while the page loads as the first pageview, on a page with an image named readyState', async () => {
    const heap = startRuntime('named-ready-state');
    await waitForEvents(heap.envId, 1);
    const readyState = Object.getOwnPropertyDescriptor(Document.prototype, 'readyState')!;
    Object.defineProperty(Document.prototype, 'readyState', { configurable: true, value: 'loading' });
    try {
      mount('<img name="readyState" alt=""><div data-heap-pageview></div>');
      await sleep(300);
    } finally {
      Object.defineProperty(Document.prototype, 'readyState', readyState);
    }
    expect((await storedEvents(heap.envId)).map((e) => e.type)).to.deep.equal(['pageview']);
  });

  it('run the element and re-emit its events on a page whose window.heap is read-only', async () => {
    resetWarnings();
    const envId = uniqueEnv('read-only-global');
    // Another script claimed the name with a getter and no setter.
    Object.defineProperty(window, 'heap', { configurable: true, get: () => undefined });
    try {
      const { warnings, result: el } = await captureConsole(async () => {
        const el = await fixture<HeapAnalyticsElement>(html`<heap-analytics env-id=${envId} endpoint=${ENDPOINT} disable-pageview-autocapture></heap-analytics>`);
        expect(await el.ready).to.equal(true);
        return el;
      });
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.include('window.heap is read-only');
      const seen: string[] = [];
      el.addEventListener('heap-event', (e) => seen.push(String((e as CustomEvent<HeapEvent>).detail.name)));
      el.track('Element call');
      await waitForEvents(envId, 1, { name: 'Element call' });
      expect(seen).to.deep.equal(['Element call']);
    } finally {
      getRuntime(envId)?.dispose();
      delete (window as { heap?: unknown }).heap;
    }
  });

  it('throw nothing into a page that froze window.heap, and answer heap.* through the element that takes over', async () => {
    const envId = uniqueEnv('frozen-global');
    // A page guarding the API it was given from other scripts; the element is then re-rendered (a route change).
    const [uncaught, delivered] = await inFrame(
      envId,
      `Object.freeze(window.heap);
        el.remove();
        await new Promise((resolve) => setTimeout(resolve, 50));
        const next = el.cloneNode();
        document.body.append(next);
        await next.ready;
        window.heap.track('After re-render');
        done();`,
      () => waitForEvents(envId, 1, { name: 'After re-render' }, 3000),
    );
    expect(delivered.map((e) => e.name)).to.deep.equal(['After re-render']);
    expect(uncaught).to.deep.equal([]);
  });

  it('throw nothing into a page that froze history after the tracker started, and count a click once after the element is re-rendered', async () => {
    const envId = uniqueEnv('frozen-history');
    // A hardening script run late freezes history: its methods, our wrappers by then, cannot be put back.
    const [uncaught, clicks] = await inFrame(
      envId,
      `Object.freeze(history);
        el.remove();
        await new Promise((resolve) => setTimeout(resolve, 50));
        const next = el.cloneNode();
        document.body.append(next);
        await next.ready;
        document.querySelector('button').click();
        next.track('Clicked');
        done();`,
      async () => {
        await waitForEvents(envId, 1, { name: 'Clicked' });
        await sleep(300);
        return storedEvents(envId, { type: 'click' });
      },
      '<button type="button">Buy</button>',
    );
    expect(clicks.length).to.equal(1);
    expect(uncaught).to.deep.equal([]);
  });

  it('throw nothing into a page that made window.heap read-only after the tracker started, from the removal or from its heap.* calls', async () => {
    const envId = uniqueEnv('locked-global');
    // The page locks the name once the tracker installed it; the element is then re-rendered. Each heap.* call is the
    // page's own, whose exceptions the page would see.
    const [uncaught, delivered] = await inFrame(
      envId,
      `Object.defineProperty(window, 'heap', { writable: false });
        el.remove();
        await new Promise((resolve) => setTimeout(resolve, 50));
        const call = (name) => {
          try {
            window.heap.track(name);
          } catch (err) {
            uncaught.push(String(err));
          }
        };
        call('While removed');
        const next = el.cloneNode();
        document.body.append(next);
        await next.ready;
        call('After re-render');
        next.track('Through the element');
        done();`,
      () => waitForEvents(envId, 1, { name: 'Through the element' }),
    );
    expect(uncaught).to.deep.equal([]);
    expect(delivered.map((e) => e.name)).to.deep.equal(['Through the element']);
  });
});
