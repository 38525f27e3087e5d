// Installs what a fresh clone lacks before `npm start` or `npm test`: npm dependencies and, for tests, browsers.
import { existsSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository: `node path/to/scripts/start.mjs` run from another folder looked for node_modules (and ran npm ci) there. */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const run = (cmd) => execSync(cmd, { stdio: 'inherit', cwd: ROOT });

/** Runs `npm ci` when node_modules is missing or half-installed (no better-sqlite3 build); a stale one is not detected. */
export function ensureDependencies() {
  const installed = (/** @type {string} */ path) => existsSync(new URL(`../node_modules/${path}`, import.meta.url));
  if (installed('.package-lock.json') && installed('better-sqlite3/build/Release/better_sqlite3.node')) return;
  console.log('Installing npm dependencies (npm ci; better-sqlite3 compiles from source, about 90 s)...');
  run('npm ci --no-audit --no-fund');
}

/** Browsers the tests need, with where Debian puts them. */
const BROWSERS = [
  { name: 'chromium', path: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', pkg: 'chromium' },
  { name: 'firefox', path: process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr', pkg: 'firefox-esr' },
];

/** Installs Debian's chromium and firefox-esr when missing and we are root; otherwise says how. */
export function ensureBrowsers() {
  const missing = BROWSERS.filter((b) => !existsSync(b.path));
  if (!missing.length) return;
  const pkgs = missing.map((b) => b.pkg).join(' ');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    console.log(`Installing ${pkgs} from Debian's packages...`);
    run('apt-get update -qq');
    run(`DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${pkgs}`);
    return;
  }
  console.error(
    `Missing browsers: ${missing.map((b) => b.path).join(', ')}.\n` +
      `Install them with:  sudo apt-get install -y ${pkgs}\n` +
      'or point CHROMIUM_PATH / FIREFOX_PATH at existing binaries.',
  );
  process.exit(1);
}
