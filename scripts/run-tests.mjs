// `npm test`: type-check, Node-side tests, browser tests in Chromium and Firefox ESR; ends with "N passed, M failed".
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ensureBrowsers, ensureDependencies } from './ensure.mjs';

// Every step below names paths from the repository, so `node path/to/scripts/run-tests.mjs` works from anywhere.
process.chdir(fileURLToPath(new URL('..', import.meta.url)));
ensureDependencies();
ensureBrowsers();

const totals = { passed: 0, failed: 0 };
const failures = [];

function step(label, cmd, args, { count } = {}) {
  console.log(`\n=== ${label}: ${cmd} ${args.join(' ')}`);
  const started = Date.now();
  const result = spawnSync(cmd, args, { stdio: count ? ['inherit', 'pipe', 'inherit'] : 'inherit', encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (count) process.stdout.write(result.stdout ?? '');
  const ok = result.status === 0;
  const counted = count ? count(result.stdout ?? '') : { passed: ok ? 1 : 0, failed: ok ? 0 : 1 };
  if (!ok && counted.failed === 0) counted.failed = 1;
  totals.passed += counted.passed;
  totals.failed += counted.failed;
  if (!ok) failures.push(label);
  console.log(`=== ${label}: ${ok ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const nodeCount = (out) => ({
  passed: Number(/^ℹ pass (\d+)/m.exec(out)?.[1] ?? 0),
  failed: Number(/^ℹ fail (\d+)/m.exec(out)?.[1] ?? 0),
});

mkdirSync('.tmp', { recursive: true });
rmSync('.tmp/wtr-summary.json', { force: true });
const wtrCount = () => {
  try {
    return JSON.parse(readFileSync('.tmp/wtr-summary.json', 'utf8'));
  } catch {
    return { passed: 0, failed: 1 };
  }
};

step('type-check', 'npx', ['tsc', '-p', 'tsconfig.json']);
// The package test (scripts/pack.test.mjs, a node test) packs dist/; it reuses this build when the sources are unchanged.
step('build', process.execPath, ['scripts/build.mjs']);
step('size budget', process.execPath, ['scripts/size.mjs']);
step('node tests', process.execPath, ['--test', '--test-reporter=spec', 'demo/', 'scripts/'], { count: nodeCount });
step('browser tests', 'npx', ['web-test-runner'], { count: wtrCount });

console.log(`\n${failures.length ? `Failed steps: ${failures.join(', ')}` : 'All steps passed.'}`);
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(failures.length ? 1 : 0);
