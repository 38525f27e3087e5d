import { expect } from '@open-wc/testing';
import type { HeapRuntime } from './load.ts';
import type { RuntimeOptions } from './runtime.ts';
import { createFetchTransport, type Transport } from './transport.ts';
import { resetWarnings } from './warn.ts';
import { ENDPOINT, cleanUp, failOnUncaught, requestLog, setFaults, sleep, startRuntime, storedEvents, uniqueEnv } from '../test/collector.ts';

const fast = { retry: [50, 400], disablePageviewAutocapture: true } satisfies RuntimeOptions;
/** No retry for a minute: after the first answer nothing more is sent, so nothing answers after the test. */
const once = { ...fast, retry: [60_000, 60_000, () => 1] } satisfies RuntimeOptions;

/** Another origin of the test server, whose pages carry no CORS headers. */
const otherOrigin = location.origin.replace(location.hostname, location.hostname === 'localhost' ? '127.0.0.1' : 'localhost');

/**
 * Boots a runtime, tracks one event, and gathers the tracker's console warnings until `done` (up to 10 s): what a
 * site owner reads after pasting the two lines wrong. A test ends with nothing in flight, so that no answer warns
 * during the next one.
 */
async function warningsOf(envId: string, options: RuntimeOptions, done: (heap: HeapRuntime, warnings: string[]) => Promise<boolean> | boolean) {
  // An answer to the previous test's last request, still on its way as that test ended, prints its warning, and a
  // warning prints once: after one more round trip to the server, that answer has come, and the slate is cleaned.
  await requestLog(envId);
  resetWarnings();
  const warnings: string[] = [];
  const { warn } = console;
  console.warn = (...args: unknown[]) => void (String(args[0]).startsWith('[heap-analytics]') ? warnings.push(String(args[0])) : warn(...args));
  try {
    const heap = startRuntime('transport', options, envId);
    heap.track('Signup');
    for (let i = 0; i < 400 && !(await done(heap, warnings)); i++) await sleep(25);
    return warnings;
  } finally {
    console.warn = warn;
  }
}

/** The event reached the collector: every answer before it was settled. */
const delivered = async (heap: HeapRuntime) => (await storedEvents(heap.envId, { type: 'track' })).length > 0;
/** A warning was printed; the events are then forgotten (consent denied), so that nothing is sent again. */
const warned = (heap: HeapRuntime, warnings: string[]) => !!warnings.length && (heap.setConsent('denied'), true);

describe('transport: what the console says when delivery cannot work', () => {
  failOnUncaught();
  afterEach(cleanUp);

  it("warns once, with the collector's problem, when it refuses every batch of an env id over 64 characters", async () => {
    const envId = `t-long-env-${'x'.repeat(60)}-${Math.random().toString(36).slice(2, 8)}`;
    // The event alone, then the count of its drop alone: both refused, and nothing is left to send.
    const warnings = await warningsOf(envId, fast, async (heap) => !heap.pending && (await requestLog(envId)).filter((r) => r.status === 400).length === 2);
    expect(warnings, warnings.join('\n')).to.have.length(1);
    expect(warnings[0]).to.match(/^\[heap-analytics\] delivery-failed: \S*\/__collect\/v1\/batch answered 400: env_id must be a string of 1-64 chars\. /);
    expect(warnings[0]).to.include('dropped and counted as "rejected"');
  });

  for (const [label, fault, answer] of [
    ["a path that is not the collector's (404)", { kind: 'status', status: 404 }, 'answered 404: test fault'],
    ['a redirect that turned the POST into a GET (405)', { kind: 'status', status: 405 }, 'answered 405: test fault'],
    ['a login page a redirect ended on (an HTML 200)', { kind: 'status', status: 200, html: true }, 'answered 200. '],
  ] as const) {
    it(`warns once when the endpoint gives ${label}, and delivers the event kept once it is fixed`, async () => {
      const envId = uniqueEnv('wrong-endpoint');
      await setFaults(envId, [{ ...fault, times: 2 }]);
      const warnings = await warningsOf(envId, fast, delivered);
      expect(warnings, warnings.join('\n')).to.have.length(1);
      expect(warnings[0]).to.include(`delivery-failed: ${ENDPOINT} ${answer}`);
      expect(warnings[0]).to.include('check the endpoint setting');
      expect(await storedEvents(envId, { type: 'track' })).to.have.length(1);
    });
  }

  it('warns of a relative endpoint that the site itself answers with a 404', async () => {
    const warnings = await warningsOf(uniqueEnv('relative'), { ...once, endpoint: '/v1/batch' }, warned);
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.include('delivery-failed: /v1/batch answered 404');
  });

  for (const status of [503, 429]) {
    it(`says nothing of a collector that asks to wait (${status})`, async () => {
      const envId = uniqueEnv('busy');
      await setFaults(envId, [{ kind: 'status', status, times: 1 }]);
      expect(await warningsOf(envId, fast, delivered)).to.deep.equal([]);
      expect((await requestLog(envId)).map((r) => r.status)).to.deep.equal([status, 200]);
    });
  }

  it('warns once when a collector on another origin does not allow this page (CORS)', async () => {
    const endpoint = `${otherOrigin}/no-cors/v1/batch`;
    const warnings = await warningsOf(uniqueEnv('cors'), { ...once, endpoint }, warned);
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.include(`collector-unreachable: no answer from ${endpoint}`);
    expect(warnings[0]).to.include('(CORS)');
  });

  it('says nothing of a request that gets no answer while the browser is offline', async () => {
    // The same request as above, refused by CORS: the browser fails it at once, and never sends it again on its own.
    const fetchTransport = createFetchTransport(`${otherOrigin}/no-cors/v1/batch`);
    let answered = 0;
    const transport: Transport = (...args) => fetchTransport(...args).finally(() => answered++);
    Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => false });
    try {
      const warnings = await warningsOf(uniqueEnv('offline'), { ...once, transport }, (heap) => answered > 0 && (heap.setConsent('denied'), true));
      expect(answered).to.equal(1);
      expect(warnings).to.deep.equal([]);
    } finally {
      delete (navigator as { onLine?: boolean }).onLine;
    }
  });
});
