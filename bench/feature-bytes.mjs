// `node bench/feature-bytes.mjs`: what each of the bundle's smaller features costs in gzip bytes. It copies the
// sources to a scratch folder, takes one feature out at a time (a source edit that leaves everything else as it is),
// builds the ES module bundle there with the project's vite config, and prints its gzip size against the whole
// bundle's; then all of them out at once. The edits match today's sources: one that no longer matches says so and
// is skipped. It answers "what would it take to reach a byte budget?" with features, not guesses.
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { build } = await import(pathToFileURL(join(ROOT, 'node_modules/vite/dist/node/index.js')).href);

/** Each feature: what a user loses without it, and the edits (file, text or pattern, replacement) that take it out. */
const FEATURES = [
  ['pageviews and pageview properties declared in markup (data-heap-pageview, data-heap-pageview-props)', [
    ['runtime/markup-pageview.ts', /export function createPageviewMarkup\(runtime: HeapRuntime\): PageviewMarkup \{.*\n\}\n/s, 'export function createPageviewMarkup(runtime: HeapRuntime): PageviewMarkup {\n  const none = () => {};\n  return [none, none, none];\n}\n'],
  ]],
  ["the element's identity, user-properties and event-properties attributes", [
    ['components/heap-analytics.ts', 'applyIdentityAttributes(this.#runtime!, this.#appliedIdentity, this);', ''],
  ]],
  ['the landing page, referrer and UTM parameters of each session', [
    ['runtime/session.ts', /    try \{\n      \/\/ The UTM values.*?\n    \} catch \{.*?\n    \}\n/s, ''],
  ]],
  ['drop counts reported to the collector (outbox and batch; the journal keeps its part)', [
    ['runtime/outbox.ts', /    const key = reason\.includes.*?\n    \}\n/s, '    journalSettle(events, {});\n'],
    ['runtime/outbox.ts', 'let report = randomNumericId();', "let report = '';"],
    ['runtime/outbox.ts', '    report = randomNumericId();\n', ''],
    ['runtime/outbox.ts', 'const dropped = Object.entries(drops);', 'const dropped = [] as DropCount[];'],
    ['runtime/outbox.ts', 'for (const [key, count] of dropped) if (drops[key] === count) delete drops[key];', ''],
    ['runtime/outbox.ts', 'for (const [key, count] of found) drop(key, [], count);', ''],
    ['runtime/outbox.ts', 'if ((queue.length || (!inFlight.size && Object.entries(drops).length)) && inFlight', 'if (queue.length && inFlight'],
    ['runtime/batch.ts', /\$\{\n    dropped\.length\n.*?\n  \}`;/s, '`;'],
  ]],
  ['a click through a label counted once (the click the browser forwards to its control is not counted again)', [
    ['runtime/interactions.ts', /        if \(forwardedTo === el && .*?\n        \}\n/s, ''],
    ['runtime/declarative.ts', '      if (forwardedTo === path[0] && !forwardedBy.defaultPrevented) return (forwardedTo = null);', ''],
    ['runtime/declarative.ts', "      if (call(found, 'contains', forwarded)) {\n        forwardedTo = forwarded;\n        setTimeout(() => (forwardedTo = null));\n      }", ''],
    ['runtime/shadow-roots.ts', /    const control = .*\n    if \(\(forwarded = .*\n/, ''],
  ]],
  ['markup in the shadow roots of custom elements defined after they were inserted', [
    ['runtime/markup-roots.ts', /    else if \(tag\.includes\('-'\).*\n/, ''],
    ['runtime/markup-roots.ts', /  const defined = .*?\n  \};\n  onDefined\.add\(defined\);\n/s, ''],
    ['runtime/markup-roots.ts', '      onDefined.delete(defined);\n', ''],
  ]],
  ['view triggers on elements larger than the viewport (counted once they cover half of it)', [
    ['runtime/markup-view.ts', /      if \(intersecting && entry\.intersectionRatio < VISIBLE_SHARE\) \{.*?\n      \}\n/s, ''],
    ['runtime/markup-view.ts', /      if \(share < 1\) \{.*?\n      \}\n/s, ''],
  ]],
  ['the debug overlay, fetched when the debug attribute is set', [
    ['components/heap-analytics.ts', 'void loadDebugOverlay(this);', ''],
  ]],
  ["the collector's Retry-After honoured", [
    ['runtime/transport.ts', "const header = res.headers.get('Retry-After');", ''],
    ['runtime/transport.ts', 'Math.min(+header! * 1000 || Date.parse(header!) - Date.now(), MAX_RETRY_AFTER_MS)', 'NaN'],
  ]],
  ['a batch\'s shared context sent once ("common"; the wire figure grows)', [
    ['runtime/batch.ts', "  const hoist = n > 1 && shared;\n  const list = events.slice(0, n).map((e) => (hoist ? encode(e)[0] : eventJson(e)));\n  return [n, `${head}${hoist ? `,\"common\":${context}` : ''},\"events\":[${list}]}`];", '  const list = events.slice(0, n).map(eventJson);\n  return [n, `${head},"events":[${list}]}`];'],
  ]],
  // Not optional (a public call must never throw into the page), measured for scale.
  ["NOT OPTIONAL: Heap's calls we do not support (init, addAdapter, ...) answered with a warning; without it they throw", [
    ['runtime/global.ts', "const GLOBAL_METHODS = [...SNIPPET_METHODS, ...UNSUPPORTED_METHODS, 'load'];", "const GLOBAL_METHODS = [...SNIPPET_METHODS, 'load'];"],
  ]],
];

const scratch = mkdtempSync(join(tmpdir(), 'feature-bytes-'));
const SOURCES = ['components', 'runtime', 'scripts', 'vite.config.mjs', 'package.json', 'tsconfig.json'];

/** Copies the sources afresh, applies `edits`; returns the edits that no longer match today's sources. */
function prepare(edits) {
  for (const entry of SOURCES) {
    rmSync(join(scratch, entry), { recursive: true, force: true });
    cpSync(join(ROOT, entry), join(scratch, entry), { recursive: true });
  }
  const stale = [];
  for (const [file, find, replacement] of edits) {
    const path = join(scratch, file);
    const text = readFileSync(path, 'utf8');
    const next = text.replace(find, () => replacement);
    if (next === text) stale.push(`${file}: ${String(find).slice(0, 60)}`);
    writeFileSync(path, next);
  }
  return stale;
}

/** Gzip bytes (level 9, as scripts/size.mjs) of the ES module bundle built from the scratch sources. */
async function bundleBytes() {
  const outputs = await build({ root: scratch, configFile: join(scratch, 'vite.config.mjs'), logLevel: 'error', build: { write: false } });
  const es = outputs[0].output.find((chunk) => chunk.fileName === 'heap-analytics.js');
  return gzipSync(es.code, { level: 9 }).length;
}

try {
  symlinkSync(join(ROOT, 'node_modules'), join(scratch, 'node_modules'));
  prepare([]);
  const whole = await bundleBytes();
  console.log(`whole bundle: ${whole} B gzip (12 KiB is 12,288 B: ${whole - 12_288} B over)\n`);
  const all = [];
  const optional = [];
  for (const [feature, edits] of FEATURES) {
    const stale = prepare(edits);
    if (stale.length) {
      console.log(`  skipped (edits no longer match: ${stale.join('; ')}): ${feature}`);
      continue;
    }
    all.push(...edits);
    if (!feature.startsWith('NOT OPTIONAL')) optional.push(...edits);
    console.log(`${String(whole - (await bundleBytes())).padStart(6)} B  ${feature}`);
  }
  prepare(optional);
  console.log(`\nall the optional ones out: ${await bundleBytes()} B gzip`);
  prepare(all);
  console.log(`all of them out: ${await bundleBytes()} B gzip`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
