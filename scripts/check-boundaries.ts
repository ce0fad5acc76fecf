/**
 * Refuses relative imports that leave a package: a file in one package reaches another only through
 * that package's name and its `exports`, so that what a package offers is written down in one
 * place (its package.json) and its folders can move without breaking a neighbour.
 *
 * The units are the npm workspaces plus `bench` and `scripts`, which have no package.json of their
 * own but are kept apart the same way. Specifiers are read with TypeScript's own pre-processor,
 * which finds `import … from`, `export … from`, `import x = require()` and dynamic `import()`
 * without being fooled by strings and comments.
 *
 *   tsx scripts/check-boundaries.ts [root]     exit code 1 and one line per violation
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** Folders that are units of their own although they are not workspaces. */
const EXTRA_UNITS = ['bench', 'scripts'];
const SOURCE = /\.(?:[cm]?[jt]s|tsx|jsx)$/;
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'dist-types', '.git', 'coverage', 'release']);

export interface Unit {
  /** Folder relative to the root, with forward slashes: `server`, `bench`. */
  dir: string;
  /** The npm name, or undefined for a folder that is not a package. */
  name: string | undefined;
  /** `exports` subpath → the source file it points at (relative to the unit). */
  exports: Map<string, string>;
}

export interface Violation {
  file: string;
  line: number;
  specifier: string;
  from: string;
  to: string;
  /** What to write instead, when the target is exported; otherwise what to do about it. */
  advice: string;
}

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

/** The source file an `exports` target stands for: the `default` condition, or the plain string. */
function exportTarget(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object') {
    const conditions = value as Record<string, unknown>;
    return exportTarget(conditions.default ?? conditions.import);
  }
  return undefined;
}

export function readUnits(root: string): Unit[] {
  const rootPackage = readJson(path.join(root, 'package.json'));
  const workspaces = Array.isArray(rootPackage.workspaces) ? (rootPackage.workspaces as string[]) : [];
  const dirs = [...workspaces, ...EXTRA_UNITS].filter((dir) => {
    try {
      return statSync(path.join(root, dir)).isDirectory();
    } catch {
      return false;
    }
  });
  return dirs.map((dir) => {
    let manifest: Record<string, unknown> = {};
    try {
      manifest = readJson(path.join(root, dir, 'package.json'));
    } catch {
      // bench/ and scripts/ have no manifest: they export nothing.
    }
    const exports = new Map<string, string>();
    const declared = manifest.exports;
    const entries =
      typeof declared === 'string' || (declared && typeof declared === 'object' && !('.' in declared))
        ? ([['.', declared]] as [string, unknown][])
        : Object.entries((declared ?? {}) as Record<string, unknown>);
    for (const [subpath, value] of entries) {
      const target = exportTarget(value);
      if (target) exports.set(subpath, path.posix.normalize(target));
    }
    return {
      dir: dir.replace(/\/+$/, ''),
      name: typeof manifest.name === 'string' ? manifest.name : undefined,
      exports,
    };
  });
}

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) yield* sourceFiles(path.join(dir, entry.name));
    } else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      yield path.join(dir, entry.name);
    }
  }
}

/** The unit whose folder holds `relative` (a root-relative path), the innermost if they nest. */
function unitOf(units: Unit[], relative: string): Unit | undefined {
  let best: Unit | undefined;
  for (const unit of units) {
    if (
      (relative === unit.dir || relative.startsWith(`${unit.dir}/`)) &&
      (!best || unit.dir.length > best.dir.length)
    ) {
      best = unit;
    }
  }
  return best;
}

/** `src/config.js` and `src/config.ts` name the same module; so do `x` and `x/index.ts`. */
function sameModule(exported: string, target: string): boolean {
  const strip = (file: string) =>
    file
      .replace(/^\.\//, '')
      .replace(/\.(?:[cm]?[jt]s|tsx|jsx)$/, '')
      .replace(/\/index$/, '');
  return strip(exported) === strip(target);
}

function adviceFor(unit: Unit | undefined, targetInUnit: string): string {
  if (!unit) return 'the target belongs to no package; move what is shared into one';
  if (!unit.name)
    return `${unit.dir}/ is not a package: move what is shared into one (e.g. @happening/testing)`;
  for (const [subpath, file] of unit.exports) {
    if (sameModule(file, targetInUnit)) return `import '${path.posix.join(unit.name, subpath)}'`;
  }
  return `import it from '${unit.name}' (add an \`exports\` subpath for ${targetInUnit} if it is not exported)`;
}

export function checkBoundaries(root: string): Violation[] {
  const units = readUnits(root);
  const violations: Violation[] = [];
  for (const unit of units) {
    for (const file of sourceFiles(path.join(root, unit.dir))) {
      const source = readFileSync(file, 'utf8');
      const { importedFiles } = ts.preProcessFile(source, true, true);
      for (const imported of importedFiles) {
        const specifier = imported.fileName;
        if (!specifier.startsWith('.')) continue;
        const target = path
          .relative(root, path.resolve(path.dirname(file), specifier))
          .split(path.sep)
          .join('/');
        const targetUnit = unitOf(units, target);
        if (targetUnit === unit) continue;
        const line = source.slice(0, imported.pos).split('\n').length;
        violations.push({
          file: path.relative(root, file).split(path.sep).join('/'),
          line,
          specifier,
          from: unit.name ?? `${unit.dir}/`,
          to: targetUnit?.name ?? (targetUnit ? `${targetUnit.dir}/` : target),
          advice: adviceFor(targetUnit, targetUnit ? target.slice(targetUnit.dir.length + 1) : target),
        });
      }
    }
  }
  return violations;
}

export function formatViolation(violation: Violation): string {
  return `${violation.file}:${violation.line}: '${violation.specifier}' leaves ${violation.from} for ${violation.to}: ${violation.advice}`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
  const violations = checkBoundaries(root);
  for (const violation of violations) console.error(formatViolation(violation));
  if (violations.length > 0) {
    console.error(
      `${violations.length} relative import(s) leave their package; import by package name instead.`,
    );
    process.exitCode = 1;
  } else {
    console.log('check-boundaries: every cross-package import goes through a package name');
  }
}
