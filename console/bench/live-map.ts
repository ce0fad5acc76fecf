/**
 * Benchmark (not a test): the live map with 20,000 seats while 1,000 seat changes a second arrive,
 * measured in Chromium. Budget: at least 50 frames per second. `npm run bench -w console`.
 * Writes bench/results/live-map.json next to this file.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '@happening/testing';
import { build } from 'vite';
import { serveStatic } from '../scripts/static-server.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CHANGES_PER_SECOND = Number(process.env.BENCH_CHANGES_PER_SECOND ?? 1_000);
const BUDGET_FPS = 50;

await build({
  configFile: false,
  logLevel: 'warn',
  root: here('./'),
  base: './',
  build: { outDir: here('../dist/bench/'), emptyOutDir: true },
});
const web = await serveStatic(here('../dist/bench/'), 0);
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(web.url);
  await page.waitForFunction(() => typeof window.runBench === 'function');
  const result = await page.evaluate((options) => window.runBench(options), {
    seconds: SECONDS,
    changesPerSecond: CHANGES_PER_SECOND,
  });
  const verdict = result.framesPerSecond >= BUDGET_FPS ? 'within budget' : 'OVER BUDGET';
  const record = {
    ...result,
    budgetFramesPerSecond: BUDGET_FPS,
    verdict,
    chromium: browser.version(),
    // Frame rates drop when other processes starve the CPU; the load says how busy the machine was.
    loadAverage: os
      .loadavg()
      .map((value) => value.toFixed(2))
      .join(' '),
    cpus: os.cpus().length,
    measuredAt: new Date().toISOString(),
  };
  mkdirSync(here('./results/'), { recursive: true });
  writeFileSync(here('./results/live-map.json'), `${JSON.stringify(record, null, 2)}\n`);
  console.log(record);
  if (verdict !== 'within budget') process.exitCode = 1;
} finally {
  await browser.close();
  await web.close();
}
