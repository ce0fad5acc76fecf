/** The dedicated benchmark database: migrated like production, plus the peers' own tables. */

import { migrate } from '@happening/server/db/migrate';
import { Redis } from 'ioredis';
import pg from 'pg';
import { BENCH_DATABASE_URL, REDIS_URL } from './config.js';

/**
 * Every run starts from empty stores: what earlier runs left (after a day of runs here, an outbox
 * of 726 MB and 410,000 rows, 69 events on the inventory sweeper's list, each swept every tick)
 * slowed the later runs' inserts, relay and sweeps, so a figure depended on how many runs came
 * before it. Both stores are the benchmark's own; Redis database 0, which the product and the
 * tests use, is never emptied.
 */
async function emptyStores(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ name: string }>(
    "SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'pgmigrations'",
  );
  if (rows.length > 0)
    await client.query(`TRUNCATE ${rows.map((row) => row.name).join(', ')} RESTART IDENTITY CASCADE`);
  const redis = new Redis(REDIS_URL, { lazyConnect: true, connectionName: 'happening-bench-prepare' });
  try {
    if ((redis.options.db ?? 0) === 0)
      throw new Error(
        `BENCH_REDIS_URL (${REDIS_URL}) selects database 0; give the benchmarks a database of their own`,
      );
    await redis.connect();
    await redis.flushdb();
  } finally {
    redis.disconnect();
  }
}

export async function prepareDatabase(): Promise<void> {
  await migrate(BENCH_DATABASE_URL);
  const client = new pg.Client({ connectionString: BENCH_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`
      CREATE TABLE IF NOT EXISTS bench_peer_events (
        id bigserial PRIMARY KEY,
        engine text NOT NULL,
        capacity integer NOT NULL,
        remaining integer NOT NULL
      );
      -- No seat constraint on purpose: each peer is as strict as its design, no stricter.
      CREATE TABLE IF NOT EXISTS bench_peer_bookings (
        id bigserial PRIMARY KEY,
        event_id bigint NOT NULL,
        seat_no integer NOT NULL,
        email text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX IF NOT EXISTS bench_peer_bookings_event_idx ON bench_peer_bookings (event_id);
      -- The booking peers' free seats (peers/booking-routes.ts): one lockable row per seat.
      CREATE TABLE IF NOT EXISTS bench_seats (
        event_id uuid NOT NULL,
        seat_id text NOT NULL,
        ord integer NOT NULL,
        booking_id uuid,
        PRIMARY KEY (event_id, seat_id)
      );
      CREATE INDEX IF NOT EXISTS bench_seats_free_idx ON bench_seats (event_id, ord) WHERE booking_id IS NULL;
      CREATE TABLE IF NOT EXISTS bench_raw_inserts (
        id bigserial PRIMARY KEY,
        event_id bigint NOT NULL,
        seat_no integer NOT NULL,
        email text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
    `);
    await emptyStores(client);
  } finally {
    await client.end();
  }
}

/**
 * Idle connections close after a second: peers take turns, and PostgreSQL's connection limit is
 * shared with the server (and with whatever else runs on the machine).
 */
export function benchPool(max = 5): pg.Pool {
  return new pg.Pool({
    connectionString: BENCH_DATABASE_URL,
    max,
    idleTimeoutMillis: 1_000,
    application_name: 'happening-bench',
  });
}
