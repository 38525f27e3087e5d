import { expect } from '@open-wc/testing';
import { captureConsole, cleanUp, startRuntime, waitForEvents } from '../test/collector.ts';
import { mount, unmount } from '../test/markup.ts';
import { resetWarnings } from './warn.ts';

describe('features', () => {
  const { MutationObserver: realObserver } = globalThis;
  const { addEventListener: realAdd } = document;
  afterEach(() => {
    globalThis.MutationObserver = realObserver;
    document.addEventListener = realAdd;
    unmount();
    cleanUp();
  });

  it('stops the navigation tracking autocapture started before its interaction listeners failed to start', async () => {
    resetWarnings();
    const { pushState } = history;
    const { addEventListener } = document;
    // The first type the shared interaction listener adds; the rest of the tracker listens to others.
    document.addEventListener = function (this: Document, type: string, ...rest: [EventListener, AddEventListenerOptions]) {
      if (type === 'focusin') throw new Error('no listeners here');
      addEventListener.call(this, type, ...rest);
    } as typeof addEventListener;
    const { result: heap, errors } = await captureConsole(() => startRuntime('features-partial'));
    document.addEventListener = addEventListener;
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
