// Library build of the drop-in bundles, Lit and uuid included: dist/heap-analytics.js (ES module) and
// dist/heap-analytics.iife.js (classic script, global `HeapAnalytics`). `npm run build` (scripts/build.mjs) runs it.
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [
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
  resolve: {
    // The element needs only ReactiveElement, which `lit` re-exports from @lit/reactive-element; `lit`'s index
    // also imports lit-html for its side effects, which would put the unused template engine (~2.9 KB gzip) in
    // the bundle. Anything else imported from `lit` fails the build (MISSING_EXPORT) instead of slipping in.
    alias: [{ find: /^lit$/, replacement: '@lit/reactive-element' }],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    sourcemap: true,
    target: 'es2022',
    lib: {
      entry: 'components/heap-analytics-define.ts',
      name: 'HeapAnalytics',
      formats: ['es', 'iife'],
      fileName: (format) => (format === 'es' ? 'heap-analytics.js' : 'heap-analytics.iife.js'),
    },
    // Lit's @license notices stay (its BSD licence asks for them; +84 B gzip); /* @__PURE__ */ marks go (-40 B gzip).
    rolldownOptions: { output: { minify: true, comments: { legal: true, annotation: false, jsdoc: false } } },
  },
});
