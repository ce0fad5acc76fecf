import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import pg from 'pg';

const migrationsDir = fileURLToPath(new URL('../../migrations/', import.meta.url));

/** Creates the database named in `databaseUrl` when it does not exist yet. Safe to race. */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!name) throw new Error('DATABASE_URL names no database');
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`).catch((error: { code?: string }) => {
        // 42P04 duplicate_database / 23505: another process created it first, which is what we wanted.
        if (error.code !== '42P04' && error.code !== '23505') throw error;
      });
    }
  } finally {
    await client.end();
  }
}

/**
 * Applies pending migrations. node-pg-migrate takes an advisory lock, so servers starting
 * together apply each migration once.
 */
export async function migrate(databaseUrl: string, log: (message: string) => void = () => {}): Promise<void> {
  await ensureDatabase(databaseUrl);
  // node-pg-migrate's own lock is taken after it creates its table; on a brand-new database two
  // processes could both create it. One session-level lock around the whole run avoids that.
  const guard = new pg.Client({ connectionString: databaseUrl });
  await guard.connect();
  try {
    await guard.query('SELECT pg_advisory_lock(7242002)');
    await runMigrations(databaseUrl, log);
  } finally {
    await guard.end();
  }
}

async function runMigrations(databaseUrl: string, log: (message: string) => void): Promise<void> {
  await runner({
    databaseUrl,
    dir: migrationsDir,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    count: Number.POSITIVE_INFINITY,
    log,
    // Each migration in its own transaction, as node-pg-migrate does by default.
    singleTransaction: false,
    // Packages add migrations in parallel branches of work; apply whatever has not run yet.
    checkOrder: false,
  });
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const { loadConfig } = await import('../config.js');
  const config = loadConfig();
  await migrate(config.DATABASE_URL, (message) => console.log(message));
}
