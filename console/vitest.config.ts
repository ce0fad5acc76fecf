import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineProject } from 'vitest/config';

/**
 * Console tests. Main process and preload run in node with Electron replaced by the one fake in
 * test/mocks; component tests opt into happy-dom per file; end to end tests drive Debian's
 * Chromium against the web build and a real server.
 */
export default defineProject({
  plugins: [react()],
  resolve: {
    alias: { electron: fileURLToPath(new URL('./test/mocks/electron.ts', import.meta.url)) },
  },
  test: {
    name: 'console',
    include: ['test/**/*.test.{ts,tsx}'],
    environment: 'node',
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 90_000,
    // What a person or client would see can take longer than vitest's 1 s poll default on a loaded
    // 2-core CI machine. Assertions about speed ("within a second") set their own timeout.
    expect: { poll: { timeout: 8_000, interval: 50 } },
  },
});
