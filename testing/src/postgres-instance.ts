/**
 * A private PostgreSQL for a fault drill that must restart the database: its own cluster from the
 * installed PostgreSQL 15 binaries (`initdb` + `pg_ctl`), on a free port, in a temporary directory
 * owned by the `postgres` user (the tests run as root, and PostgreSQL refuses to run as root),
 * stopped and removed again by `stop()`. The shared PostgreSQL on 5432 is never touched.
 */
import { execFile } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { servicePort } from './ports.js';

const run = promisify(execFile);
const BIN = process.env.POSTGRES_BIN_DIR ?? '/usr/lib/postgresql/15/bin';
const DIR_PREFIX = 'happening-postgres-';

export interface PrivatePostgres {
  port: number;
  /** A connection string for `database` (created by `start`). */
  url: string;
  /** `pg_ctl restart` with the given shutdown mode; resolves once it accepts connections again. */
  restart(mode?: 'smart' | 'fast' | 'immediate'): Promise<void>;
  /** The two halves of a restart, for a drill that needs the database away for a while. */
  shutDown(mode?: 'smart' | 'fast' | 'immediate'): Promise<void>;
  startUp(): Promise<void>;
  /** Stops it for good and removes its directory. */
  stop(): Promise<void>;
}

function ids(user: string): Promise<{ uid: number; gid: number }> {
  return Promise.all([run('id', ['-u', user]), run('id', ['-g', user])]).then(([u, g]) => ({
    uid: Number(u.stdout.trim()),
    gid: Number(g.stdout.trim()),
  }));
}

/** As the `postgres` user when we are root (PostgreSQL refuses root), else as ourselves. */
function asPostgres(command: string, args: string[]) {
  const full = join(BIN, command);
  return process.getuid?.() === 0
    ? run('runuser', ['-u', 'postgres', '--', full, ...args], { timeout: 60_000 })
    : run(full, args, { timeout: 60_000 });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Instances left by a test run that was killed: their owner is gone, so stop and remove them. */
async function reapOrphans(): Promise<void> {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const dir = join(tmpdir(), name);
    const ownerFile = join(dir, 'owner.json');
    if (!existsSync(ownerFile)) continue;
    try {
      const { owner } = JSON.parse(readFileSync(ownerFile, 'utf8')) as { owner: number };
      if (alive(owner)) continue;
      await asPostgres('pg_ctl', ['-D', join(dir, 'data'), '-m', 'immediate', 'stop']).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Half written or being reaped by another run: leave it.
    }
  }
}

export async function startPostgres(options: { database?: string } = {}): Promise<PrivatePostgres> {
  await reapOrphans();
  const database = options.database ?? 'happening_drill';
  const dir = mkdtempSync(join(tmpdir(), DIR_PREFIX));
  writeFileSync(join(dir, 'owner.json'), JSON.stringify({ owner: process.pid }));
  if (process.getuid?.() === 0) {
    const { uid, gid } = await ids('postgres');
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const port = await servicePort();
  const ctl = (...args: string[]) =>
    asPostgres('pg_ctl', [
      '-D',
      data,
      '-l',
      join(dir, 'postgres.log'),
      // Durability is not what the drill tests: no fsync keeps it light on a shared machine.
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=32MB -c max_connections=100`,
      '-w',
      '-t',
      '60',
      ...args,
    ]);
  const stop = async () => {
    await asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    await ctl('start');
    const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${database}"`);
    await admin.end();
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/${database}`,
    async restart(mode = 'fast') {
      await ctl('-m', mode, 'restart');
    },
    async shutDown(mode = 'fast') {
      await ctl('-m', mode, 'stop');
    },
    async startUp() {
      await ctl('start');
    },
    stop,
  };
}
