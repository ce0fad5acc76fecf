import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);

interface Issue {
  id: string;
  file: string;
  location: { line: number };
  severity: { name?: string; value: number };
  manualReview: boolean;
}
type Run = (
  options: Record<string, unknown>,
  forCli: boolean,
) => Promise<{ issues: Issue[]; errors: unknown[] }>;

describe('electronegativity', () => {
  it('finds nothing of high severity in the console sources', async () => {
    // The package's entry is its CLI; the runner is the programmatic API.
    const packageJson = require.resolve('@doyensec/electronegativity/package.json');
    const run = require(packageJson.replace(/package\.json$/, 'dist/runner.js')) as Run;
    const electronVersion = JSON.parse(
      readFileSync(require.resolve('electron/package.json'), 'utf8'),
    ).version;
    const result = await run(
      {
        input: fileURLToPath(new URL('../../src', import.meta.url)),
        isRelative: true,
        electronVersionOverride: electronVersion,
      },
      false,
    );
    expect(result.errors).toEqual([]);
    const high = result.issues.filter((issue) => issue.severity.value >= 3);
    expect(high.map((i) => `${i.id} ${i.file}:${i.location.line}`)).toEqual([]);
    // Sanity: the scanner did look at the main process.
    expect(result.issues.some((issue) => issue.file.startsWith('main/'))).toBe(true);
  }, 60_000);
});
