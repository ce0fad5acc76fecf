/** Collects figures, prints them as a table, and writes the JSON and Markdown results. */

import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, platform, release, totalmem } from 'node:os';

export interface Figure {
  suite: string;
  name: string;
  value: number;
  unit: string;
  /** What the value is compared with, measured in the same run. */
  peer?: { name: string; value: number };
  ratio?: number;
  /** The goal in words, and whether this run met it. */
  goal?: string;
  met?: boolean;
  /** Free-form detail (e.g. rounds, errors). */
  detail?: string;
}

export interface SuiteNote {
  suite: string;
  text: string;
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  os: string;
  node: string;
  versions: Record<string, string>;
}

export function machine(versions: Record<string, string>): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model ?? 'unknown',
    cores: list.length,
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()} (free memory at start ${Math.round(freemem() / 2 ** 20)} MB)`,
    node: process.version,
    versions,
  };
}

const fmt = (value: number): string => {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toLocaleString('en-US');
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
};

function row(figure: Figure): string[] {
  return [
    figure.suite,
    figure.name,
    `${fmt(figure.value)} ${figure.unit}`,
    figure.peer ? `${fmt(figure.peer.value)} (${figure.peer.name})` : '',
    figure.ratio === undefined ? '' : `${fmt(figure.ratio)}×`,
    figure.goal ?? '',
    figure.met === undefined ? '' : figure.met ? 'met' : 'MISSED',
  ];
}

const HEAD = ['suite', 'figure', 'value', 'peer (same run)', 'ratio', 'goal', ''];

export function terminalTable(figures: Figure[]): string {
  const rows = [HEAD, ...figures.map(row)];
  const widths = HEAD.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ');
  return [line(HEAD), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

export const CAVEAT =
  'Load generators, peers and the server share the same cores; every figure is a ratio against a peer or limit measured in the same run: rates are medians of rounds, ratios the median of per-round paired ratios.';

export function markdown(
  when: Date,
  mode: string,
  host: Machine,
  figures: Figure[],
  notes: SuiteNote[],
  durationMs: number,
): string {
  const lines = [
    `# Benchmark results, ${when.toISOString()} (${mode})`,
    '',
    `Machine: ${host.cores} cores (${host.cpu}), ${host.memoryGb} GB, ${host.os}; Node ${host.node}; ` +
      Object.entries(host.versions)
        .map(([name, version]) => `${name} ${version}`)
        .join(', ') +
      '.',
    '',
    `> ${CAVEAT} Run took ${Math.round(durationMs / 1000)} s.`,
    '',
    `| ${HEAD.slice(0, 6).join(' | ')} | met |`,
    '| --- | --- | ---: | ---: | ---: | --- | --- |',
    ...figures.map((figure) => `| ${row(figure).join(' | ')} |`),
    '',
  ];
  const details = figures.filter((figure) => figure.detail);
  if (details.length > 0) {
    lines.push('## Details', '');
    for (const figure of details) lines.push(`- **${figure.suite} / ${figure.name}**: ${figure.detail}`);
    lines.push('');
  }
  if (notes.length > 0) {
    lines.push('## Notes', '');
    for (const note of notes) lines.push(`- **${note.suite}**: ${note.text}`);
    lines.push('');
  }
  return lines.join('\n');
}

export function writeResults(
  directory: string,
  when: Date,
  mode: string,
  host: Machine,
  figures: Figure[],
  notes: SuiteNote[],
  durationMs: number,
): { json: string; md: string } {
  mkdirSync(directory, { recursive: true });
  const stamp = when.toISOString().replace(/[:]/g, '-').replace(/\..+$/, '');
  const base = `${directory}/${stamp}${mode === 'full' ? '' : `-${mode}`}`;
  writeFileSync(
    `${base}.json`,
    `${JSON.stringify({ when: when.toISOString(), mode, machine: host, caveat: CAVEAT, durationMs, figures, notes }, null, 2)}\n`,
  );
  writeFileSync(`${base}.md`, markdown(when, mode, host, figures, notes, durationMs));
  return { json: `${base}.json`, md: `${base}.md` };
}

/**
 * `bench/results/` keeps only the latest full run (git history has the older ones): removes every
 * other result file there, never the profiles directory.
 */
export function keepOnlyLatest(directory: string, written: { json: string; md: string }): string[] {
  const keep = new Set([written.json, written.md].map((file) => file.slice(file.lastIndexOf('/') + 1)));
  const removed = readdirSync(directory).filter((name) => /\.(json|md)$/.test(name) && !keep.has(name));
  for (const name of removed) rmSync(`${directory}/${name}`);
  return removed;
}
