/**
 * The subpaths browser bundles import (`@happening/shared/socket`, `/seats`) load no TypeBox at run
 * time: the widget's size budget has no room for schemas it never validates with. Each module's
 * run-time imports are what is left after TypeScript erases the type-only ones.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  exports: Record<string, { default: string }>;
};

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Every module a file loads when it runs, following relative imports inside the package. */
function runtimeImports(file: string, seen = new Set<string>()): Set<string> {
  const source = readFileSync(file, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
    },
  });
  for (const { fileName } of ts.preProcessFile(outputText, true, true).importedFiles) {
    if (!fileName.startsWith('.')) {
      seen.add(fileName);
      continue;
    }
    const target = path.resolve(path.dirname(file), fileName).replace(/\.js$/, '.ts');
    if (seen.has(target)) continue;
    seen.add(target);
    runtimeImports(target, seen);
  }
  return seen;
}

describe.each(['./socket', './seats'] as const)('@happening/shared%s', (subpath) => {
  it('loads no TypeBox at run time', () => {
    const entry = path.join(packageDir, manifest.exports[subpath]!.default);
    const loaded = [...runtimeImports(entry)];
    expect(loaded.filter((specifier) => /^typebox(\/|$)/.test(specifier))).toEqual([]);
  });
});

it('would notice a module that does', () => {
  const loaded = runtimeImports(path.join(packageDir, 'src/seatmap.ts'));
  expect([...loaded]).toContain('typebox');
});
