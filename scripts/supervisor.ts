/**
 * What `npm start` runs its parts with, like a small process manager: each part's output is
 * prefixed with its name, and a part that dies is started again after a pause that doubles while
 * it keeps dying (1 s, 2 s, 4 s … 30 s) and resets once it has stayed up for a minute. One part
 * crashing never takes the others down; only `stop()` (Ctrl+C) ends them all.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface Part {
  name: string;
  /** Arguments to node (`process.execPath`). */
  args: string[];
  cwd: string;
  env?: Record<string, string>;
}

export interface Backoff {
  initialMs: number;
  maxMs: number;
  /** A part that ran at least this long before dying starts again after `initialMs`. */
  resetAfterMs: number;
}

const DEFAULT_BACKOFF: Backoff = { initialMs: 1_000, maxMs: 30_000, resetAfterMs: 60_000 };
/** How long a part may take to stop on SIGTERM before it is killed. */
const STOP_TIMEOUT_MS = 15_000;

interface Supervised {
  part: Part;
  child: ChildProcess | null;
  startedAt: number;
  nextDelayMs: number;
  restarts: number;
  timer: NodeJS.Timeout | null;
}

export class Supervisor {
  private readonly parts = new Map<string, Supervised>();
  private stopping = false;

  constructor(
    private readonly log: (line: string) => void = console.log,
    private readonly backoff: Backoff = DEFAULT_BACKOFF,
  ) {}

  start(part: Part): void {
    const entry: Supervised = {
      part,
      child: null,
      startedAt: 0,
      nextDelayMs: this.backoff.initialMs,
      restarts: 0,
      timer: null,
    };
    this.parts.set(part.name, entry);
    this.launch(entry);
  }

  /** The pid of a part's current process (null while it waits to be restarted). */
  pidOf(name: string): number | null {
    return this.parts.get(name)?.child?.pid ?? null;
  }

  /** SIGTERM to every part, SIGKILL to any still running after the stop timeout. */
  async stop(): Promise<void> {
    this.stopping = true;
    const running: Promise<void>[] = [];
    for (const entry of this.parts.values()) {
      if (entry.timer) clearTimeout(entry.timer);
      const child = entry.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) continue;
      running.push(
        new Promise<void>((resolve) => {
          const kill = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
          // 'close', not 'exit': by then its last output lines have been logged too.
          child.once('close', () => {
            clearTimeout(kill);
            resolve();
          });
          child.kill('SIGTERM');
        }),
      );
    }
    await Promise.all(running);
  }

  private launch(entry: Supervised): void {
    const { part } = entry;
    const child = spawn(process.execPath, part.args, {
      cwd: part.cwd,
      env: { ...process.env, ...part.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: Ctrl+C in the terminal reaches the supervisor alone, which then
      // sends each part one SIGTERM (a part hit by both would take the second as "exit now").
      detached: true,
    });
    entry.child = child;
    entry.startedAt = Date.now();
    const prefix = `[${part.name}]`.padEnd(10);
    for (const stream of [child.stdout, child.stderr]) {
      let buffered = '';
      stream.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) this.log(`${prefix} ${line}`);
      });
    }
    // A part that cannot be spawned at all is reported like one that died at once.
    child.once('error', (error) => this.log(`${prefix} could not start: ${error.message}`));
    child.once('close', (code, signal) => {
      entry.child = null;
      const how = signal ?? `code ${code}`;
      if (this.stopping) {
        this.log(`${prefix} stopped (${how})`);
        return;
      }
      if (Date.now() - entry.startedAt >= this.backoff.resetAfterMs)
        entry.nextDelayMs = this.backoff.initialMs;
      const delay = entry.nextDelayMs;
      entry.nextDelayMs = Math.min(delay * 2, this.backoff.maxMs);
      entry.restarts += 1;
      this.log(`${prefix} exited (${how}); restarting in ${formatDelay(delay)} (restart ${entry.restarts})`);
      entry.timer = setTimeout(() => {
        entry.timer = null;
        if (!this.stopping) this.launch(entry);
      }, delay);
    });
  }
}

function formatDelay(ms: number): string {
  return ms >= 1_000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}
