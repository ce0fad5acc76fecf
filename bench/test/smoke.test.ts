import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import type { Figure } from '../lib/report.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('every suite runs at the smallest size and reports its figures', async () => {
  const out = mkdtempSync(join(tmpdir(), 'happening-bench-'));
  try {
    const output = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'bench/run.ts', '--tiny', '--out', out],
        { cwd: root, maxBuffer: 16 * 1024 * 1024, timeout: 170_000 },
        (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stdout}\n${stderr}`)) : resolve(stdout),
      );
    });
    expect(output).toContain('cores');
    const files = readdirSync(out);
    const json = files.find((name) => name.endsWith('-tiny.json'));
    expect(files.some((name) => name.endsWith('-tiny.md'))).toBe(true);
    const result = JSON.parse(readFileSync(join(out, json!), 'utf8')) as {
      machine: { cores: number; versions: Record<string, string> };
      figures: Figure[];
      notes: { text: string }[];
    };
    expect(result.machine.cores).toBeGreaterThan(0);
    expect(Object.keys(result.machine.versions)).toEqual(
      expect.arrayContaining(['Redis', 'PostgreSQL', 'RabbitMQ']),
    );
    expect(result.notes.filter((note) => note.text.startsWith('failed to run'))).toEqual([]);
    const named = (suite: string, name: string) =>
      result.figures.find((figure) => figure.suite === suite && figure.name.startsWith(name));
    // Each suite's headline figure exists, is a real number, and carries its peer where it has one.
    for (const [suite, name, hasPeer] of [
      ['holds', 'hold rate via Socket.IO', true],
      ['holds', 'hold rate via REST', true],
      ['bookings', "Happening (REST) vs peer (a') one statement", true],
      ['bookings', 'Happening (REST) vs null-booking route', true],
      ['bookings', 'oversold seats, Happening', false],
      ['fanout', 'time until all', false],
      ['fanout', 'seat changes delivered per second', true],
      ['notifications', 'bookings delivered end to end', true],
      ['notifications', 'committed outbox rows delivered', true],
      ['notifications', 'notifications lost', false],
      ['widget', 'bundle size', false],
      ['widget', 'map visible', false],
      ['widget', 'every seat interactive', false],
      ['widget', 'update paint latency', false],
      ['waiting-room', 'joins per second', true],
    ] as const) {
      const figure = named(suite, name);
      expect(figure, `${suite}: ${name}`).toBeDefined();
      expect(Number.isFinite(figure!.value), `${suite}: ${name} = ${figure!.value}`).toBe(true);
      if (hasPeer) expect(figure!.peer!.value).toBeGreaterThan(0);
    }
    // The sketch comes first: the whole map is on screen no later than its interactive seats.
    expect(named('widget', 'map visible')!.value).toBeLessThanOrEqual(
      named('widget', 'every seat interactive')!.value,
    );
    // Correctness is not a speed figure: these hold at any size.
    expect(named('bookings', 'oversold seats, Happening')!.value).toBe(0);
    expect(named('bookings', '201s missing from PostgreSQL')!.value).toBe(0);
    expect(named('bookings', 'confirmed bookings without their seat rows')!.value).toBe(0);
    expect(named('bookings', 'seats Redis and PostgreSQL disagree on')!.value).toBe(0);
    expect(named('notifications', 'notifications lost')!.value).toBe(0);
    // One mail per message: more would be a mail sent twice.
    expect(named('notifications', 'notifications lost')!.met).toBe(true);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
