import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { startCollector } from './harness.mjs';

/** @type {Awaited<ReturnType<typeof startCollector>>} */
let c;
before(async () => { c = await startCollector(); });
after(() => c.close());

/** A raw GET, so paths reach the server exactly as written (fetch would normalize `..`). @param {string} path */
function rawGet(path) {
  return new Promise((resolve, reject) => {
    request(`${c.origin}${path}`, (res) => { res.resume(); resolve(res.statusCode); }).on('error', reject).end();
  });
}

test('the live view page is served at the base path with a CSP that allows its import map', async () => {
  const res = await fetch(`${c.base}/`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
  const html = await res.text();
  assert.match(html, /<heap-live-app>/);
  const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
  const hash = createHash('sha256').update(importMap).digest('base64');
  assert.match(res.headers.get('content-security-policy') ?? '', new RegExp(`script-src 'self' 'sha256-${hash.replace(/[+/]/g, '\\$&')}'`));

  const redirect = await fetch(c.base, { redirect: 'manual' });
  assert.deepEqual([redirect.status, redirect.headers.get('location')], [308, '__collect/']);
});

test('every module the import map names is served, and the app modules too', async () => {
  const html = await (await fetch(`${c.base}/`)).text();
  const { imports } = JSON.parse(/<script type="importmap">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '{}');
  const files = Object.entries(imports).filter(([name]) => !name.endsWith('/')).map(([, url]) => url);
  files.push('./live/live-app.js', './live/event-table.js', './live/drop-count.js', './live/live.css', './live/vendor/lit/directives/repeat.js');
  for (const file of files) {
    const res = await fetch(new URL(file, `${c.base}/`));
    assert.equal(res.status, 200, file);
    assert.match(res.headers.get('content-type') ?? '', /^text\/(javascript|css)/, file);
  }
  const res = await fetch(`${c.base}/live/live-app.js`);
  const again = await fetch(`${c.base}/live/live-app.js`, { headers: { 'If-None-Match': res.headers.get('etag') ?? '' } });
  assert.equal(again.status, 304);
});

test('nothing outside the live view and the Lit packages can be read', async () => {
  for (const path of [
    '/__collect/live/../collector/handler.mjs',
    '/__collect/live/%2e%2e/collector/handler.mjs',
    '/__collect/live/..%2fcollector%2fhandler.mjs',
    '/__collect/live/vendor/lit/package.json',
    '/__collect/live/vendor/better-sqlite3/lib/index.js',
    '/__collect/live/vendor/lit/../../package.json',
    '/__collect/live/missing.js',
    '/__collect/live/',
  ]) {
    assert.equal(await rawGet(path), 404, path);
  }
  assert.equal(await rawGet('/__collect/live/%E0%A4%A'), 400);
});
