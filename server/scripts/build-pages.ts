/**
 * Builds the pages' scripts (vite.pages.config.ts) to `pages-dist/`. Used by `npm run build`, by
 * `npm start` and by the server's test setup, so a fresh clone needs no separate step. Output is
 * written to a scratch folder and renamed into place, so a running server (or a concurrent test
 * run) never reads a half-written file.
 */
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const serverDir = fileURLToPath(new URL('..', import.meta.url));
export const pagesDist = join(serverDir, 'pages-dist');

export async function buildPages(): Promise<void> {
  await mkdir(pagesDist, { recursive: true });
  const scratch = await mkdtemp(join(pagesDist, '.build-'));
  try {
    await build({
      configFile: join(serverDir, 'vite.pages.config.ts'),
      build: { outDir: scratch, emptyOutDir: false },
    });
    // The page kit first: a page's new script may import what only the new kit exports.
    const names = (await readdir(scratch)).sort(
      (a, b) => Number(b === 'page-kit.js') - Number(a === 'page-kit.js'),
    );
    for (const name of names) await rename(join(scratch, name), join(pagesDist, name));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildPages();
  console.log(`Built the pages' scripts to ${pagesDist}`);
}
