import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'widget',
    include: ['test/**/*.test.ts'],
    // Builds the bundle (what partner pages load) and migrates the test database once per run.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    // Browser tests wait for what a person would see; on a loaded 2-core CI machine that can take
    // more than vitest's 1 s default. Assertions about speed ("within a second") set their own.
    expect: { poll: { timeout: 8_000, interval: 50 } },
    hookTimeout: 60_000,
  },
});
