import { defineConfig } from 'vitest/config';

// One command runs every package's tests; each package keeps its own vitest.config.ts.
export default defineConfig({
  test: {
    projects: ['*/vitest.config.ts'],
  },
});
