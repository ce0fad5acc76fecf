/**
 * `npm run bench [-- --quick] [-- --only holds,bookings] [-- --profile]`: runs the benchmark
 * suites against real Redis, PostgreSQL, RabbitMQ and Chromium, prints a table, and writes
 * bench/results/<date>.json and .md. See bench/README.md.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { useCompiledBuild } from './lib/build.js';
import { type Mode, SIZES } from './lib/config.js';
import { prepareDatabase } from './lib/db.js';
import {
  CAVEAT,
  type Figure,
  keepOnlyLatest,
  machine,
  type SuiteNote,
  terminalTable,
  writeResults,
} from './lib/report.js';
import type { Suite, SuiteContext } from './lib/suite.js';
import { serviceVersions } from './lib/versions.js';
import { bookingsSuite } from './suites/bookings.js';
import { fanoutSuite } from './suites/fanout.js';
import { holdsSuite } from './suites/holds.js';
import { notificationsSuite } from './suites/notifications.js';
import { waitingRoomSuite } from './suites/waiting-room.js';
import { widgetSuite } from './suites/widget.js';

const SUITES: Record<string, Suite> = {
  holds: holdsSuite,
  bookings: bookingsSuite,
  fanout: fanoutSuite,
  notifications: notificationsSuite,
  widget: widgetSuite,
  'waiting-room': waitingRoomSuite,
};

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    tiny: { type: 'boolean', default: false },
    only: { type: 'string' },
    profile: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});

const mode: Mode = values.tiny ? 'tiny' : values.quick ? 'quick' : 'full';
const chosen = values.only ? values.only.split(',').map((name) => name.trim()) : Object.keys(SUITES);
for (const name of chosen)
  if (!SUITES[name]) throw new Error(`unknown suite ${name}; one of ${Object.keys(SUITES)}`);

const started = Date.now();
const figures: Figure[] = [];
const notes: SuiteNote[] = [];
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s`;
const context: SuiteContext = {
  mode,
  sizes: SIZES[mode],
  profile: values.profile,
  progress: (text) => console.log(`[${elapsed()}] ${text}`),
  figure: (figure) => {
    figures.push(figure);
    console.log(
      `[${elapsed()}]   → ${figure.suite}: ${figure.name} = ${figure.value.toFixed(2)} ${figure.unit}`,
    );
  },
  note: (note) => notes.push(note),
};

const versions = await serviceVersions();
const host = machine(versions);
console.log(`Happening benchmarks (${mode}) on ${host.cores} cores (${host.cpu}), Node ${host.node}`);
console.log(
  Object.entries(versions)
    .map(([name, version]) => `${name} ${version}`)
    .join(', '),
);
console.log(`Caveat: ${CAVEAT}`);
await prepareDatabase();
if (mode !== 'tiny') {
  context.progress('building the server and worker as production runs them (npm run build:node)');
  await useCompiledBuild();
}

let failed = false;
for (const name of chosen) {
  context.progress(`suite ${name}: starting`);
  try {
    await SUITES[name]!(context);
  } catch (error) {
    failed = true;
    console.error(`suite ${name} failed:`, error);
    notes.push({ suite: name, text: `failed to run: ${String((error as Error)?.message ?? error)}` });
  }
}

const durationMs = Date.now() - started;
console.log(`\n${terminalTable(figures)}\n`);
const directory = values.out ?? fileURLToPath(new URL('./results', import.meta.url));
const written = writeResults(directory, new Date(started), mode, host, figures, notes, durationMs);
console.log(`Wrote ${written.json} and ${written.md} (${Math.round(durationMs / 1000)} s)`);
// A complete full run into the repository's results replaces the run kept there (bench/README.md).
if (!values.out && !values.only && mode === 'full' && !failed) {
  const removed = keepOnlyLatest(directory, written);
  if (removed.length > 0) console.log(`Removed the older results: ${removed.join(', ')}`);
}
process.exit(failed ? 1 : 0);
