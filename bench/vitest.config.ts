import { defineProject } from 'vitest/config';

// Not a timed test: it runs the benchmarks once at the smallest sizes to prove every suite still
// runs and reports its figures. Speed is judged by `npm run bench`, never by `npm test`.
export default defineProject({
  test: {
    name: 'bench',
    include: ['test/**/*.test.ts'],
    testTimeout: 180_000,
  },
});
