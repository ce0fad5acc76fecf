/** The real server (and worker) as separate processes, the way production runs them. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { currentLaunch } from './build.js';
import { BENCH_DATABASE_URL, RABBITMQ_URL, REDIS_URL } from './config.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const PROFILE_DIR = fileURLToPath(new URL('../results/profiles/', import.meta.url));
/** Output to the terminal, plus the IPC channel `exit-with-parent.ts` watches. */
const STDIO = ['ignore', 'inherit', 'inherit', 'ipc'] as const;
/** Lets `exit-with-parent.ts` notice a runner that died before the child got to watch it. */
const PARENT = { BENCH_PARENT_PID: String(process.pid) };

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export interface Running {
  url: string;
  pid: number;
  /** Resident set size now, in MB (from /proc, so it includes everything the process holds). */
  rssMb(): number;
  stop(): Promise<void>;
}

export function rssMbOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return 0;
  }
}

/** CPU time (user + system) a process has used so far, in ms, from /proc (clock ticks of 10 ms). */
export function cpuMsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // After the command name: state is field 3, utime 14 and stime 15 (proc(5)), so indexes 11, 12.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
}

function withCpuProfile(profile: string | undefined): string[] {
  // One directory per profile: under tsx (`--tiny`) its loader thread writes a profile of its own too.
  return profile ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}${profile}`] : [];
}

/**
 * The server with limits lifted; resolves when /healthz answers. The product's own start with the
 * booking peers' routes mounted (peers/server-with-peers.ts), so peers and ours share one stack.
 */
export async function startServer(
  options: { env?: Record<string, string>; profile?: string } = {},
): Promise<Running> {
  const port = await freePort();
  const child = spawn(process.execPath, [...withCpuProfile(options.profile), ...currentLaunch().server], {
    cwd: root,
    stdio: [...STDIO],
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      // Several servers run at once: each takes a free port for /metrics and /readyz.
      OPS_PORT: '0',
      DATABASE_URL: BENCH_DATABASE_URL,
      REDIS_URL,
      RABBITMQ_URL,
      LOG_LEVEL: 'warn',
      TOKEN_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
      PASSWORD_HASH_COST: '10',
      RATE_LIMIT_PER_MINUTE: '100000000',
      HOLD_RATE_LIMIT_PER_MINUTE: '100000000',
      AUTH_RATE_LIMIT_PER_MINUTE: '100000000',
      // 10,000 simulated attendees share 127.0.0.1.
      DIRECT_BOOKING_LIMIT: '100000000',
      WAITLIST_JOIN_LIMIT: '100000000',
      SOCKET_MESSAGES_PER_MINUTE: '100000000',
      SOCKET_MESSAGES_PER_ADDRESS_PER_MINUTE: '100000000',
      SOCKET_CONNECTIONS_PER_ADDRESS: '100000000',
      CONSOLE_SOCKET_MESSAGES_PER_MINUTE: '100000000',
      OUTBOX_RELAY_ENABLED: 'false',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ...options.env,
      ...PARENT,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before it was ready`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('server did not become ready within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, pid: child.pid!, rssMb: () => rssMbOf(child.pid!), stop: stopper(child) };
}

/** The notification worker (in worker/, launched as `build.ts` says), not yet known to run. */
export function spawnWorker(
  env: Record<string, string>,
  profile?: string,
): Running & { child: ChildProcess } {
  const args = [...withCpuProfile(profile), ...currentLaunch().worker];
  const child = spawn(process.execPath, args, {
    cwd: `${root}worker`,
    stdio: [...STDIO],
    env: {
      ...process.env,
      DATABASE_URL: BENCH_DATABASE_URL,
      REDIS_URL,
      RABBITMQ_URL,
      LOG_LEVEL: 'warn',
      WORKER_HTTP_PORT: '0',
      ...env,
      ...PARENT,
    },
  });
  return { url: '', pid: child.pid!, rssMb: () => rssMbOf(child.pid!), stop: stopper(child), child };
}

/** The notification worker, after it survived its first 200 ms. */
export async function startWorker(env: Record<string, string>, profile?: string): Promise<Running> {
  const worker = spawnWorker(env, profile);
  await new Promise((resolve) => setTimeout(resolve, 200));
  if (worker.child.exitCode !== null) throw new Error(`worker exited with ${worker.child.exitCode}`);
  return worker;
}
