/**
 * Builds the console: the renderer (vite.config.ts), then the Electron main process and the
 * preload as CommonJS bundles. A sandboxed preload may only `require('electron')`, so everything
 * else it uses is bundled in.
 */
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const here = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));
const external = ['electron', ...builtinModules, ...builtinModules.map((name) => `node:${name}`)];

export async function buildRenderer(): Promise<void> {
  await build({ configFile: here('vite.config.ts'), logLevel: 'warn' });
}

async function buildNodeBundle(entry: string, outDir: string, fileName: string): Promise<void> {
  await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      ssr: here(entry),
      outDir: here(outDir),
      emptyOutDir: true,
      target: 'node22',
      minify: false,
      rollupOptions: { external, output: { format: 'cjs', entryFileNames: fileName } },
    },
    ssr: { noExternal: true },
  });
}

export async function buildDesktop(): Promise<void> {
  await buildNodeBundle('src/main/index.ts', 'dist/main', 'main.cjs');
  await buildNodeBundle('src/preload/preload.ts', 'dist/preload', 'preload.cjs');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildRenderer();
  await buildDesktop();
  console.log('console built into dist/');
}
