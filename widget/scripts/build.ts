/**
 * Builds dist/happening.js (+ .map) and dist/custom-elements.json. Used by `npm run build` and by
 * the test suite's global setup. Output is written to a scratch folder and renamed into place, so
 * a server (or a concurrent test run) never reads a half-written bundle.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'vite';
import { LANGUAGES } from '../src/happening-seat-picker/translations.js';

const widgetDir = fileURLToPath(new URL('..', import.meta.url));
const distDir = join(widgetDir, 'dist');

export async function buildWidget(): Promise<void> {
  await mkdir(distDir, { recursive: true });
  const scratch = await mkdtemp(join(distDir, '.build-'));
  try {
    await build({
      configFile: join(widgetDir, 'vite.config.ts'),
      build: { outDir: scratch, emptyOutDir: false },
    });
    await generateManifest(scratch);
    await writeTranslations(scratch);
    await rm(join(distDir, 'locales'), { recursive: true, force: true });
    await rename(join(scratch, 'locales'), join(distDir, 'locales'));
    // The map first, so the bundle never points at a map of another build for long.
    for (const file of ['happening.js.map', 'custom-elements.json', 'happening.js'])
      await rename(join(scratch, file), join(distDir, file));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * dist/locales/<language>.json for each language besides English: the element fetches the one it
 * needs from the server, so translations never weigh on the bundle.
 */
async function writeTranslations(outDir: string): Promise<void> {
  await mkdir(join(outDir, 'locales'));
  for (const language of LANGUAGES) {
    const module = (await import(`../src/happening-seat-picker/locales/${language}.ts`)) as {
      default: Record<string, string>;
    };
    await writeFile(join(outDir, 'locales', `${language}.json`), JSON.stringify(module.default));
  }
}

/** The custom-elements manifest (for IDEs, Storybook, docs) from the component's JSDoc. The CLI resolves --outdir against its cwd. */
async function generateManifest(outDir: string): Promise<void> {
  const cli = createRequire(import.meta.url).resolve('@custom-elements-manifest/analyzer/cem.js');
  await promisify(execFile)(process.execPath, [cli, 'analyze', '--outdir', relative(widgetDir, outDir)], {
    cwd: widgetDir,
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildWidget();
  console.log(`Built ${join(distDir, 'happening.js')}`);
}
