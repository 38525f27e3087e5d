import { expect } from '@open-wc/testing';
import { captureConsole, cleanUp, startRuntime, waitForEvents } from '../test/collector.ts';
import { mount, unmount } from '../test/markup.ts';
import { resetWarnings } from './warn.ts';

describe('features', () => {
  const { MutationObserver: realObserver } = globalThis;
  const { addEventListener: realAdd } = EventTarget.prototype;
  afterEach(() => {
    globalThis.MutationObserver = realObserver;
    EventTarget.prototype.addEventListener = realAdd;
    unmount();
    cleanUp();
  });

  it('stops the navigation tracking autocapture started before its interaction listeners failed to start', async () => {
    resetWarnings();
    const { pushState } = history;
    // The first type the shared interaction listener adds to the document; the rest of the tracker listens to others.
    // The tracker adds its listeners with the DOM's own method (named elements can shadow the document's), so that is
    // where the fault goes.
    EventTarget.prototype.addEventListener = function (this: EventTarget, type: string, ...rest: [EventListener, AddEventListenerOptions]) {
      if (this === document && type === 'focusin') throw new Error('no listeners here');
      realAdd.call(this, type, ...rest);
    } as typeof realAdd;
    const { result: heap, errors } = await captureConsole(() => startRuntime('features-partial'));
    EventTarget.prototype.addEventListener = realAdd;
    expect(errors[0]).to.include('autocapture-failed').and.include('autocapture tracking failed to start');
    expect(history.pushState).to.not.equal(pushState);
    heap.dispose();
    expect(history.pushState).to.equal(pushState);
  });

  it('reports markup tracking that fails to start, by its code and what failed, and autocapture runs on', async () => {
    resetWarnings();
    globalThis.MutationObserver = class {
      constructor() {
        throw new Error('no observers here');
      }
    } as unknown as typeof MutationObserver;
    const { result: heap, errors } = await captureConsole(() => startRuntime('features', { disablePageviewAutocapture: true }));
    globalThis.MutationObserver = realObserver;
    expect(errors).to.have.length(1);
    expect(errors[0]).to.include('markup-failed').and.include('markup tracking failed to start');
    mount(`<button id="buy">Buy</button>`).querySelector('button')!.click();
    const [event] = await waitForEvents(heap.envId, 1, { type: 'click' });
    expect(event!.target).to.include({ tag: 'button', id: 'buy' });
  });
});
