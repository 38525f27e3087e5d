// The published package, as users get it: `npm pack`, install the tarball into a scratch project, then load each entry
// point the way a page or a bundler-free app would, in Chromium, against the real collector. Also: strict CSP with
// Trusted Types, and loading late, early, async, twice, by createElement and inside an iframe.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import puppeteer from 'puppeteer-core';
import { createCollector } from '../demo/collector/handler.mjs';
import { ensureBuilt } from './build.mjs';

import { CHROMIUM_FLAGS, CHROMIUM_PATH } from './chromium.mjs';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PKG = 'heap-analytics';
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.map': 'application/json', '.json': 'application/json', '.html': 'text/html' };

let scratch;
let installed;
let packed;
let collector;
let site;
let collectorSite;
let browser;
/** In-memory pages and scripts: path -> { body, type, headers }. */
const routes = new Map();

function run(cmd, args, cwd) {
  const result = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  assert.equal(result.status, 0, `${cmd} ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** Like run(), without blocking the event loop (the browser starts meanwhile). */
function runAsync(cmd, args, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} failed:\n${out}`))));
  });
}

function listen(handler) {
  return new Promise((resolve) => {
    const server = createServer(handler);
    server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${server.address().port}` }));
  });
}

function serveFile(res, file) {
  res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' });
  createReadStream(file).pipe(res);
}

/** The scratch project's node_modules, in-memory pages, and the collector under /__collect. */
function handle(req, res) {
  const path = new URL(req.url, 'http://x').pathname;
  if (path.startsWith('/__collect')) return void collector.handle(req, res);
  const route = routes.get(path);
  if (route) {
    res.writeHead(200, { 'Content-Type': route.type, 'Cache-Control': 'no-store', ...route.headers });
    return void res.end(route.body);
  }
  if (path === '/favicon.ico') return void res.writeHead(204).end();
  if (path.startsWith('/node_modules/')) {
    const file = normalize(join(scratch, decodeURIComponent(path)));
    if (file.startsWith(join(scratch, 'node_modules') + sep) && existsSync(file) && statSync(file).isFile()) return void serveFile(res, file);
  }
  res.writeHead(404).end();
}

const page = (path, { head = '', body = '', headers = {} } = {}) =>
  routes.set(path, { type: 'text/html', headers, body: `<!doctype html><html><head><meta charset="utf-8"><title>${path}</title>${head}</head><body>${body}</body></html>` });
const script = (path, body) => routes.set(path, { type: 'text/javascript', headers: {}, body });

const ESM = `/node_modules/${PKG}/dist/heap-analytics.js`;
const IIFE = `/node_modules/${PKG}/dist/heap-analytics.iife.js`;
const element = (envId, attrs = '') => `<heap-analytics env-id="${envId}" flush-interval="50"${attrs}></heap-analytics>`;
const envId = (label) => `pack-${label}-${Math.random().toString(36).slice(2, 8)}`;

/** The target a browser uses for `pkg`'s export `subpath` (browser, then import, then default). */
function browserTarget(pkgDir, subpath = '.') {
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  let target = typeof pkg.exports === 'object' && !pkg.exports['.'] && subpath === '.' ? pkg.exports : pkg.exports?.[subpath];
  if (target === undefined && subpath === '.') target = pkg.module ?? pkg.main ?? 'index.js';
  while (target && typeof target === 'object') target = target.browser ?? target.import ?? target.default;
  assert.ok(typeof target === 'string', `${pkgDir} exports no browser target for ${subpath}`);
  return target.replace(/^\.\//, '');
}

/** An import map for a bundler-free page: our entry points from package.json `exports`, plus the named dependencies. */
function importMap(deps) {
  const imports = {};
  for (const sub of ['.', './element', './runtime']) imports[sub === '.' ? PKG : `${PKG}/${sub.slice(2)}`] = `/node_modules/${PKG}/${browserTarget(installed, sub)}`;
  for (const dep of deps) {
    imports[dep] = `/node_modules/${dep}/${browserTarget(join(scratch, 'node_modules', dep))}`;
    imports[`${dep}/`] = `/node_modules/${dep}/`;
  }
  return `<script type="importmap">${JSON.stringify({ imports })}</script>`;
}
const LIT = ['lit', 'lit-html', 'lit-element', '@lit/reactive-element'];

async function storedEvents(env, filter = {}) {
  const query = new URLSearchParams({ env_id: env, limit: '1000', ...filter });
  const res = await fetch(`${site.origin}/__collect/v1/events?${query}`);
  assert.equal(res.status, 200);
  return (await res.json()).events;
}

/** Polls the collector until `count` events of `env` match `filter`. */
async function waitForEvents(env, filter = {}, count = 1, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = await storedEvents(env, filter);
    if (events.length >= count) return events;
    if (Date.now() > deadline) throw new Error(`collector: expected ${count} event(s) ${JSON.stringify(filter)} for ${env}, got ${events.length}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Opens `path` in a fresh tab and records console messages and uncaught errors (of every frame). */
async function open(path) {
  const tab = await browser.newPage();
  const log = { warnings: [], errors: [], pageErrors: [], ours: [] };
  tab.on('console', (msg) => {
    if (msg.text().startsWith('[heap-analytics]')) log.ours.push(`${msg.type()} ${msg.text()}`);
    if (msg.type() === 'warn' || msg.type() === 'warning') log.warnings.push(msg.text());
    if (msg.type() === 'error') log.errors.push(msg.text());
  });
  tab.on('pageerror', (err) => log.pageErrors.push(String(err)));
  await tab.goto(`${site.origin}${path}`, { waitUntil: 'load' });
  return { tab, log };
}

const heapReady = (frame) => frame.waitForFunction(() => window.heap?.loaded === true, { timeout: 10_000 });

/** No exception reached the page and the tracker said nothing, bar the warnings a case expects. */
function assertQuiet(log, expectedWarnings = []) {
  assert.deepEqual(log.pageErrors, [], 'uncaught errors');
  assert.deepEqual(log.errors, [], 'console errors');
  const ours = log.warnings.filter((w) => w.startsWith('[heap-analytics]'));
  assert.equal(ours.length, expectedWarnings.length, `warnings: ${JSON.stringify(ours)}`);
  expectedWarnings.forEach((pattern, i) => assert.match(ours[i], pattern));
}

before(async () => {
  await ensureBuilt();
  scratch = mkdtempSync(join(tmpdir(), 'heap-analytics-pack-'));
  const [info] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', scratch], ROOT));
  packed = info;
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true, type: 'module' }));
  const installing = runAsync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', join(scratch, info.filename)], scratch);
  installing.catch(() => {}); // awaited below; this keeps a failure from going unhandled while the browser starts
  installed = join(scratch, 'node_modules', PKG);
  collector = createCollector({ testing: true });
  site = await listen(handle);
  collectorSite = await listen((req, res) => void collector.handle(req, res));
  browser = await puppeteer.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_FLAGS });
  await installing;
}, { timeout: 120_000 });

after(async () => {
  await browser?.close();
  site?.server.close();
  collectorSite?.server.close();
  await collector?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('holds the bundles, the ES modules with .d.ts, their maps and the manifest, and no sources or tests', () => {
    const files = packed.files.map((f) => f.path);
    for (const file of ['package.json', 'dist/heap-analytics.js', 'dist/heap-analytics.js.map', 'dist/heap-analytics-messages.js', 'dist/heap-analytics.iife.js', 'dist/heap-analytics.iife.js.map', 'dist/custom-elements.json']) {
      assert.ok(files.includes(file), `${file} is packed`);
    }
    for (const entry of ['components/heap-analytics-define', 'components/heap-analytics', 'runtime/index']) {
      for (const ext of ['.js', '.js.map', '.d.ts']) assert.ok(files.includes(`dist/esm/${entry}${ext}`), `dist/esm/${entry}${ext} is packed`);
    }
    assert.deepEqual(files.filter((f) => /\.test\.|(^|\/)(runtime|components|demo|scripts|test)\/|\.ts$/.test(f) && !f.startsWith('dist/')), []);
    assert.deepEqual(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')), []);
  });

  it('points package.json main, types, exports, sideEffects and customElements at files it ships', () => {
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    const targets = [pkg.main, pkg.module, pkg.types, pkg.customElements, ...pkg.sideEffects];
    for (const value of Object.values(pkg.exports)) targets.push(...(typeof value === 'string' ? [value] : Object.values(value)));
    for (const target of targets) assert.ok(existsSync(join(installed, target)), `${target} exists`);
    assert.ok(pkg.sideEffects.every((f) => /heap-analytics-define\.js$|dist\/heap-analytics(\.iife|-debug)?\.js$/.test(f)), 'only the registration module (and the bundles, which are it bundled) has side effects');
  });

  it('resolves the overlay import docs/debugging.md gives (`heap-analytics/dist/heap-analytics-debug.js`), kept by bundlers', () => {
    const out = run(process.execPath, ['--input-type=module', '-e', `console.log(import.meta.resolve('${PKG}/dist/heap-analytics-debug.js'))`], scratch);
    assert.ok(existsSync(fileURLToPath(out.trim())), out);
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    assert.ok(pkg.sideEffects.includes('./dist/heap-analytics-debug.js'), 'the import registers <heap-analytics-debug>: a bundler must not drop it');
  });

  it('loads every entry point under Node without a DOM, and the runtime entry imports no Lit', async () => {
    const out = run(process.execPath, ['--input-type=module', '-e', `
      const define = await import('${PKG}'); const el = await import('${PKG}/element'); const rt = await import('${PKG}/runtime');
      console.log(JSON.stringify([typeof define.defineHeapAnalytics, typeof el.HeapAnalyticsElement, typeof rt.load, rt.API_METHODS.length]));`], scratch);
    assert.deepEqual(JSON.parse(out), ['function', 'function', 'function', 15]);

    // Walk the runtime entry's imports: relative files and bare packages.
    const bare = new Set();
    const seen = new Set();
    const queue = [join(installed, browserTarget(installed, './runtime'))];
    while (queue.length) {
      const file = queue.pop();
      if (seen.has(file)) continue;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const [, spec] of text.matchAll(/(?:from\s*|import\s*\(?\s*)['"]([^'"]+)['"]/g)) {
        if (spec.startsWith('.')) queue.push(join(file, '..', spec));
        else bare.add(spec);
      }
    }
    assert.ok(seen.size > 5, 'the walk found the runtime modules');
    assert.deepEqual([...bare], [], 'the runtime imports no package');
  });

  it('lists the attributes, the fifteen methods, setConsent/getConsent and the heap-* events in the Custom Elements Manifest', async () => {
    const manifest = JSON.parse(readFileSync(join(installed, 'dist/custom-elements.json'), 'utf8'));
    const { API_METHODS } = await import(join(installed, browserTarget(installed, './runtime')));
    const definition = manifest.modules.flatMap((m) => m.exports ?? []).find((e) => e.kind === 'custom-element-definition' && e.name === 'heap-analytics');
    assert.ok(definition, 'the manifest defines <heap-analytics>');
    const declaration = manifest.modules.find((m) => m.path === definition.declaration.module)?.declarations.find((d) => d.name === definition.declaration.name);
    assert.ok(existsSync(join(installed, definition.declaration.module)), 'module paths name shipped JavaScript');
    const attributes = declaration.attributes.map((a) => a.name);
    for (const name of ['env-id', 'endpoint', 'flush-interval', 'batch-size', 'session-timeout', 'cookie-domain', 'disable-pageview-autocapture', 'debug-overlay']) assert.ok(attributes.includes(name), `attribute ${name}`);
    assert.ok(declaration.attributes.filter((a) => a.name !== 'env-id').every((a) => a.type?.text), 'attributes are typed');
    const methods = declaration.members.filter((m) => m.kind === 'method' && m.privacy !== 'private').map((m) => m.name);
    assert.deepEqual(API_METHODS.filter((m) => !methods.includes(m)), [], 'every API call is a method');
    // The README lists the consent pair among the element's members: an editor reading the manifest offered neither.
    const consent = declaration.members.filter((m) => m.name === 'setConsent' || m.name === 'getConsent');
    assert.deepEqual(consent.map((m) => [m.name, m.parameters?.[0]?.type.text ?? null, m.return.type.text]), [
      ['setConsent', "'granted' | 'pending' | 'denied'", 'void'],
      ['getConsent', null, "'granted' | 'pending' | 'denied'"],
    ]);
    assert.deepEqual(declaration.events.map((e) => e.name).sort(), ['heap-event', 'heap-ready']);
    assert.ok(declaration.events.every((e) => e.description && e.type?.text.startsWith('CustomEvent<')));
  });

  it('gives TypeScript users window.heap, the tag and event maps and the exported types (bundler and nodenext resolution)', () => {
    writeFileSync(join(scratch, 'define-only.ts'), `
      import '${PKG}';
      const el = document.createElement('heap-analytics');
      el.track('Signup', { plan: 'pro' });
      const ready: Promise<boolean> = el.ready;
      el.addEventListener('heap-ready', (e) => { const id: string = e.detail.envId; });
      window.heap?.track('Purchase', { dollars: 50 });
      // The README's consent calls, also on window.heap.
      window.heap?.setConsent('granted');
      const consent: 'granted' | 'pending' | 'denied' | undefined = window.heap?.getConsent();
      export {};`);
    writeFileSync(join(scratch, 'app.ts'), `
      import { HeapAnalyticsElement } from '${PKG}/element';
      import { installGlobal, load, type HeapConfig, type HeapEvent, type HeapApi } from '${PKG}/runtime';
      customElements.define('my-analytics', class extends HeapAnalyticsElement {});
      const el = document.querySelector('heap-analytics');
      el?.addEventListener('heap-event', (e) => { const type: HeapEvent['type'] = e.detail.type; });
      const identity: string | null | undefined = window.heap?.getIdentity();
      // @ts-expect-error an event name is a string
      window.heap?.track(42);
      // @ts-expect-error no such call
      window.heap?.trak('x');
      window.heap = [['track', 'Queued before load']];
      const config: HeapConfig = { endpoint: 'https://collect.example.com/v1/batch', flushInterval: 500 };
      const api: HeapApi | undefined = load('123', config);
      // The snippet-aware boot: window.heap installed before the boot pageview.
      load('456', config, installGlobal);
      export {};`);
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const common = ['--noEmit', '--strict', '--target', 'es2022', '--lib', 'es2022,dom,dom.iterable', '--types', '', '--skipLibCheck', 'false', '--skipDefaultLibCheck', 'define-only.ts', 'app.ts'];
    for (const resolution of [['--module', 'esnext', '--moduleResolution', 'bundler'], ['--module', 'nodenext', '--moduleResolution', 'nodenext']]) {
      run(process.execPath, [tsc, ...resolution, ...common], scratch);
    }
  });
});

describe('each entry point in Chromium', () => {
  it('the ES module bundle boots the element from a <script type="module"> and delivers heap.track', async () => {
    const env = envId('esm');
    page('/esm.html', { head: `<script type="module" src="${ESM}"></script>`, body: element(env) });
    const { tab, log } = await open('/esm.html');
    await heapReady(tab);
    await tab.evaluate(() => window.heap.track('ESM bundle', { ok: true }));
    const [event] = await waitForEvents(env, { type: 'track', name: 'ESM bundle' });
    assert.deepEqual(event.properties, { ok: true });
    await waitForEvents(env, { type: 'pageview' });
    assert.equal(await tab.evaluate(() => typeof globalThis.litHtmlVersions), 'undefined', 'no lit-html on the page');
    assertQuiet(log);
    await tab.close();
  });

  it('the IIFE bundle works as a classic script after the element and exposes HeapAnalytics.defineHeapAnalytics', async () => {
    const env = envId('iife');
    page('/iife.html', { body: `${element(env)}<script src="${IIFE}"></script>` });
    const { tab, log } = await open('/iife.html');
    await heapReady(tab);
    assert.equal(await tab.evaluate(() => typeof window.HeapAnalytics?.defineHeapAnalytics), 'function');
    await tab.evaluate(() => window.heap.track('IIFE bundle'));
    await waitForEvents(env, { type: 'track', name: 'IIFE bundle' });
    assertQuiet(log);
    await tab.close();
  });

  it('the package entry (import map, no bundler) registers <heap-analytics>', async () => {
    const env = envId('define');
    page('/define.html', { head: `${importMap(LIT)}<script type="module">import '${PKG}';</script>`, body: element(env) });
    const { tab, log } = await open('/define.html');
    await heapReady(tab);
    await tab.evaluate(() => window.heap.track('Package entry'));
    await waitForEvents(env, { type: 'track', name: 'Package entry' });
    assertQuiet(log);
    await tab.close();
  });

  it('the element entry registers nothing itself; the class works under another tag', async () => {
    const env = envId('class');
    page('/class.html', {
      head: `${importMap(LIT)}<script type="module">
        import { HeapAnalyticsElement } from '${PKG}/element';
        window.registeredByImport = customElements.get('heap-analytics') !== undefined;
        customElements.define('my-analytics', class extends HeapAnalyticsElement {});
      </script>`,
      body: `<my-analytics env-id="${env}" flush-interval="50"></my-analytics>`,
    });
    const { tab, log } = await open('/class.html');
    await tab.waitForFunction(() => customElements.get('my-analytics') !== undefined);
    assert.equal(await tab.evaluate(() => document.querySelector('my-analytics').ready), true);
    assert.deepEqual(await tab.evaluate(() => [window.registeredByImport, customElements.get('heap-analytics') === undefined]), [false, true]);
    await tab.evaluate(() => document.querySelector('my-analytics').track('Class entry'));
    await waitForEvents(env, { type: 'track', name: 'Class entry' });
    assertQuiet(log);
    await tab.close();
  });

  it('the runtime entry runs load() with no Lit on the page (the import map cannot even resolve lit)', async () => {
    const env = envId('runtime');
    page('/runtime.html', {
      head: `${importMap([])}<script type="module">
        import { load } from '${PKG}/runtime';
        const runtime = load('${env}', { endpoint: '/__collect/v1/batch', flushInterval: 50 });
        runtime.track('Runtime entry', { via: 'load' });
        window.runtimeLoaded = true;
      </script>`,
    });
    const { tab, log } = await open('/runtime.html');
    await tab.waitForFunction(() => window.runtimeLoaded === true);
    await waitForEvents(env, { type: 'track', name: 'Runtime entry' });
    assert.deepEqual(await tab.evaluate(() => [typeof globalThis.reactiveElementVersions, customElements.get('heap-analytics') === undefined]), ['undefined', true]);
    assertQuiet(log);
    await tab.close();
  });
});

/**
 * Bad calls whose warnings carry values (a described value, a length, a limit, a name, an exception's message, an
 * element and an attribute's value) between their text pieces; the last two from markup, on a click.
 */
const BAD_CALLS = `
  heap.track('');
  heap.track('x'.repeat(300));
  heap.addEventProperties('not an object');
  heap.addUserProperties({ ['k'.repeat(600)]: 1 });
  heap.removeEventProperty(42);
  heap.identify(null);
  heap.onReady('not a function');
  heap.trackPageview({ url: 'relative/path' });
  {
    // A call failing inside the tracker (not bad input: that has a warning of its own): the page's title unreadable.
    const title = Object.getOwnPropertyDescriptor(Document.prototype, 'title');
    Object.defineProperty(Document.prototype, 'title', { ...title, get() { throw new Error('no title'); } });
    heap.trackPageview();
    Object.defineProperty(Document.prototype, 'title', title);
  }
  document.body.insertAdjacentHTML('beforeend', '<button id="buy" data-heap-event="Buy" data-heap-props="{not json, and longer than forty characters">Buy</button>');
  document.getElementById('buy').click();
  heap.onReady(() => { throw new Error('ready boom'); });
  heap.init();
`;
/** How many of our warnings BAD_CALLS gives. */
const BAD_WARNINGS = 11;
/** Our console errors (the first line of each: a stack names the script it ran in), once `count` have arrived. */
async function ourErrors(log, count) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ours = log.errors.filter((e) => e.startsWith('[heap-analytics]')).map((e) => e.split('\n')[0]);
    if (ours.length >= count || Date.now() > deadline) return ours;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Our console warnings, once `count` of them have arrived. */
async function ourWarnings(log, count) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ours = log.warnings.filter((w) => w.startsWith('[heap-analytics]'));
    if (ours.length >= count || Date.now() > deadline) return ours;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('console messages of the drop-in bundles (their texts live in heap-analytics-messages.js)', () => {
  it('print the very sentences of the ES modules, values in place, in the order of the calls, from both bundles', async () => {
    // The reference: the package's ES modules keep every message inline.
    const ref = envId('msg-ref');
    page('/messages-ref.html', { head: `${importMap(LIT)}<script type="module">import '${PKG}';</script>`, body: element(ref) });
    const reference = await open('/messages-ref.html');
    await heapReady(reference.tab);
    await reference.tab.evaluate(BAD_CALLS);
    const expected = await ourWarnings(reference.log, BAD_WARNINGS);
    assert.equal(expected.length, BAD_WARNINGS, `${BAD_WARNINGS} warnings from the ES modules: ${JSON.stringify(expected)}`);
    assert.match(expected[0], /^\[heap-analytics\] event-name-empty: track\(\) got an empty event name/);
    // What the messages file describes when it prints: an exception, an element and an attribute's value.
    assert.match(expected[8], /: trackPageview\(\) failed and was skipped: no title$/);
    // A code built from a value, the value after its piece (the bundles number the piece).
    assert.match(expected[10], /^\[heap-analytics\] unsupported-init: heap\.init\(\) is not supported/);
    assert.match(expected[9], /markup-json-invalid: data-heap-props on <button id="buy" data-heap-event="Buy"> is not a JSON object \("\{not json, and longer than forty charact\.\.\."\)/);
    // An error with its cause, which the bundles pass as one number for the code and the text.
    const expectedErrors = await ourErrors(reference.log, 1);
    assert.deepEqual(expectedErrors.map((e) => e.split(' ').slice(0, 2).join(' ')), ['[heap-analytics] on-ready-callback-failed:']);
    // The cause comes after the sentence, as the bundles must pass it too.
    assert.match(expectedErrors[0] ?? '', /ready boom/);
    await reference.tab.close();

    for (const [label, head, body] of [
      ['esm', `<script type="module" src="${ESM}"></script>`, ''],
      ['iife', '', `<script src="${IIFE}"></script>`],
    ]) {
      const env = envId(`msg-${label}`);
      page(`/messages-${label}.html`, { head, body: element(env) + body });
      const { tab, log } = await open(`/messages-${label}.html`);
      await heapReady(tab);
      await tab.evaluate(BAD_CALLS);
      assert.deepEqual(await ourWarnings(log, BAD_WARNINGS), expected, `${label} bundle`);
      assert.deepEqual(await ourErrors(log, 1), expectedErrors, `${label} bundle's errors`);
      assert.deepEqual(log.pageErrors, []);
      await tab.close();
    }
  });

  it('still number the problem and give its values when the texts file cannot be loaded', async () => {
    const env = envId('msg-missing');
    // The bundle alone, away from its heap-analytics-messages.js.
    script('/lonely/heap-analytics.js', readFileSync(join(installed, 'dist/heap-analytics.js'), 'utf8'));
    page('/messages-missing.html', { head: '<script type="module" src="/lonely/heap-analytics.js"></script>', body: element(env) });
    const { tab, log } = await open('/messages-missing.html');
    await heapReady(tab);
    await tab.evaluate(() => {
      window.heap.track('x'.repeat(300));
      window.heap.identify({});
      window.heap.setConsent('z'.repeat(100));
    });
    const warnings = await ourWarnings(log, 3);
    const missing = ' \\(heap-analytics-messages\\.js did not load\\)$';
    assert.match(warnings[0] ?? '', new RegExp(`^\\[heap-analytics\\] warning \\d+: 255 \\| 300${missing}`));
    // A value the texts would have described: an object by its type, a string cut to 40 characters.
    assert.match(warnings[1] ?? '', new RegExp(`^\\[heap-analytics\\] warning \\d+: object${missing}`));
    assert.match(warnings[2] ?? '', new RegExp(`^\\[heap-analytics\\] warning \\d+: ${'z'.repeat(40)}${missing}`));
    await tab.evaluate(() => window.heap.track('still tracked'));
    await waitForEvents(env, { type: 'track', name: 'still tracked' });
    assert.deepEqual(log.pageErrors, []);
    await tab.close();
  });

  it('log each event in debug mode, in order with the warnings, as the ES modules do, from both bundles', async () => {
    const CALLS = `heap.track('First', { plan: 'pro' }); ${BAD_CALLS} heap.track('Last');`;
    /** Our lines once the last event is logged, each by its console method and its first line (ids left out). */
    const lines = async ({ tab, log }) => {
      await tab.evaluate(CALLS);
      const deadline = Date.now() + 10_000;
      while (!log.ours.includes('startGroupCollapsed [heap-analytics] track "Last"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(log.pageErrors, []);
      await tab.close();
      return log.ours;
    };
    const debug = ' debug disable-pageview-autocapture';
    page('/debug-ref.html', { head: `${importMap(LIT)}<script type="module">import '${PKG}';</script>`, body: element(envId('debug-ref'), debug) });
    const reference = await open('/debug-ref.html');
    await heapReady(reference.tab);
    const expected = await lines(reference);
    assert.ok(expected.filter((line) => line.startsWith('startGroupCollapsed')).length >= 3, JSON.stringify(expected));
    assert.equal(expected.filter((line) => line.startsWith('warn')).length, BAD_WARNINGS, JSON.stringify(expected));
    for (const [label, head, body] of [
      ['esm', `<script type="module" src="${ESM}"></script>`, ''],
      ['iife', '', `<script src="${IIFE}"></script>`],
    ]) {
      page(`/debug-${label}.html`, { head, body: element(envId(`debug-${label}`), debug) + body });
      const opened = await open(`/debug-${label}.html`);
      await heapReady(opened.tab);
      assert.deepEqual(await lines(opened), expected, `${label} bundle`);
    }
  });

  it('log each event in debug mode on one line, with the event, when the texts file cannot be loaded', async () => {
    script('/lonely/heap-analytics.js', readFileSync(join(installed, 'dist/heap-analytics.js'), 'utf8'));
    page('/debug-missing.html', { head: '<script type="module" src="/lonely/heap-analytics.js"></script>', body: element(envId('debug-missing'), ' debug') });
    const { tab, log } = await open('/debug-missing.html');
    await heapReady(tab);
    await tab.evaluate(() => window.heap.track('Logged anyway'));
    const deadline = Date.now() + 10_000;
    while (log.ours.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(
      log.ours.map((line) => line.split(' ').slice(0, 3).join(' ')),
      ['log [heap-analytics] pageview', 'log [heap-analytics] track'],
      JSON.stringify(log.ours),
    );
    assert.deepEqual(log.pageErrors, []);
    await tab.close();
  });
});

describe('web platform fit in Chromium', () => {
  const collectorPolicy = () =>
    `default-src 'none'; script-src 'self'; connect-src ${collectorSite.origin}; require-trusted-types-for 'script'; trusted-types 'none'`;

  for (const [label, bundle, type] of [['ESM', ESM, 'module'], ['IIFE', IIFE, 'text/javascript']]) {
    it(`the ${label} bundle runs under a strict CSP with Trusted Types: no violation, events delivered to a cross-origin collector`, async () => {
      const env = envId(`csp-${label.toLowerCase()}`);
      script('/app/watch.js', `window.violations = [];
        document.addEventListener('securitypolicyviolation', (e) => window.violations.push(e.violatedDirective + ' ' + e.blockedURI));`);
      // Heap's queue form works whether the tracker has loaded yet (a module) or not (a classic script).
      script('/app/track.js', `(window.heap = window.heap || []).push(['track', 'CSP ok', { label: '${label}' }]);`);
      page(`/csp-${label}.html`, {
        headers: { 'Content-Security-Policy': collectorPolicy() },
        head: `<script src="/app/watch.js"></script><script type="${type}" src="${bundle}"></script>`,
        body: `${element(env, ` endpoint="${collectorSite.origin}/__collect/v1/batch"`)}<script src="/app/track.js"></script>`,
      });
      const { tab, log } = await open(`/csp-${label}.html`);
      await heapReady(tab);
      await waitForEvents(env, { type: 'track', name: 'CSP ok' });
      await waitForEvents(env, { type: 'pageview' });
      assert.deepEqual(await tab.evaluate(() => window.violations), []);
      assertQuiet(log);
      // The policy is really enforced: an HTML sink without a Trusted Type throws and is reported.
      assert.equal(await tab.evaluate(() => { try { document.body.innerHTML = '<b>x</b>'; return 'allowed'; } catch { return 'blocked'; } }), 'blocked');
      await tab.waitForFunction(() => window.violations.length === 1);
      await tab.close();
    });
  }

  it('loaded early (classic script in <head>): markup parsed after the element boots is tracked', async () => {
    const env = envId('early');
    page('/early.html', { head: `<script src="${IIFE}"></script>`, body: `${element(env)}<button id="go" data-heap-event="Early click">Go</button>` });
    const { tab, log } = await open('/early.html');
    await heapReady(tab);
    await tab.click('#go');
    await waitForEvents(env, { name: 'Early click' });
    assertQuiet(log);
    await tab.close();
  });

  it('loaded async, and loaded late (script injected after the load event)', async () => {
    const asyncEnv = envId('async');
    page('/async.html', { head: `<script type="module" async src="${ESM}"></script>`, body: element(asyncEnv) });
    const first = await open('/async.html');
    await heapReady(first.tab);
    await waitForEvents(asyncEnv, { type: 'pageview' });
    assertQuiet(first.log);
    await first.tab.close();

    const lateEnv = envId('late');
    page('/late.html', { body: element(lateEnv) });
    const { tab, log } = await open('/late.html');
    await tab.evaluate((src) => new Promise((resolve) => {
      const s = Object.assign(document.createElement('script'), { type: 'module', src, onload: resolve });
      document.head.append(s);
    }), ESM);
    await heapReady(tab);
    await tab.evaluate(() => window.heap.track('Late'));
    await waitForEvents(lateEnv, { type: 'track', name: 'Late' });
    assertQuiet(log);
    await tab.close();
  });

  it('loaded twice (the ES module and the IIFE on one page): one runtime, one warning, no exception', async () => {
    const env = envId('twice');
    page('/twice.html', { head: `<script src="${IIFE}"></script><script type="module" src="${ESM}"></script>`, body: element(env) });
    const { tab, log } = await open('/twice.html');
    await heapReady(tab);
    // Both bundles have run by the load event; a stray second runtime would have sent its own pageview by now.
    await tab.evaluate(() => window.heap.track('Twice'));
    await waitForEvents(env, { type: 'track', name: 'Twice' });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await storedEvents(env, { type: 'pageview' })).length, 1, 'one runtime, one pageview');
    assertQuiet(log, [/define-twice-heap-analytics: <heap-analytics> is already defined \(version [^)]+\); this copy \(version [^)]+\) was not registered\.$/]);
    await tab.close();
  });

  it('an element made with document.createElement after load boots and tracks', async () => {
    const env = envId('created');
    page('/created.html', { head: `<script type="module" src="${ESM}"></script>` });
    const { tab, log } = await open('/created.html');
    await tab.waitForFunction(() => customElements.get('heap-analytics') !== undefined);
    const booted = await tab.evaluate(async (id) => {
      const el = document.createElement('heap-analytics');
      el.setAttribute('env-id', id);
      el.setAttribute('flush-interval', '50');
      document.body.append(el);
      const ok = await el.ready;
      el.track('Created');
      return ok;
    }, env);
    assert.equal(booted, true);
    await waitForEvents(env, { type: 'track', name: 'Created' });
    assertQuiet(log);
    await tab.close();
  });

  it('a tracker the page stopped is collected though the page holds a custom element whose tag is never defined', async () => {
    // The bundle's own check (runtime/markup-roots.test.ts runs the sources): the minifier once moved the wait for the
    // tag's definition into the tracker, whose closure then held the first stopped tracker for the page's life.
    const env = envId('freed');
    page('/freed.html', { head: `<script type="module" src="${ESM}"></script>`, body: '<never-defined-widget>hi</never-defined-widget>' });
    const { tab, log } = await open('/freed.html');
    await tab.waitForFunction(() => customElements.get('heap-analytics') !== undefined);
    await tab.evaluate(async (id) => {
      window.refs = [];
      for (let i = 0; i < 3; i++) {
        const el = document.createElement('heap-analytics');
        el.setAttribute('env-id', id);
        el.setAttribute('flush-interval', '50');
        document.body.append(el);
        await el.ready;
        window.refs.push(new WeakRef(el.runtime));
        // Stopped a microtask after the element goes; the element is let go too (it keeps the tracker it released).
        el.remove();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }, env);
    const cdp = await tab.createCDPSession();
    let kept;
    for (let round = 0; round < 10; round++) {
      await cdp.send('HeapProfiler.collectGarbage');
      kept = await tab.evaluate(() => window.refs.slice(0, 2).map((ref) => ref.deref() !== undefined));
      if (!kept.includes(true)) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.deepEqual(kept, [false, false]);
    assertQuiet(log);
    await tab.close();
  });

  it('inside an iframe, beside a tracker in the parent page', async () => {
    const parentEnv = envId('parent');
    const childEnv = envId('child');
    page('/child.html', { head: `<script type="module" src="${ESM}"></script>`, body: element(childEnv) });
    page('/parent.html', { head: `<script src="${IIFE}"></script>`, body: `${element(parentEnv)}<iframe src="/child.html"></iframe>` });
    const { tab, log } = await open('/parent.html');
    const child = tab.frames().find((f) => f.url().endsWith('/child.html'));
    await heapReady(tab);
    await heapReady(child);
    await child.evaluate(() => window.heap.track('In iframe'));
    await tab.evaluate(() => window.heap.track('In parent'));
    const [inFrame] = await waitForEvents(childEnv, { type: 'track', name: 'In iframe' });
    await waitForEvents(parentEnv, { type: 'track', name: 'In parent' });
    assert.match(String(inFrame.page?.url ?? ''), /\/child\.html$/);
    assert.equal((await storedEvents(parentEnv, { name: 'In iframe' })).length, 0);
    assertQuiet(log);
    await tab.close();
  });
});
