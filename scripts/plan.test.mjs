// `heap-analytics plan`: the bin run on the fixture templates under test/fixtures/plan/.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { globToRegExp, loadAudit, planSource } from '../bin/plan.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const run = (...args) => spawnSync(process.execPath, ['bin/heap-analytics.mjs', ...args], { cwd: ROOT, encoding: 'utf8' });

describe('heap-analytics plan', () => {
  it('prints a table of events with their triggers, properties and lines, and exits 0 without problems', () => {
    const { status, stdout, stderr } = run('plan', 'test/fixtures/plan/clean');
    assert.equal(stderr, '');
    assert.equal(status, 0);
    const lines = stdout.split('\n');
    assert.match(lines[0], /^location\s+event\s+trigger\s+properties$/);
    assert.ok(lines.some((l) => /^test\/fixtures\/plan\/clean\/pricing\.html:5\s+Start trial\s+click\s+\{"section":"pricing","plan":"pro","price":49\}$/.test(l)), stdout);
    assert.ok(lines.some((l) => /pricing\.html:8\s+Newsletter signup\s+submit/.test(l)));
    assert.ok(lines.some((l) => /pricing\.html:10\s+Plan picked\s+change\s+\{"source":"form"\}/.test(l)));
    assert.ok(lines.some((l) => /pricing\.html:13\s+Banner seen\s+view/.test(l)));
    assert.ok(lines.some((l) => /checkout\.njk:3\s+\(pageview "\/checkout"\)\s+appear\s+\{"step":1\}/.test(l)));
    // A templated JSON value (`{{ cart | dump }}`) is not flagged.
    assert.ok(lines.some((l) => /checkout\.njk:4\s+Pay\s+click$/.test(l)));
    assert.match(stdout, /^6 events in 2 files$/m);
    assert.match(stdout, /^no problems found$/m);
  });

  it('flags markup problems with file, line and code, and exits 1', () => {
    const { status, stdout } = run('plan', 'test/fixtures/plan/broken/problems.html');
    assert.equal(status, 1);
    assert.match(stdout, /^5 problems:$/m);
    for (const [line, code] of [[1, 'markup-json-invalid'], [4, 'markup-scope-empty'], [5, 'markup-trigger-unreachable'], [6, 'markup-trigger-invalid'], [7, 'markup-event-name-empty']]) {
      assert.match(stdout, new RegExp(`problems\\.html:${line}  ${code}  `), code);
    }
  });

  it("flags the tracker element's invalid identity and JSON attributes, but not template placeholders", () => {
    const { status, stdout } = run('plan', 'test/fixtures/plan/tracker');
    assert.equal(status, 1, stdout);
    assert.match(stdout, /layout\.njk:10\s+Buy\s+click$/m);
    assert.match(stdout, /^3 problems:$/m);
    for (const code of ['identity-junk', 'markup-json-invalid', 'markup-prop-value-invalid']) {
      assert.match(stdout, new RegExp(`layout\\.njk:7  ${code}  .*<heap-analytics>`), code);
    }
    assert.match(stdout, /markup-json-invalid  user-properties on <heap-analytics>/);
    assert.match(stdout, /markup-prop-value-invalid  event-properties on <heap-analytics>: property "cart"/);
  });

  it('prints JSON with --json, for globs', () => {
    const { status, stdout } = run('plan', 'test/fixtures/plan/**/*.html', '--json');
    assert.equal(status, 1);
    const report = JSON.parse(stdout);
    assert.deepEqual(report.files.map((f) => f.file), ['test/fixtures/plan/broken/problems.html', 'test/fixtures/plan/clean/pricing.html']);
    assert.equal(report.problems, 5);
    // The <p data-heap-event=""> of problems.html sends nothing, as in the tracker: a problem, no event.
    assert.equal(report.events, 8);
    const start = report.files[1].entries.find((e) => e.event === 'Start trial');
    assert.deepEqual(start, {
      line: 5,
      element: '<button data-heap-event="Start trial">',
      kind: 'event',
      event: 'Start trial',
      triggers: ['click'],
      properties: { section: 'pricing', plan: 'pro', price: 49 },
      problems: [],
    });
    const bad = report.files[0].entries.find((e) => e.problems.some((p) => p.code === 'markup-json-invalid'));
    assert.equal(bad.line, 1);
  });

  it('gives each event the line of its own tag, past comments, script text and ignore/redact markup', () => {
    const { status, stdout } = run('plan', 'test/fixtures/plan/lines', '--json');
    assert.equal(status, 0, stdout);
    const [{ entries }] = JSON.parse(stdout).files;
    assert.deepEqual(entries.map((e) => [e.event, e.line]), [['Checkout', 6], ['Help opened', 11]]);
  });

  it('flags data-heap-* names the tracker does not read, on their own line, naming the one meant', async () => {
    const [{ parseHTML }, { auditMarkup }] = await Promise.all([import('linkedom'), loadAudit()]);
    const source = [
      '<div class="account" data-heap-redact>{{ user.email }}</div>',
      '<a href="/" data-heap-ignore>Home</a>',
      '<button data-heap-evnet="Buy">Buy</button>',
      '<button data-heap-event="Help" data-heap-props-topic="billing">Help</button>',
    ].join('\n');
    const entries = planSource(source, { parseHTML, auditMarkup });
    assert.deepEqual(
      entries.map((e) => [e.line, e.event, e.problems.map((p) => p.message.replace(/ on .* is not an attribute .*did you mean /, ' -> '))]),
      [
        [1, null, ['data-heap-redact -> data-heap-redact-text?']],
        [3, null, ['data-heap-evnet -> data-heap-event?']],
        [4, 'Help', ['data-heap-props-topic -> data-heap-prop-topic?']],
      ],
    );
  });

  it('reads data-heap-* attribute names in any case, as browsers do', () => {
    const { status, stdout } = run('plan', 'test/fixtures/plan/case', '--json');
    assert.equal(status, 0, stdout);
    const [{ entries }] = JSON.parse(stdout).files;
    assert.deepEqual(entries.map((e) => [e.line, e.event, e.triggers, e.properties]), [
      [1, 'Subscribed', ['submit'], { source: 'footer' }],
      [3, 'Subscribe clicked', ['click'], { step: 2 }],
    ]);
  });

  it('exits 2 with usage for a bad command or no match', () => {
    assert.equal(run('deploy').status, 2);
    assert.equal(run('plan').status, 2);
    const none = run('plan', 'test/fixtures/plan/*.nothing');
    assert.equal(none.status, 2);
    assert.match(none.stderr, /no files matched/);
  });

  it('prints its usage on stdout with exit 0 when asked for help, after the command too; on stderr with exit 2 when run bare', () => {
    for (const args of [['--help'], ['-h'], ['help'], ['plan', '--help'], ['plan', '-h'], ['plan', 'templates', '--help']]) {
      const { status, stdout, stderr } = run(...args);
      assert.equal(status, 0, args.join(' '));
      assert.match(stdout, /^usage: heap-analytics plan /, args.join(' '));
      assert.equal(stderr, '', args.join(' '));
    }
    const bare = run();
    assert.equal(bare.status, 2);
    assert.equal(bare.stdout, '');
    assert.match(bare.stderr, /^usage: heap-analytics plan /);
  });

  it('reads markup inside declarative shadow DOM as the tracker does: open roots listed with their scopes, closed ones hidden', async () => {
    const [{ parseHTML }, { auditMarkup }] = await Promise.all([import('linkedom'), loadAudit()]);
    const source = [
      '<section data-heap-prop-module="web component">',
      '  <rs-callout data-heap-prop-variant="info">',
      '    <template shadowrootmode="open">',
      `      <div data-heap-props='{"component":"rs-callout"}'><slot></slot>`,
      '        <button data-heap-event="Callout action clicked">Open</button></div>',
      '    </template>',
      '  </rs-callout>',
      '  <rs-sealed data-heap-event="Sealed widget used"><template shadowrootmode="closed"><button data-heap-event="Hidden">x</button></template></rs-sealed>',
      '</section>',
    ].join('\n');
    const entries = planSource(source, { parseHTML, auditMarkup });
    assert.deepEqual(entries.flatMap((e) => e.problems), []);
    assert.deepEqual(
      entries.filter((e) => e.kind === 'event').map((e) => [e.line, e.event, e.properties]),
      [
        [5, 'Callout action clicked', { module: 'web component', variant: 'info', component: 'rs-callout' }],
        [8, 'Sealed widget used', { module: 'web component' }],
      ],
    );
  });

  it('matches simple globs', () => {
    assert.ok(globToRegExp('**/*.html').test('a/b/c.html'));
    assert.ok(globToRegExp('**/*.html').test('c.html'));
    assert.ok(!globToRegExp('*.html').test('a/c.html'));
    assert.ok(globToRegExp('pages/*.nj?').test('pages/a.njk'));
  });
});
