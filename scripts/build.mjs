// `npm run build`: the drop-in bundles (vite), the package's ES modules with .d.ts (tsc) and the Custom Elements Manifest, into dist/.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');
const STAMP = join(ROOT, '.tmp', 'build-stamp');

/** The package's ES entry points, relative to dist/esm, without extension (a module before those importing it). */
export const ENTRIES = ['components/heap-analytics', 'components/heap-analytics-define', 'runtime/index'];

/** Everything the build reads; a change to any of these makes dist/ stale. */
function inputs() {
  const files = ['package.json', 'vite.config.mjs', 'vite.debug.config.mjs', 'bin/plan.mjs', 'tsconfig.json', 'tsconfig.build.json', 'scripts/build.mjs', 'scripts/build-manifest.mjs', 'scripts/warning-catalog.mjs'];
  for (const dir of ['runtime', 'components']) {
    for (const name of readdirSync(join(ROOT, dir)).sort()) if (name.endsWith('.ts') && !name.endsWith('.test.ts')) files.push(`${dir}/${name}`);
  }
  return files;
}

function inputHash() {
  const hash = createHash('sha256');
  for (const file of inputs()) hash.update(`${file}\0`).update(readFileSync(join(ROOT, file))).update('\0');
  return hash.digest('hex');
}

/** True when dist/ was built from the sources as they are now. */
export function buildIsCurrent() {
  try {
    return existsSync(join(DIST, 'heap-analytics.js')) && readFileSync(STAMP, 'utf8') === inputHash();
  } catch {
    return false;
  }
}

/** Builds into a scratch directory, then swaps it in, so a concurrent reader never sees half a dist/. */
export async function build({ quiet = false } = {}) {
  const started = Date.now();
  const hash = inputHash();
  // A sibling of dist/, so the relative paths in the source maps hold once it is renamed to dist/.
  const out = join(ROOT, `.dist-${process.pid}-${Date.now()}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });

  try {
    await buildInto(out, quiet);
  } catch (err) {
    rmSync(out, { recursive: true, force: true });
    throw err;
  }
  swapIn(out);
  mkdirSync(dirname(STAMP), { recursive: true });
  writeFileSync(STAMP, hash);
  if (!quiet) console.log(`built dist/ (bundles, esm + .d.ts, custom-elements.json) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Replaces dist/ with `out`; retries when a concurrent build swapped its own in meanwhile. */
function swapIn(out) {
  for (let attempt = 0; ; attempt++) {
    const old = `${out}-old${attempt}`;
    try {
      if (existsSync(DIST)) renameSync(DIST, old);
    } catch (err) {
      if (err.code !== 'ENOENT') throw err;
    }
    try {
      renameSync(out, DIST);
      rmSync(old, { recursive: true, force: true });
      return;
    } catch (err) {
      rmSync(old, { recursive: true, force: true });
      if (attempt >= 5 || !['ENOTEMPTY', 'EEXIST'].includes(err.code)) throw err;
    }
  }
}

async function buildInto(out, quiet) {
  const { build: viteBuild } = await import('vite');
  await viteBuild({ root: ROOT, configFile: join(ROOT, 'vite.config.mjs'), logLevel: quiet ? 'error' : 'warn', build: { outDir: out, emptyOutDir: false } });
  // The debug overlay (dist/heap-analytics-debug.js) and the markup audit for the `plan` command (dist/cli/plan.mjs).
  await viteBuild({ root: ROOT, configFile: join(ROOT, 'vite.debug.config.mjs'), logLevel: quiet ? 'error' : 'warn', build: { outDir: out, emptyOutDir: false } });
  const { buildAuditModule } = await import('../bin/plan.mjs');
  await buildAuditModule(join(out, 'cli', 'plan.mjs'));

  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(out, 'esm')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (tsc.status !== 0) throw new Error('tsc -p tsconfig.build.json failed');
  fixDeclarations(join(out, 'esm'));

  const { buildManifest } = await import('./build-manifest.mjs');
  writeFileSync(join(out, 'custom-elements.json'), `${JSON.stringify(buildManifest(ROOT), null, 2)}\n`);
}

/** Builds unless dist/ is current; for tests that need the package. */
export async function ensureBuilt() {
  if (!buildIsCurrent()) await build({ quiet: true });
}

const SPECIFIER = /(?:from\s*|import\s*\(?\s*)(['"])(\.\.?\/[^'"]+)\1/g;

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

function relativeImports(file) {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(SPECIFIER)].map((m) => join(dirname(file), m[2]));
}

function closure(start, toFile) {
  const seen = new Set();
  const queue = [start];
  while (queue.length) {
    const file = queue.shift();
    if (seen.has(file) || !existsSync(file)) continue;
    seen.add(file);
    for (const target of relativeImports(file)) queue.push(toFile(target));
  }
  return seen;
}

/**
 * Makes the emitted .d.ts files fit for consumers:
 * - tsc keeps `.ts` in declaration imports even with rewriteRelativeImportExtensions (microsoft/TypeScript#61037);
 *   they become `.js`, as in the emitted JavaScript.
 * - An entry's types must carry the `declare global` augmentations (window.heap, HTMLElementTagNameMap, the heap-*
 *   events) of every module its JavaScript imports; tsc drops imports that only the implementation uses, so they are added back.
 */
function fixDeclarations(esm) {
  const dts = walk(esm).filter((f) => f.endsWith('.d.ts'));
  for (const file of dts) {
    const text = readFileSync(file, 'utf8');
    const fixed = text.replace(SPECIFIER, (whole, quote, spec) => (spec.endsWith('.ts') ? whole.replace(`${spec}${quote}`, `${spec.slice(0, -3)}.js${quote}`) : whole));
    if (fixed !== text) writeFileSync(file, fixed);
  }
  const augmenting = new Set(dts.filter((f) => readFileSync(f, 'utf8').includes('declare global')).map((f) => f.replace(/\.d\.ts$/, '.js')));
  for (const entry of ENTRIES) {
    const entryJs = join(esm, `${entry}.js`);
    const entryDts = join(esm, `${entry}.d.ts`);
    // Nearest first: importing the element's types brings window.heap's along.
    for (;;) {
      const typed = new Set([...closure(entryDts, (p) => p.replace(/\.js$/, '.d.ts'))].map((f) => f.replace(/\.d\.ts$/, '.js')));
      const missing = [...closure(entryJs, (p) => p)].find((f) => augmenting.has(f) && !typed.has(f));
      if (!missing) break;
      const spec = relative(dirname(entryJs), missing).split('\\').join(posix.sep);
      writeFileSync(entryDts, `import '${spec.startsWith('.') ? spec : `./${spec}`}';\n${readFileSync(entryDts, 'utf8')}`);
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    await build();
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
