// The server `npm start` runs, without a browser: the collector as vite serves it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo } from './dev-server.mjs';
import { expectContinue, makeBatch, makeEvent, newEnvId } from './collector/harness.mjs';

test('npm start\'s server answers 413 at once to Expect: 100-continue past the body limit, and 100 Continue to the rest', async () => {
  const demo = await startDemo({ port: 0, dbFile: ':memory:', watch: false, logLevel: 'silent' });
  try {
    const batch = `${demo.origin}/__collect/v1/batch`;
    assert.deepEqual(await expectContinue(batch, 2 * 1024 * 1024, ''), { continued: false, status: 413 });
    const fits = JSON.stringify(makeBatch(newEnvId(), [makeEvent()]));
    assert.deepEqual(await expectContinue(batch, Buffer.byteLength(fits), fits), { continued: true, status: 200 });
    // Not the collector's: the demo's own routes get their 100 Continue too (the signup form's POST moves on to thanks).
    assert.deepEqual(await expectContinue(`${demo.origin}/demo/signup`, 2 * 1024 * 1024, 'x'.repeat(2 * 1024 * 1024)), { continued: true, status: 303 });
  } finally {
    await demo.close();
  }
});
