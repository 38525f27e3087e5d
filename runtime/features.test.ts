import { expect } from '@open-wc/testing';
import { captureConsole, cleanUp, startRuntime, waitForEvents } from '../test/collector.ts';
import { mount, unmount } from '../test/markup.ts';
import { resetWarnings } from './warn.ts';

describe('features', () => {
  const { MutationObserver: realObserver } = globalThis;
  afterEach(() => {
    globalThis.MutationObserver = realObserver;
    unmount();
    cleanUp();
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
