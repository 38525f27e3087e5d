// The build step that moves console messages out of the drop-in bundles (scripts/warning-catalog.mjs).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { buildCatalog, findMessages, lazyCode, textFunction, warningCatalog } from './warning-catalog.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('warning catalog', () => {
  it('finds every message of the sources as a literal, each distinct text once', () => {
    const { texts } = buildCatalog(ROOT);
    assert.ok(texts.size >= 60, `${texts.size} messages`);
    assert.ok(texts.has('(v0) => `track() needs an event name string, got ${describe(v0)}; the event was dropped.`'));
    assert.ok(texts.has('(v0, v1) => `event names are limited to ${v0} characters; a name of ${v1} was truncated.`'), [...texts.keys()].join('\n'));
  });

  it('numbers every code written as a literal, each once; codes built from values stay in the sources', () => {
    const { codes } = buildCatalog(ROOT);
    assert.ok(codes.size >= 40, `${codes.size} codes`);
    assert.ok(codes.has('event-name-truncated') && codes.has('markup-json-invalid'));
    assert.ok(![...codes.keys()].some((code) => code.includes('${')));
    const found = findMessages("warnOnce(`${call}-x`, 'a'); errorOnce('b-c', m);", 'runtime/x.ts');
    assert.deepEqual(found.map((f) => [f.code, f.pieces]), [[undefined, ['a']], ['b-c', undefined]]);
  });

  it('passes a code and a text of one number once: `n` or `[n, ...values]`, and `[n]` before a cause', () => {
    const { texts, codes } = buildCatalog(ROOT);
    const plugin = warningCatalog(ROOT);
    plugin.buildStart();
    const transform = (file) => {
      const source = readFileSync(join(ROOT, file), 'utf8');
      const { code } = plugin.transform(source, join(ROOT, file));
      // The lines stay where they were, for the source map.
      assert.equal(code.split('\n').length, source.split('\n').length, file);
      return code;
    };
    const validate = transform('runtime/validate.ts');
    const empty = codes.get('event-name-empty');
    assert.equal(texts.get('() => `track() got an empty event name; the event was dropped.`'), empty);
    assert.match(validate, new RegExp(`warnOnce\\(${empty}\\);`));
    assert.match(validate, new RegExp(`warnOnce\\(\\[${codes.get('event-name-truncated')}, MAX_EVENT_NAME, name\\.length\\]\\);`));
    // A code built from a value keeps the value, its piece of text numbered among the codes (`#n#`, either side of
    // the value); its text is numbered on its own.
    const { patterns } = buildCatalog(ROOT);
    const keyInvalid = patterns.get('-key-invalid');
    assert.match(validate, new RegExp(`warnOnce\\(\`\\$\\{call\\}#${keyInvalid}#\`, \\[\\d+, call, value\\]\\);`));
    assert.match(transform('components/heap-analytics.ts'), new RegExp(`warnOnce\\(\`#${patterns.get('element-dormant-')}#\\$\\{method\\}\`, \\[\\d+, method\\]\\);`));
    // A cause after the message: the message stands for the code too, as an array even without values (a number
    // before a cause is a code).
    const failed = codes.get('capture-failed');
    const runtime = transform('runtime/runtime.ts');
    assert.match(runtime, new RegExp(`errorOnce\\(\\[${failed}\\], err\\);`));
    // consent-invalid has two texts (api.ts's, met first, has its number): the other's number differs, so the code goes beside it.
    const consent = codes.get('consent-invalid');
    assert.match(transform('runtime/api.ts'), new RegExp(`warnOnce\\(\\[${consent}, consent\\]\\)`));
    const [, text] = runtime.match(new RegExp(`warnOnce\\(${consent}, \\[(\\d+), given\\]\\)`)) ?? [];
    assert.ok(text && Number(text) !== consent, runtime);
  });

  it('splits a template into the text pieces and the source of its values, the value of describe() left to the text', () => {
    const code = "warnOnce('c', `a ${x.length} b ${describe(y.z)}`);";
    const [found] = findMessages(`import { describe, warnOnce } from './warn.ts';\n${code}`, 'runtime/x.ts');
    assert.deepEqual([found.pieces, found.values, found.described], [['a ', ' b ', ''], ['x.length', 'y.z'], [false, 'describe']]);
    assert.equal(textFunction(found), '(v0, v1) => `a ${v0} b ${describe(v1)}`');
    // From a component, the same module; any other describe() is called where it is.
    assert.deepEqual(findMessages(`import { describe } from '../runtime/warn.ts';\n${code}`, 'components/x.ts')[0].values, ['x.length', 'y.z']);
    assert.deepEqual(findMessages(`import { describe } from './describe.ts';\n${code}`, 'runtime/x.ts')[0].values, ['x.length', 'describe(y.z)']);
    assert.deepEqual(findMessages(code, 'runtime/x.ts')[0].values, ['x.length', 'describe(y.z)']);
  });

  it('leaves the other describers to the text too: imported from their module, or in the module that declares them', () => {
    const code = "warn('c', `${describeElement(el)} ${summarize(v)} ${safeMessage(err)}`);";
    const own = findMessages(`export function describeElement(el) {}\nexport function summarize(v) {}\n${code}`, 'runtime/markup-props.ts')[0];
    assert.deepEqual([own.values, own.described], [['el', 'v', 'safeMessage(err)'], ['describeElement', 'summarize', false]]);
    const imported = `import { describeElement } from './markup-props.ts';\nimport { safeMessage } from './warn.ts';\n${code.replace('warn(', 'warnOnce(')}`;
    assert.deepEqual(findMessages(imported, 'runtime/x.ts')[0].values, ['el', 'summarize(v)', 'err']);
    // The same names elsewhere are not the describers.
    assert.deepEqual(findMessages(`import { describeElement } from './other.ts';\n${code.replace('warn(', 'warnOnce(')}`, 'runtime/x.ts')[0].values, ['describeElement(el)', 'summarize(v)', 'safeMessage(err)']);
    assert.equal(textFunction(own), '(v0, v1, v2) => `${describeElement(v0)} ${summarize(v1)} ${v2}`');
  });

  it('writes each text as a function giving the very sentence, whatever characters its pieces hold', () => {
    const pieces = ['a`b\\c ${x} $y {z}\r\n\u2028', '', ' e'];
    const text = textFunction({ pieces, described: [false, 'describe'] });
    const describe = (value) => `<${typeof value}>`;
    assert.equal(new Function('describe', `return ${text}`)(describe)('V', {}), `${pieces[0]}V<object>${pieces[2]}`);
    assert.equal(textFunction({ pieces: ['plain'], described: [] }), '() => `plain`');
  });

  it('refuses a message built some other way, which would keep its text in the bundle unnoticed', () => {
    assert.throws(() => findMessages("warnOnce('c', 'a' + b);", 'runtime/x.ts'), /must be a string or template literal/);
    assert.throws(() => findMessages("errorOnce('c');", 'runtime/x.ts'), /no message argument/);
  });

  it('copies the declarations warn-messages.ts re-exports (the debug log, the describers) as plain JavaScript into the messages file', () => {
    const code = lazyCode(ROOT);
    assert.match(code, /^export function logEvent\(/);
    assert.match(code, /groupCollapsed/);
    assert.match(code, /export function describe\(\w+\)\{try\{/);
    assert.match(code, /export function safeMessage\(\w+\)\{try\{/);
    assert.match(code, /export function summarize\(/);
    // describeElement, with dom.ts's prototype-safe reads and the attribute name it uses.
    assert.match(code, /export function describeElement\(/);
    assert.match(code, /globalThis\.Element\?\.prototype/);
    assert.match(code, /getOwnPropertyDescriptor\(/);
    assert.match(code, /`data-heap-event`/);
    assert.doesNotMatch(code, /\bimport\b|: HeapEvent|warnOnce|PREFIX|readEventName|new Set/);
    const describeElement = new Function(`${code.replace(/\bexport /g, '')}; return describeElement;`)();
    const el = { localName: 'button', getAttribute: (name) => ({ id: 'buy', 'data-heap-event': 'x'.repeat(50) })[name] ?? null };
    assert.equal(describeElement(el), `<button id="buy" data-heap-event="${'x'.repeat(40)}...">`);
  });

  it('copies what a re-exported declaration uses, and refuses what the messages file could not serve: state, an import from a package or under another name, a clash of names, a missing export', () => {
    const root = mkdtempSync(join(tmpdir(), 'warning-catalog-'));
    try {
      mkdirSync(join(root, 'runtime'));
      const write = (file, text) => writeFileSync(join(root, 'runtime', file), text);
      write('warn-messages.ts', "export default [];\nexport { logEvent } from './log.ts';\n");
      write('log.ts', "import type { X } from './x.ts';\nexport function logEvent(x: X): void {}\n");
      assert.match(lazyCode(root), /^export function logEvent\(\w*\)\{\}$/);
      // What it uses comes along, from its module or another, if it holds no state: functions and constants.
      write('y.ts', "const ELEMENT: any = globalThis.Element?.prototype;\nexport const NAME = 'id';\nexport function y(): void { Reflect.get(ELEMENT, NAME); }\nexport let state = 0;\n");
      write('log.ts', "import { y } from './y.ts';\nexport function logEvent(): void { y(); }\n");
      assert.equal(lazyCode(root), 'const e=globalThis.Element?.prototype;function t(){Reflect.get(e,`id`)}export function logEvent(){t()}');
      write('log.ts', "import { state } from './y.ts';\nexport function logEvent(): void { state; }\n");
      assert.throws(() => lazyCode(root), /log\.ts: what runtime\/warn-messages\.ts re-exports uses state, which heap-analytics-messages\.js would not have \(it holds state\)/);
      write('log.ts', "import { y as z } from './y.ts';\nexport function logEvent(): void { z(); }\n");
      assert.throws(() => lazyCode(root), /uses z, which heap-analytics-messages\.js would not have/);
      write('log.ts', "import { y } from 'some-package';\nexport function logEvent(): void { y(); }\n");
      assert.throws(() => lazyCode(root), /uses y, which heap-analytics-messages\.js would not have/);
      // One scope for all: two modules' declarations of one name would clash.
      write('log.ts', "import { y } from './y.ts';\nconst NAME = 'x';\nexport function logEvent(): void { y(NAME); }\n");
      assert.throws(() => lazyCode(root), /two declarations named NAME, of runtime\/(y|log)\.ts and runtime\/(log|y)\.ts/);
      write('log.ts', "const seen = new Set();\nexport function logEvent(x: unknown): void { seen.add(x); }\nexport function other(): void {}\n");
      assert.throws(() => lazyCode(root), /uses seen/);
      // An object is state unless listed as a cache of what the DOM defines (dom.ts's getters are; this one is not).
      write('log.ts', "const getters = {};\nexport function logEvent(x: string): unknown { return getters[x]; }\n");
      assert.throws(() => lazyCode(root), /uses getters.*holds state/);
      write('log.ts', "const ONCE = /a/g;\nexport function logEvent(x: string): boolean { return ONCE.test(x); }\n");
      assert.throws(() => lazyCode(root), /uses ONCE.*holds state/);
      write('log.ts', "import { y } from './y.ts';\nconst seen = new Set();\nexport function other(): void { y(seen); }\nexport function logEvent(): void {}\n");
      assert.match(lazyCode(root), /^export function logEvent\(\)\{\}$/);
      write('log.ts', 'export function logOther(): void {}\n');
      assert.throws(() => lazyCode(root), /does not export/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
