/**
 * The peers of suite 2, written as their designs would be written by someone who means them,
 * run on the same seats (events of the same size, refilled when sold out) with the same
 * concurrency and the same PostgreSQL pool size as the server:
 *
 * - `pg-for-update`: the classic PostgreSQL design. One transaction: lock the event row
 *   (`SELECT … FOR UPDATE`), check and decrement the remaining count, insert the booking.
 * - `seed-counter`: the seed's algorithm. `GET` the Redis counter, `SET` it from the database
 *   when missing, refuse when too low, `DECRBY`, then insert the booking with no seat constraint.
 *   Check-then-decrement is not atomic, so it can oversell; we count by how much.
 * - `raw-insert`: the durable-write limit, one single-row `INSERT` (autocommit) per booking.
 */
import { Redis } from 'ioredis';
import type pg from 'pg';
import { serveParent } from '../lib/child.js';
import { REDIS_URL } from '../lib/config.js';
import { benchPool } from '../lib/db.js';
import { closedLoops } from '../lib/loop.js';
import { nowMs } from '../lib/stats.js';

type Engine = 'pg-for-update' | 'seed-counter' | 'raw-insert';

let engine: Engine;
let pool: pg.Pool;
let redis: Redis;
let seatsPerEvent: number;
let concurrency: number;
const eventIds: string[] = [];
let refilling: Promise<void> | null = null;
let sequence = 0;
const runKey = `bench:seed:${process.pid}:${Date.now()}`;

async function newEvent(): Promise<void> {
  const { rows } = await pool.query<{ id: string }>(
    'INSERT INTO bench_peer_events (engine, capacity, remaining) VALUES ($1, $2, $2) RETURNING id',
    [engine, seatsPerEvent],
  );
  eventIds.push(rows[0]!.id);
}

function refill(soldOut: string): Promise<void> {
  if (soldOut !== eventIds.at(-1)) return Promise.resolve();
  refilling ??= newEvent().finally(() => {
    refilling = null;
  });
  return refilling;
}

async function forUpdate(eventId: string, email: string): Promise<boolean> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ remaining: number }>(
      'SELECT remaining FROM bench_peer_events WHERE id = $1 FOR UPDATE',
      [eventId],
    );
    const remaining = rows[0]!.remaining;
    if (remaining < 1) {
      await client.query('ROLLBACK');
      return false;
    }
    await client.query('UPDATE bench_peer_events SET remaining = remaining - 1 WHERE id = $1', [eventId]);
    await client.query('INSERT INTO bench_peer_bookings (event_id, seat_no, email) VALUES ($1, $2, $3)', [
      eventId,
      remaining,
      email,
    ]);
    await client.query('COMMIT');
    return true;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

async function seedCounter(eventId: string, email: string): Promise<boolean> {
  const key = `${runKey}:${eventId}`;
  let remaining = await redis.get(key);
  if (remaining === null) {
    const { rows } = await pool.query<{ left: number }>(
      `SELECT capacity - (SELECT count(*) FROM bench_peer_bookings WHERE event_id = $1)::int AS left
       FROM bench_peer_events WHERE id = $1`,
      [eventId],
    );
    remaining = String(rows[0]!.left);
    await redis.set(key, remaining, 'EX', 3_600);
  }
  if (Number(remaining) < 1) return false;
  await redis.decrby(key, 1);
  await pool.query('INSERT INTO bench_peer_bookings (event_id, seat_no, email) VALUES ($1, $2, $3)', [
    eventId,
    Number(remaining),
    email,
  ]);
  return true;
}

async function rawInsert(eventId: string, email: string, n: number): Promise<boolean> {
  await pool.query('INSERT INTO bench_raw_inserts (event_id, seat_no, email) VALUES ($1, $2, $3)', [
    eventId,
    n,
    email,
  ]);
  return true;
}

async function book(): Promise<number | null> {
  if (refilling) await refilling;
  const eventId = eventIds.at(-1)!;
  const n = sequence++;
  const email = `fan-${n}@example.test`;
  const start = nowMs();
  const booked =
    engine === 'pg-for-update'
      ? await forUpdate(eventId, email)
      : engine === 'seed-counter'
        ? await seedCounter(eventId, email)
        : await rawInsert(eventId, email, n);
  if (booked) return (nowMs() - start) * 1_000;
  await refill(eventId);
  return null;
}

serveParent({
  async setup(argument: { engine: Engine; seatsPerEvent: number; concurrency: number; poolSize: number }) {
    ({ engine, seatsPerEvent, concurrency } = argument);
    pool = benchPool(argument.poolSize);
    if (engine === 'seed-counter')
      redis = new Redis(REDIS_URL, { connectionName: 'happening-bench-seed-peer' });
    await newEvent();
  },
  async run({ durationMs }: { durationMs: number }) {
    const first = eventIds.length - 1;
    const result = await closedLoops(concurrency, durationMs, book);
    return { ...result, eventIds: eventIds.slice(first) };
  },
  async close() {
    await pool.end();
    if (redis) await redis.quit();
  },
});
