// `npm run bench`: installs the bench's own dependencies on first use (pinned peers, puppeteer-core, esbuild;
// install scripts off, so nothing downloads a browser), then runs the benchmark. See BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH = fileURLToPath(new URL('.', import.meta.url));

if (!existsSync(join(BENCH, 'node_modules', 'puppeteer-core'))) {
  console.error('[bench] installing bench/ dependencies (first run)');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const lock = existsSync(join(BENCH, 'package-lock.json'));
  const result = spawnSync(npm, [lock ? 'ci' : 'install', '--prefix', BENCH, '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: BENCH,
    stdio: 'inherit',
    env: { ...process.env, PUPPETEER_SKIP_DOWNLOAD: '1' },
  });
  if (result.status !== 0) {
    console.error('[bench] npm could not install bench/ dependencies');
    process.exit(1);
  }
}

await import('./lib/main.mjs');
