import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'worker',
    include: ['test/**/*.test.ts'],
    // Migrates the shared test database once per run (same setup as the server's tests).
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // What a person or client would see can take longer than vitest's 1 s poll default on a loaded
    // 2-core CI machine. Assertions about speed ("within a second") set their own timeout.
    expect: { poll: { timeout: 8_000, interval: 50 } },
  },
});
