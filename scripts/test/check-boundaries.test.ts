/**
 * The boundary check refuses a relative import that leaves its package, names the file and line
 * and the package name to use instead, lets every import inside a package and every import by
 * name through, and finds nothing to refuse in the repository itself.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { checkBoundaries, formatViolation } from '../check-boundaries.js';

const repository = fileURLToPath(new URL('../..', import.meta.url));
const script = fileURLToPath(new URL('../check-boundaries.ts', import.meta.url));
const trees: string[] = [];

/** A workspace of two packages (`@x/a` exporting `./thing`, `@x/b`) and a `bench/` folder. */
function workspace(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'boundaries-'));
  trees.push(root);
  const all: Record<string, string> = {
    'package.json': JSON.stringify({ name: 'x', private: true, workspaces: ['a', 'b'] }),
    'a/package.json': JSON.stringify({
      name: '@x/a',
      exports: {
        '.': { default: './src/index.ts' },
        './thing': { compiled: './dist/thing.js', default: './src/thing.ts' },
      },
    }),
    'a/src/index.ts': "export * from './thing.js';\n",
    'a/src/thing.ts': 'export const thing = 1;\n',
    'a/src/hidden.ts': 'export const hidden = 2;\n',
    'b/package.json': JSON.stringify({ name: '@x/b' }),
    'b/src/own.ts': 'export const own = 3;\n',
    ...files,
  };
  for (const [file, text] of Object.entries(all)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

afterEach(() => {
  for (const root of trees.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe('check-boundaries', () => {
  it('refuses imports, re-exports and dynamic imports that leave their package, with the name to use', () => {
    const root = workspace({
      'b/src/use.ts': [
        "import { own } from './own.js';",
        "import { thing } from '../../a/src/thing.js';",
        "export { hidden } from '../../a/src/hidden.js';",
        'export const later = () => import("../../a/src/index.js");',
        "// import { x } from '../../a/src/thing.js' in a comment is not an import",
        'export const both = own + thing;',
      ].join('\n'),
      'bench/run.ts': "import { own } from '../b/src/own.js';\nexport default own;\n",
      'a/src/reach.ts': "export { thing } from '../../bench/run.js';\n",
    });
    const violations = checkBoundaries(root);
    expect(violations.map(formatViolation).sort()).toEqual([
      "a/src/reach.ts:1: '../../bench/run.js' leaves @x/a for bench/: bench/ is not a package: move what is shared into one (e.g. @happening/testing)",
      "b/src/use.ts:2: '../../a/src/thing.js' leaves @x/b for @x/a: import '@x/a/thing'",
      "b/src/use.ts:3: '../../a/src/hidden.js' leaves @x/b for @x/a: import it from '@x/a' (add an `exports` subpath for src/hidden.js if it is not exported)",
      "b/src/use.ts:4: '../../a/src/index.js' leaves @x/b for @x/a: import '@x/a'",
      "bench/run.ts:1: '../b/src/own.js' leaves bench/ for @x/b: import it from '@x/b' (add an `exports` subpath for src/own.js if it is not exported)",
    ]);
  });

  it('lets imports inside a package and imports by package name through', () => {
    const root = workspace({
      'b/src/use.ts':
        "import { thing } from '@x/a/thing';\nimport { own } from './own.js';\nexport default own + thing;\n",
      'b/test/use.test.ts': "import value from '../src/use.js';\nexport { value };\n",
    });
    expect(checkBoundaries(root)).toEqual([]);
  });

  it('exits 1 with the violation on stderr, and 0 on a clean tree (as `npm run check` runs it)', async () => {
    const planted = workspace({ 'b/src/use.ts': "export { thing } from '../../a/src/thing.js';\n" });
    const failure = await promisify(execFile)(process.execPath, ['--import', 'tsx', script, planted]).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("b/src/use.ts:1: '../../a/src/thing.js'"),
    });
    const clean = workspace({});
    await expect(
      promisify(execFile)(process.execPath, ['--import', 'tsx', script, clean]),
    ).resolves.toBeDefined();
  });

  it('finds every cross-package import of this repository going through a package name', () => {
    expect(checkBoundaries(repository).map(formatViolation)).toEqual([]);
  });
});
