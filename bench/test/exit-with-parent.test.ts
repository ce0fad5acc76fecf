import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('the server and worker a benchmark started stop when the runner dies without stopping them', async () => {
  const output = await new Promise<string>((resolve) => {
    // Exits with 1 on purpose; its output is all we need.
    execFile(
      process.execPath,
      ['--import', 'tsx', 'bench/test/fixtures/start-and-die.ts'],
      { cwd: root, timeout: 90_000 },
      (_error, stdout) => resolve(stdout),
    );
  });
  const pids = JSON.parse(output.trim().split('\n').at(-1)!) as { server: number; worker: number };
  try {
    await expect
      .poll(() => [alive(pids.server), alive(pids.worker)], { timeout: 30_000 })
      .toEqual([false, false]);
  } finally {
    for (const pid of [pids.server, pids.worker]) if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
}, 120_000);
