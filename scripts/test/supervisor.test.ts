import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { Supervisor } from '../supervisor.js';

const fixture = fileURLToPath(new URL('./fixtures/part.mjs', import.meta.url));
const fast = { initialMs: 50, maxMs: 400, resetAfterMs: 60_000 };

let supervisor: Supervisor | null = null;
afterEach(async () => {
  await supervisor?.stop();
  supervisor = null;
});

function supervise(args: string[] = []) {
  const lines: string[] = [];
  supervisor = new Supervisor((line) => lines.push(line), fast);
  supervisor.start({ name: 'worker', args: [fixture, ...args], cwd: process.cwd() });
  return { supervisor, lines };
}

it('restarts a part killed with SIGKILL, says so, and leaves it running', async () => {
  const { supervisor, lines } = supervise();
  await expect.poll(() => supervisor.pidOf('worker')).not.toBeNull();
  await expect.poll(() => lines.filter((line) => line.includes('started')).length).toBe(1);
  const first = supervisor.pidOf('worker')!;
  process.kill(first, 'SIGKILL');
  await expect.poll(() => lines.filter((line) => line.includes('started')).length).toBe(2);
  expect(lines).toContain('[worker]   exited (SIGKILL); restarting in 50 ms (restart 1)');
  const second = supervisor.pidOf('worker');
  expect(second).not.toBeNull();
  expect(second).not.toBe(first);
});

it('waits twice as long each time a part keeps dying, up to the maximum', async () => {
  const { lines } = supervise(['crash']);
  await expect
    .poll(() => lines.filter((line) => line.includes('restarting')).length)
    .toBeGreaterThanOrEqual(5);
  const delays = lines
    .filter((line) => line.includes('restarting'))
    .map((line) => /in (\d+) ms/.exec(line)?.[1]);
  expect(delays.slice(0, 5)).toEqual(['50', '100', '200', '400', '400']);
});

it('stops every part on stop() and restarts none of them', async () => {
  const { supervisor, lines } = supervise();
  await expect.poll(() => lines.some((line) => line.includes('started'))).toBe(true);
  await supervisor.stop();
  expect(lines).toContain('[worker]   got SIGTERM');
  expect(lines.some((line) => line.includes('stopped (code 0)'))).toBe(true);
  expect(lines.some((line) => line.includes('restarting'))).toBe(false);
  expect(supervisor.pidOf('worker')).toBeNull();
});
