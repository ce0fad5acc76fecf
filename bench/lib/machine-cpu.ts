/**
 * Where a stretch of work spent the machine's CPU: user + system time of every process, grouped
 * into the services (PostgreSQL's backends, RabbitMQ's Erlang VM, Redis) and the processes a
 * suite names, read from /proc before and after. On a machine whose cores are saturated, this is
 * what says which part bounds a figure. Processes that end inside the window lose their share
 * (connection pools keep the services' backends alive across a round, so little is lost).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { median } from './stats.js';

const SERVICES: Record<string, string> = {
  postgres: 'PostgreSQL',
  'beam.smp': 'RabbitMQ',
  erl_child_setup: 'RabbitMQ',
  'redis-server': 'Redis',
};

/**
 * The kernel's own threads: loopback traffic that the sending process's system call did not finish
 * is processed in `ksoftirqd`, so under load part of the network's cost shows up here.
 */
function kernelThread(comm: string): string | undefined {
  if (comm.startsWith('ksoftirqd/')) return 'kernel (network softirq)';
  if (comm.startsWith('kworker/')) return 'kernel (workers)';
  return undefined;
}

/**
 * CPU ms per group so far: `named` by pid (several pids may share a name), PostgreSQL's processes by `postgresRoles` (pid → what
 * the backend serves), the other services by process name, `other` the rest.
 */
export function cpuByGroup(
  named: Record<string, number | (number | undefined)[] | undefined>,
  postgresRoles: Map<number, string> = new Map(),
): Map<string, number> {
  const byPid = new Map(
    Object.entries(named).flatMap(([name, pids]) =>
      [pids].flat().flatMap((pid) => (pid ? [[pid, name] as const] : [])),
    ),
  );
  for (const [pid, role] of postgresRoles) byPid.set(pid, `PostgreSQL (${role})`);
  const groups = new Map<string, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // ended since the listing
    }
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(open + 1, close);
    // After the command name: utime and stime are fields 14 and 15 (proc(5)), so indexes 11, 12.
    const fields = stat.slice(close + 2).split(' ');
    const ms = (Number(fields[11]) + Number(fields[12])) * 10;
    const group = byPid.get(Number(entry)) ?? SERVICES[comm] ?? kernelThread(comm) ?? 'other';
    groups.set(group, (groups.get(group) ?? 0) + ms);
  }
  return groups;
}

/**
 * What each PostgreSQL process serves: its client's application name without the pid in it
 * (`happening-worker-123` → `happening-worker`), or its kind (autovacuum, WAL writer, …).
 */
export async function postgresRolesOf(pool: {
  query: <R>(sql: string) => Promise<{ rows: R[] }>;
}): Promise<Map<number, string>> {
  const { rows } = await pool.query<{ pid: number; role: string }>(
    `SELECT pid, coalesce(nullif(regexp_replace(application_name, '-\\d+$', ''), ''), backend_type) AS role
     FROM pg_stat_activity`,
  );
  return new Map(rows.map((row) => [row.pid, row.role]));
}

/** CPU ms per group between two readings, largest first, groups that used nothing left out. */
export function cpuBetween(before: Map<string, number>, after: Map<string, number>): [string, number][] {
  return [...after]
    .map(([group, ms]) => [group, ms - (before.get(group) ?? 0)] as [string, number])
    .filter(([, ms]) => ms > 0)
    .sort((a, b) => b[1] - a[1]);
}

/**
 * `1.23 ms (worker 0.45, PostgreSQL 0.30, …)`: CPU per message, the median of rounds for the
 * total and for each part (a round where a part used nothing counts as 0); parts under 0.005 ms
 * are left out.
 */
export function describeCpuPerMessage(rounds: [string, number][][], messagesPerRound: number[]): string {
  const perRound = rounds.map((round, index) => {
    const count = messagesPerRound[index] || 1;
    return new Map(round.map(([group, ms]) => [group, ms / count]));
  });
  const groups = new Set(perRound.flatMap((round) => [...round.keys()]));
  const total = median(perRound.map((round) => [...round.values()].reduce((sum, ms) => sum + ms, 0)));
  const parts = [...groups]
    .map((group) => [group, median(perRound.map((round) => round.get(group) ?? 0))] as const)
    .filter(([, ms]) => ms >= 0.005)
    .sort((a, b) => b[1] - a[1])
    .map(([group, ms]) => `${group} ${ms.toFixed(2)}`);
  return `${total.toFixed(2)} ms (${parts.join(', ')})`;
}
