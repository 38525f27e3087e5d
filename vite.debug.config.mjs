// The debug overlay's own bundle, dist/heap-analytics-debug.js (ES module, full Lit included): the main bundle
// imports it lazily from next to itself when asked (`debug-overlay` attribute or `?heap-debug`). `npm run build` runs it.
import { defineConfig } from 'vite';
import { BUNDLE_OUTPUT, OUTPUT_COMMENTS } from './vite.config.mjs';

export default defineConfig({
  build: {
    ...BUNDLE_OUTPUT,
    lib: {
      entry: 'components/heap-analytics-debug-define.ts',
      formats: ['es'],
      fileName: () => 'heap-analytics-debug.js',
    },
    // One file: the overlay prints its messages inline, so runtime/warn.ts's lazy import of the texts stays in it.
    rolldownOptions: { output: { codeSplitting: false, minify: true, comments: OUTPUT_COMMENTS } },
  },
});
