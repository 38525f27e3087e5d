// Gets every file the pages load: our built bundles (dist/ when it matches the sources, else a build of our own
// into bench/.build with the repo's vite config), the peers' shipped bundles, and Snowplow bundled with its plugins.
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const BENCH = fileURLToPath(new URL('..', import.meta.url));
const ROOT = join(BENCH, '..');
const BUILD = join(BENCH, '.build');
const require = createRequire(join(BENCH, 'package.json'));

/** Raw / minified / gzip (level 9) / brotli (quality 11) bytes, as scripts/size.mjs counts them. */
export function sizesOf(code, raw) {
  return {
    raw: raw ?? null,
    min: code.length,
    gzip: gzipSync(code, { level: 9 }).length,
    brotli: brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: code.length } }).length,
  };
}

async function importRoot(spec) {
  return import(pathToFileURL(join(ROOT, spec)).href);
}

/** Our two bundles: where they came from, and their unminified sizes (for the "raw" column). */
async function ourBundles(log) {
  let source = 'dist';
  let dir = join(ROOT, 'dist');
  let current = false;
  try {
    current = (await importRoot('scripts/build.mjs')).buildIsCurrent();
  } catch {
    current = existsSync(join(dir, 'heap-analytics.js'));
  }
  const viteConfig = join(ROOT, 'vite.config.mjs');
  const wantOwn = process.env.BENCH_OWN_BUILD === '1' || !current || !existsSync(join(dir, 'heap-analytics.iife.js'));
  let vite;
  try {
    vite = await import(pathToFileURL(join(ROOT, 'node_modules/vite/dist/node/index.js')).href);
  } catch {
    vite = undefined;
  }
  if (wantOwn) {
    dir = join(BUILD, 'ours');
    mkdirSync(dir, { recursive: true });
    if (vite) {
      log(`dist/ is missing or older than the sources: building our bundles into bench/.build/ours with the repo's vite config`);
      await vite.build({ root: ROOT, configFile: viteConfig, logLevel: 'error', build: { outDir: dir, emptyOutDir: true, sourcemap: false } });
      source = 'bench/.build/ours (repo vite config)';
    } else {
      log(`dist/ is missing or stale and vite is not installed at the root: bundling with esbuild into bench/.build/ours`);
      const esbuild = require('esbuild');
      for (const [format, file] of [['esm', 'heap-analytics.js'], ['iife', 'heap-analytics.iife.js']]) {
        await esbuild.build({
          entryPoints: [join(ROOT, 'components/heap-analytics-define.ts')],
          bundle: true, minify: true, format, globalName: format === 'iife' ? 'HeapAnalytics' : undefined,
          target: 'es2022', outfile: join(dir, file), alias: { lit: '@lit/reactive-element' }, nodePaths: [join(ROOT, 'node_modules')],
          tsconfigRaw: { compilerOptions: { experimentalDecorators: true, useDefineForClassFields: false } }, logLevel: 'error',
        });
      }
      source = 'bench/.build/ours (esbuild fallback)';
    }
  }
  // The raw column: the same build without minification, not written anywhere.
  const raw = {};
  if (vite) {
    try {
      const outputs = await vite.build({
        root: ROOT, configFile: viteConfig, logLevel: 'error',
        build: { write: false, sourcemap: false, minify: false, rolldownOptions: { output: { minify: false } } },
      });
      for (const [i, output] of outputs.entries()) raw[['es', 'iife'][i]] = Buffer.byteLength(output.output[0].code);
    } catch (err) {
      log(`unminified build for the raw column failed: ${err.message}`);
    }
  }
  const esm = join(dir, 'heap-analytics.js');
  return {
    source,
    builtAt: statSync(esm).mtime.toISOString(),
    esm,
    iife: join(dir, 'heap-analytics.iife.js'),
    raw,
  };
}

async function bundleSnowplow() {
  const out = join(BUILD, 'snowplow.js');
  mkdirSync(BUILD, { recursive: true });
  const esbuild = require('esbuild');
  await esbuild.build({
    entryPoints: [join(BENCH, 'peers/snowplow-entry.js')],
    bundle: true, minify: true, format: 'iife', globalName: 'snowplowBench', target: 'es2017',
    outfile: out, logLevel: 'error', legalComments: 'none', absWorkingDir: BENCH,
  });
  return out;
}

/** Prepares every asset; returns the name -> file map the server serves, the byte figures and our version. */
export async function prepareAssets(log = console.log) {
  const ours = await ourBundles(log);
  const pkg = (name) => dirname(require.resolve(`${name}/package.json`));
  const segmentBundles = join(pkg('@segment/analytics-next'), 'dist/umd');
  const assets = {
    'noop.js': join(BENCH, 'peers/noop.js'),
    'heap-analytics.js': ours.esm,
    'heap-analytics.iife.js': ours.iife,
    'posthog-array.js': join(pkg('posthog-js'), 'dist/array.js'),
    'segment-standalone.js': join(segmentBundles, 'standalone.js'),
    'amplitude-min.js': join(pkg('@amplitude/analytics-browser'), 'lib/scripts/amplitude-min.js'),
    'snowplow.js': await bundleSnowplow(),
  };
  const bytes = {
    ours: {
      esm: sizesOf(readFileSync(ours.esm), ours.raw.es),
      iife: sizesOf(readFileSync(ours.iife), ours.raw.iife),
    },
    posthog: { file: 'posthog-js/dist/array.js', ...sizesOf(readFileSync(assets['posthog-array.js'])) },
    segment: { file: '@segment/analytics-next/dist/umd/standalone.js', ...sizesOf(readFileSync(assets['segment-standalone.js'])) },
    amplitude: { file: '@amplitude/analytics-browser/lib/scripts/amplitude-min.js', ...sizesOf(readFileSync(assets['amplitude-min.js'])) },
    snowplow: { file: 'browser-tracker + link and button click plugins, esbuild --minify', ...sizesOf(readFileSync(assets['snowplow.js'])) },
  };
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  return { assets, segmentBundles, bytes, ours: { version, source: ours.source, builtAt: ours.builtAt } };
}
