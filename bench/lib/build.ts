/**
 * The server and worker a benchmark measures run as production runs them (the Dockerfile's
 * `node --conditions=compiled …/dist/…`): compiled JavaScript, no TypeScript loader. Under tsx
 * the loader's worker thread and its transform caches cost the server ~37 MB of RSS before the
 * first request (174 against 138 MB idle here), which the fan-out suite's memory goal would count.
 *
 * `npm test`'s `--tiny` run keeps the TypeScript sources through tsx: it proves the suites run,
 * not their speed, and must not rebuild `dist/` while the production-build test reads it.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));
const out = fileURLToPath(new URL('../.build/', import.meta.url));

/** How a benchmark's server and worker processes are launched (arguments after `node`). */
export interface Launch {
  /** Preloaded before the entry, then the entry: the server with the booking peers mounted. */
  server: string[];
  /** The same for the worker (run with `worker/` as its directory). */
  worker: string[];
}

const fromSources: Launch = {
  server: [
    '--import',
    'tsx',
    '--import',
    `${root}bench/lib/exit-with-parent.ts`,
    'bench/peers/server-with-peers.ts',
  ],
  worker: ['--import', 'tsx', '--import', `${root}bench/lib/exit-with-parent.ts`, 'src/worker.ts'],
};

/** The server's V8 flags in production (the Dockerfile's CMD, compose, `start:compiled`). */
const PRODUCTION_SERVER_FLAGS = ['--max-semi-space-size=24'];

let launch: Launch = fromSources;

export function currentLaunch(): Launch {
  return launch;
}

/**
 * Builds the product (`npm run build:node`) and the benchmark's own two modules (the peers' server
 * entry and the exit-with-parent preload) to plain ESM, then launches from those. The benchmark's
 * modules are bundled with esbuild with every package left external, so `@happening/*` resolves
 * through the packages' `compiled` export condition to the same `dist/` production runs.
 */
export async function useCompiledBuild(): Promise<void> {
  await promisify(execFile)('npm', ['run', 'build:node'], { cwd: root });
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: {
      'server-with-peers': `${root}bench/peers/server-with-peers.ts`,
      'exit-with-parent': `${root}bench/lib/exit-with-parent.ts`,
    },
    outdir: out,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  const conditions = '--conditions=compiled';
  const preload = ['--import', `${out}exit-with-parent.mjs`];
  launch = {
    server: [...PRODUCTION_SERVER_FLAGS, conditions, ...preload, `${out}server-with-peers.mjs`],
    worker: [conditions, ...preload, 'dist/worker.js'],
  };
}
