/**
 * `npx tsx bench/profile-summary.ts <file.cpuprofile> [top]`: where a `--cpu-prof` profile spent
 * its time, as self time per function and per package (node_modules/<pkg>, our files, node
 * internals, idle/GC), so a result note can say what bounds a figure.
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

export function summarise(file: string, top = 15): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  for (const [i, id] of profile.samples.entries())
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const perFunction = new Map<string, number>();
  const perPackage = new Map<string, number>();
  for (const [id, micros] of self) {
    const frame = byId.get(id)!.callFrame;
    const where = packageOf(frame.url, frame.functionName);
    const name = `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    perFunction.set(name, (perFunction.get(name) ?? 0) + micros);
    perPackage.set(where, (perPackage.get(where) ?? 0) + micros);
  }
  const lines = [`${file}: ${(total / 1e6).toFixed(1)} s sampled`];
  const pct = (micros: number) => `${((micros / total) * 100).toFixed(1).padStart(5)}%`;
  lines.push('by package:');
  for (const [name, micros] of [...perPackage].sort((a, b) => b[1] - a[1]).slice(0, top))
    lines.push(`  ${pct(micros)}  ${name}`);
  lines.push('by function (self time):');
  for (const [name, micros] of [...perFunction].sort((a, b) => b[1] - a[1]).slice(0, top))
    lines.push(`  ${pct(micros)}  ${name}`);
  return lines.join('\n');
}

function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1]!;
  if (url.startsWith('node:')) return 'node internals';
  // The benchmarks run the compiled build (dist/), `--tiny` the sources (src/).
  const ours =
    /\/work\/[^/]+\/(\w+\/(?:src|dist)\/[^/]+)/.exec(url) ??
    /\/(server|shared|worker|runtime|delivery)\/(?:src|dist)\/(\w+)/.exec(url);
  return ours ? `ours: ${ours[1]}${ours[2] ? `/${ours[2]}` : ''}` : url;
}

const shortUrl = (url: string) =>
  url
    .replace(/^.*node_modules\//, '')
    .replace(/^file:\/\/.*\/(server|shared|worker|runtime|delivery|bench)\//, '$1/');

if (process.argv[1]?.endsWith('profile-summary.ts')) {
  console.log(summarise(process.argv[2]!, Number(process.argv[3] ?? 15)));
}
