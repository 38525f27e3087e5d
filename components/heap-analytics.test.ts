import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { captureConsole, cleanUp, ENDPOINT, storedEvents, uniqueEnv, waitForEvents } from '../test/collector.ts';
import { getRuntime } from '../runtime/load.ts';
import { withoutCustomElements } from '../test/markup.ts';
import type { HeapEvent } from '../runtime/types.ts';
import { API_METHODS } from '../runtime/types.ts';
import { resetWarnings } from '../runtime/warn.ts';
import { defineHeapAnalytics } from './heap-analytics-define.ts';
import { HeapAnalyticsElement } from './heap-analytics.ts';

async function waitUntilGone(envId: string) {
  for (let i = 0; i < 20 && getRuntime(envId); i++) await Promise.resolve();
}

describe('<heap-analytics>', () => {
  const envs: string[] = [];
  const newEnv = (label: string) => {
    const envId = uniqueEnv(label);
    envs.push(envId);
    return envId;
  };
  afterEach(async () => {
    for (const envId of envs.splice(0)) getRuntime(envId)?.dispose();
    delete window.heap;
    delete window.heapReadyCb;
    cleanUp();
  });

  it('boots from two lines of HTML, installs window.heap and fires heap-ready and heap-event', async () => {
    const envId = newEnv('element');
    const seen: HeapEvent[] = [];
    const el = await fixture<HeapAnalyticsElement>(html`<heap-analytics env-id=${envId} endpoint=${ENDPOINT} flush-interval="20" @heap-event=${(e: CustomEvent<HeapEvent>) => seen.push(e.detail)}></heap-analytics>`);
    expect(await el.ready).to.equal(true);
    const heap = window.heap as { track(name: string, props?: object): void; getUserId(): string };
    heap.track('Clicked demo button', { where: 'hero' });
    const [stored] = await waitForEvents(envId, 1, { type: 'track' });
    expect(stored!.properties).to.deep.equal({ where: 'hero' });
    expect(seen.map((e) => e.type)).to.include('track');
    expect(seen.find((e) => e.type === 'track')!.id).to.equal(stored!.id);
    expect(el.getUserId()).to.equal(heap.getUserId());
  });

  it('fires heap-ready on the element once the runtime is ready', async () => {
    const envId = newEnv('readyevent');
    const el = document.createElement('heap-analytics');
    el.setAttribute('env-id', envId);
    el.setAttribute('endpoint', ENDPOINT);
    const ready = oneEvent(el, 'heap-ready');
    document.body.append(el);
    const event = await ready;
    expect(event.detail).to.deep.equal({ envId });
    el.remove();
  });

  it('exposes the fifteen calls as element methods', async () => {
    const envId = newEnv('methods');
    const el = await fixture<HeapAnalyticsElement>(html`<heap-analytics env-id=${envId} endpoint=${ENDPOINT} flush-interval="20"></heap-analytics>`);
    for (const method of API_METHODS) expect(el[method], method).to.be.a('function');
    el.identify('alice');
    el.addEventProperties({ plan: 'pro' });
    el.track('Via element');
    expect(el.getIdentity()).to.equal('alice');
    const [event] = await waitForEvents(envId, 1, { type: 'track' });
    expect(event).to.include({ identity: 'alice', name: 'Via element' });
    expect(event!.properties).to.deep.equal({ plan: 'pro' });
  });

  it('maps attributes to settings', async () => {
    const envId = newEnv('attrs');
    await fixture(html`<heap-analytics env-id=${envId} endpoint=${ENDPOINT} disable-pageview-autocapture batch-size="2" flush-interval="60000"></heap-analytics>`);
    const heap = getRuntime(envId)!;
    heap.track('One');
    heap.track('Two');
    // batch-size=2 sends at once despite the one-minute flush interval; no pageview was sent at boot.
    const events = await waitForEvents(envId, 2);
    expect(events.map((e) => e.name)).to.deep.equal(['One', 'Two']);
  });

  it('reads setting values as markup reads typed properties: "FALSE" is false, "+2" is a number', async () => {
    const envId = newEnv('attrvalues');
    await fixture(html`<heap-analytics env-id=${envId} endpoint=${ENDPOINT} disable-pageview-autocapture="FALSE" batch-size="+2" flush-interval="60000"></heap-analytics>`);
    getRuntime(envId)!.track('One');
    // The boot pageview and the track make a batch of two, sent at once despite the one-minute flush interval.
    const events = await waitForEvents(envId, 2);
    expect(events.map((e) => e.type)).to.deep.equal(['pageview', 'track']);
  });

  it('delivers through an endpoint written with spaces around it, or left empty (the default), compressed batches too', async () => {
    // Spaces stayed in the URL once `?encoding=gzip` followed them: every compressed batch went to a 404. An empty
    // attribute (a template's missing value) read as `true`, a page of that name.
    for (const endpoint of [` ${ENDPOINT} `, '']) {
      const envId = newEnv('endpoint');
      await fixture(html`<heap-analytics env-id=${envId} endpoint=${endpoint} disable-pageview-autocapture batch-size="5"></heap-analytics>`);
      // Five events of 400 characters each: a body well over the 1 KB from which it is gzipped.
      for (let i = 0; i < 5; i++) getRuntime(envId)!.track('Padded', { i, pad: 'p'.repeat(400) });
      expect(await waitForEvents(envId, 5), JSON.stringify(endpoint)).to.have.length(5);
    }
  });

  it('names the setting whose junk value it replaced with the default, and still delivers', async () => {
    resetWarnings();
    const envId = newEnv('junk');
    const { warnings } = await captureConsole(() => fixture(html`<heap-analytics env-id=${envId} endpoint=${ENDPOINT} max-bytes="1MB"></heap-analytics>`));
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.include('config-invalid: the numeric setting maxBytes got "1MB"; the default 1000000 is used.');
    await waitForEvents(envId, 1, { type: 'pageview' });
  });

  it('stays dormant with one console error when env-id is missing or empty, and its calls warn instead of throwing', async () => {
    resetWarnings();
    const { result: el, errors, warnings } = await captureConsole(async () => {
      const a = await fixture<HeapAnalyticsElement>(html`<heap-analytics></heap-analytics>`);
      await fixture(html`<heap-analytics env-id=""></heap-analytics>`);
      expect(await a.ready).to.equal(false);
      a.track('Nothing');
      expect(a.getUserId()).to.equal('');
      expect(a.getIdentity()).to.equal(null);
      return a;
    });
    expect(el.runtime).to.equal(undefined);
    expect(errors).to.have.length(1);
    expect(errors[0]).to.include('env-id');
    expect(warnings.some((w) => w.includes('track()'))).to.equal(true);
    expect(window.heap).to.equal(undefined);
  });

  it('warns instead of throwing when one of its methods is called unbound (destructured, or passed as a callback)', async () => {
    const envId = newEnv('unbound');
    const el = await fixture<HeapAnalyticsElement>(html`<heap-analytics env-id=${envId} endpoint=${ENDPOINT}></heap-analytics>`);
    resetWarnings();
    const { result, warnings } = await captureConsole(() => {
      const { track, getUserId } = el;
      track('Lost');
      return [getUserId(), getUserId.call(document.body as unknown as HeapAnalyticsElement)];
    });
    expect(result).to.deep.equal(['', '']);
    expect(warnings.filter((w) => w.includes('track()'))).to.have.length(1);
    expect(warnings.find((w) => w.includes('track()'))).to.include('unbound');
  });

  // `setTimeout(el.track, 0, ...)` calls it on window: where the page has a `window.runtime` of its own (a Wails
  // desktop app's bridge, a bundler's global), the method called that object's `track` and threw into the page.
  it('warns instead of throwing when one of its methods is called on another object that has a runtime', async () => {
    const envId = newEnv('foreignthis');
    const el = await fixture<HeapAnalyticsElement>(html`<heap-analytics env-id=${envId} endpoint=${ENDPOINT}></heap-analytics>`);
    resetWarnings();
    const shell = { runtime: { EventsOn() {} } } as unknown as HeapAnalyticsElement;
    const { result, warnings } = await captureConsole(() => [el.track.call(shell, 'Lost'), el.getUserId.call(shell)]);
    expect(result).to.deep.equal([undefined, '']);
    expect(warnings.filter((w) => w.includes('element-dormant-track'))).to.have.length(1);
  });

  it('shares one runtime between two elements of the same env id', async () => {
    const envId = newEnv('two');
    const a = await fixture<HeapAnalyticsElement>(html`<heap-analytics env-id=${envId} endpoint=${ENDPOINT}></heap-analytics>`);
    const { result: b, warnings } = await captureConsole(() => fixture<HeapAnalyticsElement>(html`<heap-analytics env-id=${envId} endpoint=${ENDPOINT}></heap-analytics>`));
    expect(a.runtime).to.equal(b.runtime);
    expect(warnings.filter((w) => w.includes('already loaded'))).to.have.length(1);
    const pageviews = await waitForEvents(envId, 1, { type: 'pageview' });
    expect(pageviews).to.have.length(1);
  });

  it('releases the runtime and its listeners when the last element is removed, keeping later calls for the next one', async () => {
    const envId = newEnv('disconnect');
    const el = await fixture<HeapAnalyticsElement>(html`<heap-analytics env-id=${envId} endpoint=${ENDPOINT} flush-interval="20"></heap-analytics>`);
    const seen: string[] = [];
    el.addEventListener('heap-event', (e) => seen.push((e as CustomEvent<HeapEvent>).detail.type));
    el.remove();
    await waitUntilGone(envId);
    expect(getRuntime(envId)).to.equal(undefined);
    (window.heap as { track(n: string): void }).track('While away');
    expect(seen).to.deep.equal([]);
    const again = document.createElement('heap-analytics');
    again.setAttribute('env-id', envId);
    again.setAttribute('endpoint', ENDPOINT);
    document.body.append(again);
    await again.ready;
    await waitForEvents(envId, 1, { name: 'While away' });
    again.remove();
  });

  it('survives being moved in the DOM without booting twice', async () => {
    const envId = newEnv('move');
    const el = await fixture<HeapAnalyticsElement>(html`<heap-analytics env-id=${envId} endpoint=${ENDPOINT}></heap-analytics>`);
    const runtime = el.runtime;
    const { warnings } = await captureConsole(async () => {
      document.body.append(el);
      await Promise.resolve();
      await Promise.resolve();
    });
    expect(warnings).to.deep.equal([]);
    expect(getRuntime(envId)).to.equal(runtime);
    expect(el.runtime).to.equal(runtime);
    el.remove();
  });

  it('fires heap-ready once when moved in the DOM, in the task it was added or later', async () => {
    const envId = newEnv('readyonce');
    const el = document.createElement('heap-analytics');
    el.setAttribute('env-id', envId);
    el.setAttribute('endpoint', ENDPOINT);
    let fired = 0;
    el.addEventListener('heap-ready', () => fired++);
    const box = document.createElement('div');
    document.body.append(box);
    // Added, then moved by the same render; later moved again (Turbo's permanent elements, htmx's hx-preserve).
    document.body.append(el);
    box.append(el);
    await el.ready;
    await new Promise((r) => setTimeout(r, 0));
    document.body.append(el);
    await new Promise((r) => setTimeout(r, 0));
    expect(fired).to.equal(1);
    el.remove();
    box.remove();
  });

  it('takes over the tracker without a warning or a second pageview when a framework replaces the element by a new one in one render', async () => {
    const envId = newEnv('replaced');
    const old = await fixture<HeapAnalyticsElement>(html`<heap-analytics env-id=${envId} endpoint=${ENDPOINT} flush-interval="20"></heap-analytics>`);
    const runtime = old.runtime;
    const parent = old.parentNode!;
    // A route change or a new key: the old element is removed, then a new one is created and inserted, in one task.
    const { result: next, warnings } = await captureConsole(async () => {
      old.remove();
      const el = document.createElement('heap-analytics');
      el.setAttribute('env-id', envId);
      el.setAttribute('endpoint', ENDPOINT);
      el.setAttribute('flush-interval', '20');
      parent.append(el);
      await new Promise((r) => setTimeout(r, 0));
      return el;
    });
    expect(warnings).to.deep.equal([]);
    expect(next.runtime).to.equal(runtime);
    next.track('After the render');
    await waitForEvents(envId, 1, { name: 'After the render' });
    expect((await storedEvents(envId, { type: 'pageview' })).length).to.equal(1);
    // The released tracker is taken once: an element added beside the new one is a second element, as ever.
    const { result: third, warnings: later } = await captureConsole(() => fixture<HeapAnalyticsElement>(html`<heap-analytics env-id=${envId} endpoint=${ENDPOINT}></heap-analytics>`));
    expect(later.filter((w) => w.includes('already loaded'))).to.have.length(1);
    third.remove();
    next.remove();
  });

  it('applies only what changed when a new element replaces the old one in one render: no second user_properties, a dropped event property goes', async () => {
    const envId = newEnv('replacedidentity');
    // Turbo Drive and Astro's view transitions put in each page's own body: a new element, server-rendered as the last one.
    const render = (eventProperties: string) => {
      document.querySelector('heap-analytics')?.remove();
      const el = document.createElement('heap-analytics') as HeapAnalyticsElement;
      for (const [name, value] of [['env-id', envId], ['endpoint', ENDPOINT], ['flush-interval', '20'], ['disable-pageview-autocapture', ''], ['user-properties', '{"plan":"pro"}'], ['event-properties', eventProperties]]) el.setAttribute(name!, value!);
      document.body.append(el);
      return el;
    };
    const first = render('{"campaign":"autumn","section":"pricing"}');
    await first.ready;
    const next = render('{"section":"docs"}');
    next.track('After the visit');
    const [event] = await waitForEvents(envId, 1, { name: 'After the visit' });
    expect(event!.properties).to.deep.equal({ section: 'docs' });
    expect(await storedEvents(envId, { type: 'user_properties' })).to.have.length(1);
    next.remove();
  });

  it('applies the consent attribute of a new element that replaces the old one in one render when it says something else', async () => {
    const envId = newEnv('replacedconsent');
    const old = await fixture<HeapAnalyticsElement>(html`<heap-analytics env-id=${envId} endpoint=${ENDPOINT} consent="granted" flush-interval="20"></heap-analytics>`);
    const parent = old.parentNode!;
    const runtime = old.runtime;
    // The visitor refuses; the app renders the element anew with the decision (a key that changed with it).
    const replace = (consent: string) => {
      parent.querySelector('heap-analytics')!.remove();
      const el = document.createElement('heap-analytics') as HeapAnalyticsElement;
      for (const [name, value] of [['env-id', envId], ['endpoint', ENDPOINT], ['consent', consent], ['flush-interval', '20']]) el.setAttribute(name!, value!);
      parent.append(el);
      return el;
    };
    const denied = replace('denied');
    expect(denied.runtime === runtime).to.equal(true);
    expect(denied.getConsent()).to.equal('denied');
    expect(document.cookie).to.not.include(`hpa_${envId}`);
    // The same decision rendered again by a new element does not undo what the visitor decided through the API since.
    window.heap!.setConsent('granted');
    expect(replace('denied').getConsent()).to.equal('granted');
    parent.querySelector('heap-analytics')!.remove();
  });

  it('re-emits events in the order they were captured, off the caller\'s stack', async () => {
    const envId = newEnv('order');
    const el = await fixture<HeapAnalyticsElement>(html`<heap-analytics env-id=${envId} endpoint=${ENDPOINT} disable-pageview-autocapture></heap-analytics>`);
    const seen: string[] = [];
    el.addEventListener('heap-event', (e) => seen.push(String((e as CustomEvent<HeapEvent>).detail.name ?? (e as CustomEvent<HeapEvent>).detail.type)));
    el.track('One');
    // A pageview is finished at the call, together with the track queued before it; the last track a microtask later.
    el.trackPageview();
    el.track('Two');
    expect(seen).to.deep.equal([]);
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).to.deep.equal(['One', 'pageview', 'Two']);
  });

  it('re-emits events captured just before a move in the DOM', async () => {
    const envId = newEnv('moveevents');
    const el = await fixture<HeapAnalyticsElement>(html`<heap-analytics env-id=${envId} endpoint=${ENDPOINT}></heap-analytics>`);
    const seen: string[] = [];
    el.addEventListener('heap-event', (e) => seen.push(String((e as CustomEvent<HeapEvent>).detail.name)));
    el.track('Before the move');
    document.body.append(el);
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).to.deep.equal(['Before the move']);
    el.remove();
  });

  it('warns instead of throwing when the tag is defined twice', async () => {
    resetWarnings();
    const { warnings } = await captureConsole(() => {
      defineHeapAnalytics();
      class Other extends HTMLElement {}
      customElements.define('heap-analytics-other-copy', Other);
      defineHeapAnalytics('heap-analytics-other-copy');
    });
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.include('already defined');
  });

  it('warns instead of throwing where the page has no custom element registry', async () => {
    resetWarnings();
    const { warnings } = await withoutCustomElements(() => captureConsole(() => defineHeapAnalytics('heap-analytics-no-registry')));
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.include('no custom element registry').and.include('load()');
    expect(customElements.get('heap-analytics-no-registry')).to.equal(undefined);
  });

  it('applies a change of the consent attribute: pending holds, granted sends what was held', async () => {
    const envId = newEnv('consentattr');
    const el = await fixture<HeapAnalyticsElement>(html`<heap-analytics env-id=${envId} endpoint=${ENDPOINT} consent="pending" flush-interval="20"></heap-analytics>`);
    el.track('Held by the element');
    expect(el.getConsent()).to.equal('pending');
    await new Promise((r) => setTimeout(r, 200));
    expect(await storedEvents(envId)).to.deep.equal([]);
    el.setAttribute('consent', 'granted');
    expect(el.getConsent()).to.equal('granted');
    await waitForEvents(envId, 1, { name: 'Held by the element' });
  });

  it('keeps the consent the visitor gave through the API when a re-render sets the consent attribute to the value it has', async () => {
    const envId = newEnv('consentsame');
    const el = await fixture<HeapAnalyticsElement>(html`<heap-analytics env-id=${envId} endpoint=${ENDPOINT} consent="granted" flush-interval="20"></heap-analytics>`);
    // The visitor refuses in the site's consent dialog, which calls the API; the template still says granted.
    window.heap!.setConsent('denied');
    // A render that writes every attribute again (Knockout's attr binding, a hand-written render, jQuery's .attr()).
    el.setAttribute('consent', 'granted');
    expect(el.getConsent()).to.equal('denied');
  });

  it('a consent attribute removed leaves consent as it was, without a warning of a setConsent() the page never called', async () => {
    const envId = newEnv('consentunset');
    const el = await fixture<HeapAnalyticsElement>(html`<heap-analytics env-id=${envId} endpoint=${ENDPOINT} consent="denied" flush-interval="20"></heap-analytics>`);
    // A template that renders the attribute only while the consent tool has an answer (consent=${state || nothing}).
    const { warnings } = await captureConsole(() => el.removeAttribute('consent'));
    expect(warnings).to.deep.equal([]);
    expect(el.getConsent()).to.equal('denied');
    // A bad value the page did write still warns.
    const { warnings: bad } = await captureConsole(() => el.setAttribute('consent', 'yes'));
    expect(bad).to.have.length(1);
    expect(bad[0]).to.include('consent-invalid');
    // Named as the owner wrote it: an attribute, not only a call the page never made.
    expect(bad[0]).to.include('the consent attribute').and.include('got "yes"');
  });

  it('a consent attribute removed while the element is detached leaves the consent the page gave since', async () => {
    const envId = newEnv('consentremoved');
    const el = await fixture<HeapAnalyticsElement>(html`<heap-analytics env-id=${envId} endpoint=${ENDPOINT} consent="pending" flush-interval="20"></heap-analytics>`);
    el.setConsent('granted');
    const parent = el.parentNode!;
    el.remove();
    // Changed, then removed: the last change (no attribute) has no value to apply.
    el.setAttribute('consent', 'denied');
    el.removeAttribute('consent');
    parent.append(el);
    expect(el.getConsent()).to.equal('granted');
  });

  it('takes properties set before the element was defined', async () => {
    const envId = newEnv('preupgrade');
    const el = document.createElement('heap-analytics-later') as HeapAnalyticsElement;
    Object.assign(el, { envId, identity: 'early-bird', config: { endpoint: ENDPOINT, flushInterval: 20 } });
    document.body.append(el);
    customElements.define('heap-analytics-later', class extends HeapAnalyticsElement {});
    expect(await el.ready).to.equal(true);
    expect(el.getAttribute('env-id')).to.equal(envId);
    expect(el.getIdentity()).to.equal('early-bird');
    el.remove();
  });

  it('keeps a config set before the element was defined', async () => {
    const envId = newEnv('preupgradeconfig');
    const el = document.createElement('heap-analytics-later-config') as HeapAnalyticsElement;
    Object.assign(el, { envId, config: { endpoint: ENDPOINT, flushInterval: 20, disablePageviewAutocapture: true } });
    document.body.append(el);
    customElements.define('heap-analytics-later-config', class extends HeapAnalyticsElement {});
    expect(await el.ready).to.equal(true);
    el.track('After upgrade');
    await waitForEvents(envId, 1, { name: 'After upgrade' });
    // disablePageviewAutocapture came from that config: no pageview was sent at boot.
    expect((await storedEvents(envId)).map((e) => e.type)).to.deep.equal(['track']);
    el.remove();
  });

  it('takes a config from Svelte 5, which sets a property only where the element has a setter of that name', async () => {
    const envId = newEnv('svelteconfig');
    const el = document.createElement('heap-analytics');
    /** Svelte 5's choice for a defined custom element (set_custom_element_data): a setter up to Element.prototype, else an attribute. */
    const hasSetter = (name: string) => {
      for (let proto: object = el; proto !== Element.prototype; proto = Object.getPrototypeOf(proto)) if (Object.getOwnPropertyDescriptor(proto, name)?.set) return true;
      return false;
    };
    const props: Record<string, unknown> = { 'env-id': envId, config: { endpoint: ENDPOINT, flushInterval: 20, disablePageviewAutocapture: true } };
    for (const [name, value] of Object.entries(props)) {
      if (hasSetter(name)) (el as unknown as Record<string, unknown>)[name] = value;
      else el.setAttribute(name, String(value));
    }
    document.body.append(el);
    expect(await el.ready).to.equal(true);
    el.track('From Svelte');
    await waitForEvents(envId, 1, { name: 'From Svelte' });
    // disablePageviewAutocapture came from that config: no pageview was sent at boot.
    expect((await storedEvents(envId)).map((e) => e.type)).to.deep.equal(['track']);
    el.remove();
  });

  it('identifies a server-rendered user before the first pageview, so the pageview carries the identity', async () => {
    const envId = newEnv('bootidentity');
    await fixture(html`<heap-analytics env-id=${envId} endpoint=${ENDPOINT} identity="server-user" flush-interval="20"></heap-analytics>`);
    const [pageview] = await waitForEvents(envId, 1, { type: 'pageview' });
    expect(pageview!.identity).to.equal('server-user');
  });

  // Vue, Preact, Lit and React 19 set a custom element's property when it has one: `:identity="user && user.email"`
  // for a signed-out visitor sets `false`, which the attribute holds as "false" (a Python template's `and` renders
  // "False"). Identified as "false", every signed-out visitor became one user.
  it('does not identify a signed-out visitor as "false" when a framework sets the identity property to false', async () => {
    const envId = newEnv('identityfalse');
    const el = await fixture<HeapAnalyticsElement>(html`<heap-analytics env-id=${envId} endpoint=${ENDPOINT} flush-interval="20"></heap-analytics>`);
    resetWarnings();
    const { warnings } = await captureConsole(() => {
      (el as unknown as { identity: unknown }).identity = false;
      el.setAttribute('identity', 'False');
      el.track('Signed out');
    });
    const [event] = await waitForEvents(envId, 1, { name: 'Signed out' });
    expect(event!.identity).to.equal(null);
    expect((await storedEvents(envId)).filter((e) => e.type === 'identify')).to.deep.equal([]);
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.include('identity-junk').and.include('"false"');
  });

  it('takes user and event properties set as objects, as React 19 and Vue set a bound object on the element\'s property', async () => {
    const envId = newEnv('objectprops');
    const el = document.createElement('heap-analytics') as HeapAnalyticsElement;
    Object.assign(el, { envId, config: { endpoint: ENDPOINT, flushInterval: 20, disablePageviewAutocapture: true } });
    resetWarnings();
    const { warnings } = await captureConsole(async () => {
      Object.assign(el, { userProperties: { plan: 'pro', seats: 3 }, eventProperties: { section: 'docs' } });
      document.body.append(el);
      await el.ready;
      el.track('Read the docs');
    });
    const [event] = await waitForEvents(envId, 1, { name: 'Read the docs' });
    expect(event!.properties).to.deep.equal({ section: 'docs' });
    const [record] = await waitForEvents(envId, 1, { type: 'user_properties' });
    expect(record!.properties).to.deep.equal({ plan: 'pro', seats: 3 });
    expect(el.getAttribute('user-properties')).to.equal('{"plan":"pro","seats":3}');
    expect(warnings).to.deep.equal([]);
    el.remove();
  });

  it('applies the calls a classic snippet queued before the boot pageview, which carries them; queued tracks come after it', async () => {
    const envId = newEnv('snippetboot');
    // The classic snippet's stub, called by the page before the element boots.
    const stub = [] as unknown as unknown[] & Record<string, (...args: unknown[]) => void>;
    for (const method of ['identify', 'addEventProperties', 'addPageviewProperties', 'addUserProperties', 'track']) stub[method] = (...args) => void stub.push([method, ...args]);
    window.heap = stub;
    stub.identify!('u1');
    stub.addEventProperties!({ plan: 'pro' });
    stub.addPageviewProperties!({ section: 'blog' });
    stub.addUserProperties!({ seats: 3 });
    stub.track!('Queued', { n: 1 });
    // Set after the page's first event: not on the pageview, on the next event.
    stub.addEventProperties!({ later: true });
    stub.track!('Queued later', { n: 2 });
    await fixture(html`<heap-analytics env-id=${envId} endpoint=${ENDPOINT} flush-interval="20"></heap-analytics>`);
    await waitForEvents(envId, 2, { type: 'track' });
    await waitForEvents(envId, 1, { type: 'pageview' });
    // In capture order, which the ids keep.
    const events = (await storedEvents(envId)).filter((e) => e.type !== 'identify' && e.type !== 'user_properties').sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(events.map((e) => [e.type, e.name, e.identity, e.properties])).to.deep.equal([
      ['pageview', null, 'u1', { plan: 'pro', section: 'blog' }],
      ['track', 'Queued', 'u1', { plan: 'pro', section: 'blog', n: 1 }],
      ['track', 'Queued later', 'u1', { plan: 'pro', later: true, section: 'blog', n: 2 }],
    ]);
  });

  it('fires heap-event for the boot pageview and the calls a snippet queued, in order, to a listener added before connecting', async () => {
    const envId = newEnv('bootevents');
    window.heap = Object.assign([['identify', 'u1'], ['track', 'Queued', { n: 1 }]], { appid: envId });
    const el = document.createElement('heap-analytics');
    el.setAttribute('env-id', envId);
    el.setAttribute('endpoint', ENDPOINT);
    const seen: string[] = [];
    el.addEventListener('heap-event', (e) => seen.push(`${e.detail.type} ${e.detail.name ?? ''}`.trim()));
    document.body.append(el);
    await el.ready;
    el.track('After boot');
    await waitForEvents(envId, 1, { name: 'After boot' });
    expect(seen).to.deep.equal(['identify', 'pageview', 'track Queued', 'track After boot']);
    el.remove();
  });

  it('answers its own methods called by a callback queued on the newer snippet\'s heapReadyCb', async () => {
    const envId = newEnv('readycbelement');
    resetWarnings();
    window.heapReadyCb = [{ name: 'track', fn: () => document.querySelector<HeapAnalyticsElement>(`heap-analytics[env-id="${envId}"]`)!.track('From the queue') }];
    const { warnings } = await captureConsole(() => fixture(html`<heap-analytics env-id=${envId} endpoint=${ENDPOINT} flush-interval="20"></heap-analytics>`));
    expect(warnings).to.deep.equal([]);
    await waitForEvents(envId, 1, { name: 'From the queue' });
  });

  it('honours the settings the classic snippet\'s heap.load(appid, config) kept, the stricter winning for privacy switches', async () => {
    const envId = newEnv('snippetconfig');
    // heap.load('...', {...}) of the classic snippet: the stub keeps the config on window.heap.config.
    window.heap = Object.assign([], { appid: envId, config: { disableTextCapture: true, disablePageviewAutocapture: true } });
    const el = await fixture<HeapAnalyticsElement>(html`<heap-analytics env-id=${envId} endpoint=${ENDPOINT} flush-interval="20" disable-text-capture="false"></heap-analytics>`);
    const button = document.createElement('button');
    button.textContent = 'Secret label';
    document.body.append(button);
    try {
      button.click();
      el.track('Marker');
      await waitForEvents(envId, 1, { name: 'Marker' });
      const events = await storedEvents(envId);
      // No boot pageview; the click without its text.
      expect(events.map((e) => e.type)).to.deep.equal(['click', 'track']);
      expect(JSON.stringify(events[0]!.target)).to.not.include('Secret label');
    } finally {
      button.remove();
    }
  });

  it('keeps honouring the classic snippet\'s settings for an element put back after the tracker stopped', async () => {
    const envId = newEnv('snippetconfigagain');
    window.heap = Object.assign([], { appid: envId, config: { disableTextCapture: true, disablePageviewAutocapture: true } });
    const element = () => fixture<HeapAnalyticsElement>(html`<heap-analytics env-id=${envId} endpoint=${ENDPOINT} flush-interval="20"></heap-analytics>`);
    // The layout holding the element goes (its tracker stops), and a later route renders it again.
    (await element()).remove();
    await waitUntilGone(envId);
    const el = await element();
    const button = document.createElement('button');
    button.textContent = 'Secret label';
    document.body.append(button);
    try {
      button.click();
      el.track('Marker');
      await waitForEvents(envId, 1, { name: 'Marker' });
      const events = await storedEvents(envId);
      expect(events.map((e) => e.type)).to.deep.equal(['click', 'track']);
      expect(JSON.stringify(events[0]!.target)).to.not.include('Secret label');
    } finally {
      button.remove();
    }
  });

  it('honours the settings the newer snippet\'s heap.load(envId, config) kept, under the element\'s script config', async () => {
    const envId = newEnv('snippetclientconfig');
    window.heap = Object.assign([], { envId, clientConfig: { disablePageviewAutocapture: true, flushInterval: 60_000, shouldFetchServerConfig: false } });
    const el = document.createElement('heap-analytics') as HeapAnalyticsElement;
    el.config = { endpoint: ENDPOINT, flushInterval: 20 };
    el.setAttribute('env-id', envId);
    document.body.append(el);
    await el.ready;
    el.track('Marker');
    await waitForEvents(envId, 1, { name: 'Marker' });
    expect((await storedEvents(envId)).map((e) => e.type)).to.deep.equal(['track']);
    el.remove();
  });

  it('lets the stricter of script config and attribute win for privacy switches', async () => {
    const envId = newEnv('stricter');
    const el = document.createElement('heap-analytics') as HeapAnalyticsElement;
    el.config = { endpoint: ENDPOINT, flushInterval: 20, disableTextCapture: true } as never;
    el.setAttribute('env-id', envId);
    el.setAttribute('disable-text-capture', 'false');
    document.body.append(el);
    await el.ready;
    const button = document.createElement('button');
    button.textContent = 'Secret label';
    document.body.append(button);
    try {
      button.click();
      const [click] = await waitForEvents(envId, 1, { type: 'click' });
      expect(JSON.stringify(click!.target)).to.not.include('Secret label');
    } finally {
      button.remove();
      el.remove();
    }
  });
});
