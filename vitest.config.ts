import { defineConfig } from 'vitest/config';

// One command runs every package's tests; each package keeps its own vitest.config.ts.
export default defineConfig({
  test: {
    projects: ['*/vitest.config.ts'],
    // The tests wait on PostgreSQL, Redis, RabbitMQ and Chromium far more than they compute: two
    // files at a time on a 2-core machine (vitest's default would be one) halves the wall time.
    // Files stay isolated by fresh ids, not by running alone.
    maxWorkers: 2,
  },
});
