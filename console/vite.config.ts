import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const renderer = fileURLToPath(new URL('./src/renderer/', import.meta.url));

/** The renderer: the same build runs in Electron (app://console/) and in a browser. */
export default defineConfig({
  root: renderer,
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist/renderer/', import.meta.url)),
    emptyOutDir: true,
    rollupOptions: {
      input: { main: `${renderer}index.html` },
    },
  },
});
