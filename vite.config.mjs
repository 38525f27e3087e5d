// Library build of the drop-in bundles (no Lit; uuid included): dist/heap-analytics.js (ES module) and
// dist/heap-analytics.iife.js (classic script, global `HeapAnalytics`). `npm run build` (scripts/build.mjs) runs it.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { warningCatalog } from './scripts/warning-catalog.mjs';

/** Output settings both drop-in builds share (this one and vite.debug.config.mjs). */
export const BUNDLE_OUTPUT = { outDir: 'dist', emptyOutDir: false, sourcemap: true, target: 'es2022' };
export const OUTPUT_COMMENTS = { legal: true, annotation: false, jsdoc: false };

export default defineConfig({
  plugins: [
    // The console messages go to dist/heap-analytics-messages.js, loaded on the first warning (-1.8 KB gzip).
    warningCatalog(fileURLToPath(new URL('.', import.meta.url))),
    {
      // The debug overlay is a bundle of its own (vite.debug.config.mjs): its lazy import stays an import of the
      // file next to this bundle, resolved against the bundle's URL, instead of being bundled or split.
      name: 'heap-analytics-debug-external',
      enforce: 'pre',
      resolveId(source) {
        if (source.endsWith('/heap-analytics-debug-define.ts')) return { id: './heap-analytics-debug.js', external: true };
      },
    },
  ],
  build: {
    ...BUNDLE_OUTPUT,
    lib: {
      entry: 'components/heap-analytics-define.ts',
      name: 'HeapAnalytics',
      formats: ['es', 'iife'],
      fileName: (format) => (format === 'es' ? 'heap-analytics.js' : 'heap-analytics.iife.js'),
    },
    // Terser (two compress passes) on each chunk, then rolldown's own minifier on the output: each finds what
    // the other leaves, 477 B gzip below rolldown's alone (17,527 against 18,004 B). Legal comments stay.
    // Terser leaves statements apart (no sequences): rolldown's minifier joins them after it, and the bundle
    // gzips smaller so (measured: -4 B gzip). Its comparison rewrites, variable collapsing and constants moved to
    // the left of comparisons are off too (-2 B, -1 B, -6 B gzip), and so is its joining of declarations, which
    // rolldown's minifier does too (-3 B gzip). Terser renames nothing: rolldown's minifier names every variable
    // once, from the whole output, in names that gzip 35 B smaller than terser's renamed again.
    // Function expressions that use no `this` become arrow functions (`unsafe_arrows`, ES2020 output): today only the
    // single-use functions terser writes where they are called (-4 B gzip). Unsafe for a function expression called
    // with `new` or whose `prototype` is read: the runtime has none (classes serve for that).
    minify: 'terser',
    terserOptions: { module: true, ecma: 2020, mangle: false, compress: { passes: 2, unsafe_arrows: true, sequences: false, comparisons: false, collapse_vars: false, lhs_constants: false, join_vars: false }, format: { comments: 'some' } },
    rolldownOptions: { output: { minify: true, comments: OUTPUT_COMMENTS } },
  },
});
