// Every console warning code of the sources has a row in the docs (docs/warnings.md, and docs/markup.md's table of
// markup problems), and every code the docs list is still printed: a site owner who sees a code can look it up.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { parseAst } from 'rolldown/parseAst';
import { buildCatalog } from './warning-catalog.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The codes built from values, as the sources write them, and how the docs list them: each code the value can make,
 * or one row with the value in angle brackets when the names are the page's (an env id) or many with one outcome.
 * A new code built from values fails the test until it is listed here, and documented.
 */
const BUILT = new Map([
  // api.ts: every call of CALLS, aliases and flush included.
  ['`${method}-failed`', ['<call>-failed']],
  // validate.ts, from api.ts and runtime.ts. declarative.ts calls it too, with no name: always with a plain object
  // that was read, so it never prints these two.
  ['`${call}-properties-invalid`', ['track', 'trackPageview', 'addUserProperties', 'addEventProperties', 'addPageviewProperties'].map((call) => `${call}-properties-invalid`)],
  ['`${call}-properties-unreadable`', ['track', 'trackPageview', 'addUserProperties', 'addEventProperties', 'addPageviewProperties'].map((call) => `${call}-properties-unreadable`)],
  ['`${call}-key-invalid`', ['removeEventProperty-key-invalid', 'removePageviewProperty-key-invalid']],
  ['`load-twice-${envId}`', ['load-twice-<env id>']],
  // global.ts: UNSUPPORTED_METHODS (`load` is in the list it walks, but window.heap's own `load` takes its place).
  ['`unsupported-${method}`', ['init', 'startTracking', 'stopTracking', 'addAccountProperties', 'addAdapter', 'addTransformer', 'addTransformerFn'].map((m) => `unsupported-${m}`)],
  ['`snippet-unknown-${name}`', ['snippet-unknown-<name>']],
  ['`define-twice-${tag}`', ['define-twice-<tag>']],
  ['`element-dormant-${method}`', ['element-dormant-<call>']],
]);

const sourceFiles = () =>
  ['runtime', 'components'].flatMap((dir) =>
    readdirSync(join(ROOT, dir))
      .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
      .map((name) => `${dir}/${name}`),
  );

function walk(node, visit) {
  if (Array.isArray(node)) for (const child of node) walk(child, visit);
  else if (node && typeof node === 'object') {
    if (typeof node.type === 'string') visit(node);
    for (const key in node) if (key !== 'parent') walk(node[key], visit);
  }
}

/**
 * The codes of the sources: those written as literals (the warning catalog's), those a message prints straight to
 * the console (`'[heap-analytics] some-code:'`), and the source of each code built from values or passed by name.
 */
function sourceCodes() {
  const literal = new Set(buildCatalog(ROOT).codes.keys());
  const built = new Set();
  for (const file of sourceFiles()) {
    const code = readFileSync(join(ROOT, file), 'utf8');
    for (const [, printed] of code.matchAll(/\[heap-analytics\] ([a-z][\w-]*):/g)) literal.add(printed);
    walk(parseAst(code, { lang: 'ts' }), (node) => {
      const local = file === 'runtime/markup-props.ts' && node.callee?.name === 'warn';
      if (node.type !== 'CallExpression' || !(['warnOnce', 'errorOnce'].includes(node.callee.name) || local)) return;
      const [first] = node.arguments;
      if (!(first.type === 'Literal' && typeof first.value === 'string')) built.add(code.slice(first.start, first.end));
    });
  }
  return { literal, built };
}

/** The codes in the first column of the docs' tables, with the file and line of each. */
function docCodes() {
  const rows = [];
  const read = (file, from, to) => {
    const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
    const start = from ? lines.indexOf(from) : 0;
    assert.ok(start >= 0, `${file} has no "${from}"`);
    for (let i = start + 1; i < lines.length && !(to && lines[i].startsWith(to)); i++) {
      const [, first] = lines[i].split('|');
      if (lines[i].startsWith('| `')) for (const [, code] of first.matchAll(/`([^`]+)`/g)) rows.push([code, `${file}:${i + 1}`]);
    }
  };
  read('docs/warnings.md');
  read('docs/markup.md', '## Invalid markup', '## ');
  return rows;
}

describe('warning codes in the docs', () => {
  it('knows how the docs list every code built from values', () => {
    const { built } = sourceCodes();
    assert.deepEqual([...built].sort(), [...BUILT.keys()].sort(), 'a code built from values: list what it expands to in BUILT, and document it');
  });

  it('documents every code the sources print, once', () => {
    const { literal } = sourceCodes();
    const rows = docCodes();
    const documented = new Map();
    for (const [code, where] of rows) {
      assert.ok(!documented.has(code), `${code} is documented twice: ${documented.get(code)} and ${where}`);
      documented.set(code, where);
    }
    const expected = [...literal, ...[...BUILT.values()].flat()];
    const missing = expected.filter((code) => !documented.has(code));
    assert.deepEqual(missing, [], 'codes with no row in docs/warnings.md (or docs/markup.md for markup problems)');
  });

  it('documents no code the sources no longer print', () => {
    const { literal } = sourceCodes();
    const expected = new Set([...literal, ...[...BUILT.values()].flat()]);
    const stale = docCodes().filter(([code]) => !expected.has(code));
    assert.deepEqual(stale, [], 'rows for codes the sources no longer have');
  });

  it('finds the codes where they are', () => {
    const { literal, built } = sourceCodes();
    // A literal of validate.ts, one of markup-props.ts's local warn(), one printed straight to the console, one built.
    for (const code of ['event-name-truncated', 'markup-json-invalid', 'debug-overlay-failed']) assert.ok(literal.has(code), code);
    assert.ok(built.has('`${call}-key-invalid`'));
    assert.ok(docCodes().some(([code, where]) => code === 'markup-view-unsupported' && where.startsWith('docs/markup.md:')));
  });
});
