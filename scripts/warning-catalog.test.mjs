// The build step that moves console messages out of the drop-in bundles (scripts/warning-catalog.mjs).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { buildCatalog, findMessages, lazyCode } from './warning-catalog.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('warning catalog', () => {
  it('finds every message of the sources as a literal, each distinct text once', () => {
    const { texts } = buildCatalog(ROOT);
    assert.ok(texts.size >= 60, `${texts.size} messages`);
    assert.ok(texts.has(JSON.stringify(['track() needs an event name string, got ', '; the event was dropped.'])));
  });

  it('numbers every code written as a literal, each once; codes built from values stay in the sources', () => {
    const { codes } = buildCatalog(ROOT);
    assert.ok(codes.size >= 40, `${codes.size} codes`);
    assert.ok(codes.has('event-name-truncated') && codes.has('markup-json-invalid'));
    assert.ok(![...codes.keys()].some((code) => code.includes('${')));
    const found = findMessages("warnOnce(`${call}-x`, 'a'); errorOnce('b-c', m);", 'runtime/x.ts');
    assert.deepEqual(found.map((f) => [f.code, f.pieces]), [[undefined, ['a']], ['b-c', undefined]]);
  });

  it('splits a template into the text pieces and the source of its values', () => {
    const [found] = findMessages("warnOnce('c', `a ${x.length} b ${describe(y)}`);", 'runtime/x.ts');
    assert.deepEqual([found.pieces, found.values], [['a ', ' b ', ''], ['x.length', 'describe(y)']]);
  });

  it('refuses a message built some other way, which would keep its text in the bundle unnoticed', () => {
    assert.throws(() => findMessages("warnOnce('c', 'a' + b);", 'runtime/x.ts'), /must be a string or template literal/);
    assert.throws(() => findMessages("errorOnce('c');", 'runtime/x.ts'), /no message argument/);
  });

  it('copies the modules warn-messages.ts re-exports (the debug log) as plain JavaScript into the messages file', () => {
    const code = lazyCode(ROOT);
    assert.match(code, /^export function logEvent\(/);
    assert.match(code, /groupCollapsed/);
    assert.doesNotMatch(code, /\bimport\b|: HeapEvent/);
  });

  it('refuses a re-exported module that imports at run time or lacks the name, which the messages file could not serve', () => {
    const root = mkdtempSync(join(tmpdir(), 'warning-catalog-'));
    try {
      mkdirSync(join(root, 'runtime'));
      const write = (file, text) => writeFileSync(join(root, 'runtime', file), text);
      write('warn-messages.ts', "export default [];\nexport { logEvent } from './log.ts';\n");
      write('log.ts', "import type { X } from './x.ts';\nexport function logEvent(x: X): void {}\n");
      assert.match(lazyCode(root), /^export function logEvent\(\w*\)\{\}$/);
      write('log.ts', "import { y } from './y.ts';\nexport function logEvent(): void { y(); }\n");
      assert.throws(() => lazyCode(root), /imports at run time/);
      write('log.ts', 'export function logOther(): void {}\n');
      assert.throws(() => lazyCode(root), /does not export/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
