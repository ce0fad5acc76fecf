import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

function run(file: string, args: string[] = []) {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  return new Promise<{ code: number | null; signal: string | null; output: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, output })),
  );
}

it('kills a process whose main thread is blocked once the deadline passes', async () => {
  const result = await run(fixture('block-after-arming.ts'), ['300']);
  expect(result.signal).toBe('SIGKILL');
});

it('lets a process that stops in time exit normally', async () => {
  const result = await run(fixture('exit-quickly-after-arming.ts'));
  expect(result).toEqual({ code: 0, signal: null, output: 'done\n' });
});
