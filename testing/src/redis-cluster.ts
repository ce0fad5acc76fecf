/**
 * A real Redis Cluster on this machine, from the installed `redis-server`: 3 primaries and 3
 * replicas by default, on free ports, in a temporary directory, stopped again by `stop()`. Used by
 * the cluster tests and fault drills, and by `npm run redis:cluster` for people.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { servicePort } from './ports.js';

const run = promisify(execFile);
const DIR_PREFIX = 'happening-redis-cluster-';

export interface ClusterNode {
  host: string;
  port: number;
}

export interface LocalRedisCluster {
  nodes: ClusterNode[];
  /** `REDIS_CLUSTER_NODES` for this cluster: `127.0.0.1:p1,127.0.0.1:p2,…`. */
  seeds: string;
  /** The node that serves `slot` now (a primary), as CLUSTER SLOTS says. */
  primaryOf(slot: number): Promise<ClusterNode>;
  /** The replicas of the primary on `port`. */
  replicasOf(port: number): Promise<ClusterNode[]>;
  /** Kills one node's process with SIGKILL (a crashed machine). */
  kill(port: number): void;
  /** Resolves once every slot is served by a reachable primary again. */
  waitUntilHealthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** A port whose cluster bus port (+10000) is free too. */
const freeClusterPort = () => servicePort([10_000]);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Clusters left behind by a test run that was killed: their owner is gone, so stop them. */
function reapOrphans(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const dir = join(tmpdir(), name);
    const ownerFile = join(dir, 'owner.json');
    if (!existsSync(ownerFile)) continue;
    try {
      const { owner, pids } = JSON.parse(readFileSync(ownerFile, 'utf8')) as {
        owner: number;
        pids: number[];
      };
      if (alive(owner)) continue;
      for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Another run is reaping it, or it is half written: leave it.
    }
  }
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`Redis Cluster: ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function ask(node: ClusterNode, ...command: [string, ...string[]]): Promise<unknown> {
  const client = new Redis({ host: node.host, port: node.port, lazyConnect: true, maxRetriesPerRequest: 0 });
  client.on('error', () => {});
  try {
    await client.connect();
    return await client.call(...command);
  } finally {
    client.disconnect();
  }
}

export async function startRedisCluster(
  options: { primaries?: number; replicasPerPrimary?: number; nodeTimeoutMs?: number } = {},
): Promise<LocalRedisCluster> {
  const primaries = options.primaries ?? 3;
  const replicas = options.replicasPerPrimary ?? 1;
  reapOrphans();
  const dir = mkdtempSync(join(tmpdir(), DIR_PREFIX));
  const nodes: ClusterNode[] = [];
  for (let i = 0; i < primaries * (1 + replicas); i++)
    nodes.push({ host: '127.0.0.1', port: await freeClusterPort() });
  const processes = new Map<number, ChildProcess>();
  for (const { port } of nodes) {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        // Short, so a killed primary is replaced within a few seconds in the drills.
        '--cluster-node-timeout',
        String(options.nodeTimeoutMs ?? 2_000),
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--logfile',
        `redis-${port}.log`,
      ],
      { stdio: 'ignore' },
    );
    processes.set(port, child);
  }
  writeFileSync(
    join(dir, 'owner.json'),
    JSON.stringify({ owner: process.pid, pids: [...processes.values()].map((child) => child.pid) }),
  );
  const stop = async () => {
    const exits = [...processes.values()]
      .filter((child) => child.exitCode === null && child.signalCode === null)
      .map((child) => new Promise((resolve) => child.once('exit', resolve)));
    for (const child of processes.values()) child.kill('SIGKILL');
    await Promise.all(exits);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const node of nodes)
      await until(async () => (await ask(node, 'PING')) === 'PONG', 10_000, 'a node did not start');
    await run('redis-cli', [
      '--cluster',
      'create',
      ...nodes.map((node) => `${node.host}:${node.port}`),
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ]);
    const cluster = handle(nodes, processes, stop);
    await cluster.waitUntilHealthy(30_000);
    return cluster;
  } catch (error) {
    await stop();
    throw error;
  }
}

type SlotRange = [number, number, [string, number, ...unknown[]], ...[string, number, ...unknown[]][]];

function handle(
  nodes: ClusterNode[],
  processes: Map<number, ChildProcess>,
  stop: () => Promise<void>,
): LocalRedisCluster {
  const running = () =>
    nodes.filter((node) => {
      const child = processes.get(node.port);
      return child && child.exitCode === null && child.signalCode === null;
    });
  async function slots(): Promise<SlotRange[]> {
    for (const node of running()) {
      try {
        return (await ask(node, 'CLUSTER', 'SLOTS')) as SlotRange[];
      } catch {
        // try the next node
      }
    }
    throw new Error('Redis Cluster: no node answers');
  }
  return {
    nodes,
    seeds: nodes.map((node) => `${node.host}:${node.port}`).join(','),
    async primaryOf(slot) {
      const range = (await slots()).find(([from, to]) => slot >= from && slot <= to);
      if (!range) throw new Error(`Redis Cluster: nobody serves slot ${slot}`);
      return { host: '127.0.0.1', port: range[2][1] };
    },
    async replicasOf(port) {
      const range = (await slots()).find((entry) => entry[2][1] === port);
      return (
        (range?.slice(3) as [string, number][] | undefined)?.map(([, p]) => ({
          host: '127.0.0.1',
          port: p,
        })) ?? []
      );
    },
    kill(port) {
      processes.get(port)?.kill('SIGKILL');
    },
    async waitUntilHealthy(timeoutMs = 30_000) {
      await until(
        async () => {
          const up = running();
          const infos = await Promise.all(up.map((node) => ask(node, 'CLUSTER', 'INFO') as Promise<string>));
          if (
            !infos.every(
              (info) => info.includes('cluster_state:ok') && info.includes('cluster_slots_ok:16384'),
            )
          )
            return false;
          // Every slot's primary must be a node that runs (a killed one can linger in a stale view).
          const livePorts = new Set(up.map((node) => node.port));
          return (await slots()).every((range) => livePorts.has(range[2][1]));
        },
        timeoutMs,
        'the cluster did not become healthy',
      );
    },
    stop,
  };
}
