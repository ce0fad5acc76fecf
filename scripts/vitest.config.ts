import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'scripts',
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    expect: { poll: { timeout: 8_000, interval: 20 } },
  },
});
