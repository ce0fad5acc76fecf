import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * Library mode: one self-contained ES module (Lit, socket.io-client and our code) plus its source
 * map, so a partner page needs exactly one <script type="module"> and no import map.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  logLevel: 'warn',
  mode: 'production',
  // Always the production builds of Lit and socket.io (no dev warnings, no `debug`), even when the
  // build runs inside a test process whose NODE_ENV would otherwise select their development builds.
  resolve: { conditions: ['module', 'browser', 'production'] },
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    sourcemap: true,
    target: 'es2022',
    minify: true,
    lib: {
      entry: fileURLToPath(new URL('src/index.ts', import.meta.url)),
      formats: ['es'],
      fileName: () => 'happening.js',
    },
    rolldownOptions: {
      output: { codeSplitting: false, minify: true },
    },
  },
});
