import { expect } from '@open-wc/testing';
import { cleanUp, requestLog, sleep, startRuntime, storedEvents } from '../test/collector.ts';

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
  afterEach(() => cleanUp());

  it("deliver the events kept past a cap on a page with Prototype.js's Array.prototype.toJSON, without resending a refused drop report", async () => {
    await withPrototypeJs(async () => {
      const heap = startRuntime('prototype-js', { maxEvents: 2, consent: 'pending', disablePageviewAutocapture: true });
      for (const name of ['First', 'Second', 'Third', 'Fourth']) heap.track(name);
      // Held while consent is undecided: the two oldest go over the cap, and their count waits to be reported.
      await sleep(50);
      heap.setConsent('granted');
      heap.track('Fifth');
      for (let i = 0; i < 100 && (await storedEvents(heap.envId)).length < 3; i++) await sleep(50);
      await sleep(300);
      expect((await storedEvents(heap.envId)).map((e) => e.name)).to.deep.equal(['Third', 'Fourth', 'Fifth']);
      // The report the collector refused is not sent again and again.
      expect((await requestLog(heap.envId)).length).to.be.below(5);
    });
  });
});
