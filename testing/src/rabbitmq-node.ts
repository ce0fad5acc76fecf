/**
 * Private RabbitMQ nodes for fault drills that stop a broker: nodes started from the installed
 * RabbitMQ (3.10's scripts under /usr/lib/rabbitmq/bin, run directly, not through the wrapper that
 * switches to the `rabbitmq` user and to the machine's node) with their own node names, AMQP and
 * distribution ports, data and log directories in a temporary directory, no plugins, and an Erlang
 * cookie of their own (HOME points into that directory, for the server and for `rabbitmqctl`).
 * The shared broker on 5672 is never touched, so a drill on these nodes may run beside other
 * test files. `startRabbitCluster` joins several such nodes into one cluster.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { servicePort } from './ports.js';

const run = promisify(execFile);
const BIN = process.env.RABBITMQ_BIN_DIR ?? '/usr/lib/rabbitmq/bin';
const DIR_PREFIX = 'happening-rabbitmq-';

export interface RabbitNode {
  /** The Erlang node name, `happening-…@localhost`. */
  name: string;
  port: number;
  /** `amqp://guest:guest@127.0.0.1:<port>` (guest may connect from loopback). */
  url: string;
  /** `rabbitmqctl <args>` against this node. */
  ctl(...args: string[]): Promise<string>;
  /** `rabbitmqctl stop_app`: the broker stops, the Erlang node stays (connections are closed). */
  stopApp(): Promise<void>;
  startApp(): Promise<void>;
  /** SIGKILL of the node's Erlang VM: a crashed machine. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export interface LocalRabbitCluster {
  nodes: RabbitNode[];
  /** `RABBITMQ_URL` for the cluster: every node's URL, comma-separated, in `nodes` order. */
  urls: string;
  stop(): Promise<void>;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** rabbitmqctl's own distribution ports are 35672–35682: servicePort stays below those. */
const freePort = () => servicePort();

/** The end of a node's own logs, for an error that says why it did not boot. */
function logTail(home: string): string {
  const logs = join(home, 'log');
  if (!existsSync(logs)) return '(no log written)';
  return readdirSync(logs)
    .filter((name) => name.endsWith('.log'))
    .map((name) => `${name}:\n${readFileSync(join(logs, name), 'utf8').slice(-3_000)}`)
    .join('\n');
}

function pidsIn(dir: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    if (!name.endsWith('.pid')) continue;
    const pid = Number(readFileSync(join(dir, name), 'utf8').trim());
    if (pid > 0) pids.push(pid);
  }
  return pids;
}

/** Nodes left by a test run that was killed: their owner is gone, so kill them and remove the dir. */
function reapOrphans(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const dir = join(tmpdir(), name);
    const ownerFile = join(dir, 'owner.json');
    if (!existsSync(ownerFile)) continue;
    try {
      const { owner } = JSON.parse(readFileSync(ownerFile, 'utf8')) as { owner: number };
      if (alive(owner)) continue;
      for (const pid of pidsIn(dir)) if (alive(pid)) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Half written or being reaped by another run: leave it.
    }
  }
}

/** A directory (with the cookie every node and CLI call shares) that owns a set of nodes. */
function ownedDirectory(): string {
  reapOrphans();
  const dir = mkdtempSync(join(tmpdir(), DIR_PREFIX));
  writeFileSync(join(dir, 'owner.json'), JSON.stringify({ owner: process.pid }));
  writeFileSync(join(dir, '.erlang.cookie'), randomBytes(20).toString('hex'), { mode: 0o400 });
  writeFileSync(join(dir, 'rabbitmq-env.conf'), '');
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  return dir;
}

async function startNode(dir: string, label: string): Promise<RabbitNode> {
  const home = join(dir, label);
  mkdirSync(home, { recursive: true });
  const port = await freePort();
  const distPort = await freePort();
  const name = `happening-${label}-${randomBytes(3).toString('hex')}@localhost`;
  writeFileSync(
    join(home, 'rabbitmq.conf'),
    [
      `listeners.tcp.default = 127.0.0.1:${port}`,
      // The drills write a few thousand small messages; the machine's free disk is not the point.
      'disk_free_limit.absolute = 50MB',
      '',
    ].join('\n'),
  );
  const pidFile = join(home, 'rabbit.pid');
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_NODENAME: name,
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_CONFIG_FILE: join(home, 'rabbitmq.conf'),
    RABBITMQ_MNESIA_BASE: join(home, 'mnesia'),
    RABBITMQ_LOG_BASE: join(home, 'log'),
    RABBITMQ_PID_FILE: pidFile,
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    // Distribution on loopback only, and one scheduler: light on a shared 2-core machine.
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1} +S 1:1',
    RABBITMQ_CTL_ERL_ARGS: '+S 1:1',
  };
  const ctl = async (...args: string[]) =>
    (await run(join(BIN, 'rabbitmqctl'), ['-n', name, ...args], { env, cwd: home, timeout: 90_000 })).stdout;
  await run(join(BIN, 'rabbitmq-server'), ['-detached'], { env, cwd: home, timeout: 30_000 });
  try {
    await ctl('wait', '--timeout', '90', pidFile);
  } catch (error) {
    // The caller deletes the directory: say here why the node did not boot.
    throw new Error(
      `RabbitMQ node ${name} (ports ${port}, ${distPort}) did not start: ${String(error)}\n${logTail(home)}`,
    );
  }
  const pid = () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : 0);
  const kill = async () => {
    const target = pid();
    if (!target || !alive(target)) return;
    process.kill(target, 'SIGKILL');
    while (alive(target)) await new Promise((resolve) => setTimeout(resolve, 50));
  };
  return {
    name,
    port,
    url: `amqp://guest:guest@127.0.0.1:${port}`,
    ctl,
    async stopApp() {
      await ctl('stop_app');
    },
    async startApp() {
      await ctl('start_app');
      await ctl('await_startup', '--timeout', '60');
    },
    kill,
    async stop() {
      await ctl('stop').catch(() => {});
      await kill();
    },
  };
}

/** One RabbitMQ node of its own, ready for connections. */
export async function startRabbitNode(): Promise<RabbitNode & { stopAll(): Promise<void> }> {
  const dir = ownedDirectory();
  try {
    const node = await startNode(dir, 'n1');
    return {
      ...node,
      async stopAll() {
        await node.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    for (const pid of pidsIn(dir)) if (alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** `size` nodes joined into one cluster (`join_cluster` on the first), all running. */
export async function startRabbitCluster(size = 3): Promise<LocalRabbitCluster> {
  const dir = ownedDirectory();
  const nodes: RabbitNode[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.kill()));
    for (const pid of pidsIn(dir)) if (alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    nodes.push(...(await Promise.all(Array.from({ length: size }, (_, i) => startNode(dir, `c${i + 1}`)))));
    const [first, ...others] = nodes;
    // Each joins the first one; they may do so at the same time (each CLI call costs an Erlang VM).
    await Promise.all(
      others.map(async (node) => {
        await node.ctl('stop_app');
        await node.ctl('join_cluster', first!.name);
        await node.ctl('start_app');
      }),
    );
    await Promise.all(nodes.map((node) => node.ctl('await_startup', '--timeout', '60')));
    return { nodes, urls: nodes.map((node) => node.url).join(','), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
