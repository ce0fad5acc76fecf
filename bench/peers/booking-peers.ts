/**
 * The seed's algorithm, peer (b) of suite 2, run on events of the same size (refilled when sold
 * out) with the same concurrency and the same PostgreSQL pool size as the server: `GET` the Redis
 * counter, `SET` it from the database when missing, refuse when too low, `DECRBY`, then insert the
 * booking with no seat constraint. Check-then-decrement is not atomic, so it can oversell; the
 * suite counts bookings past capacity. (The fair PostgreSQL peers run inside the server:
 * booking-routes.ts.)
 */
import { Redis } from 'ioredis';
import type pg from 'pg';
import { serveParent } from '../lib/child.js';
import { REDIS_URL } from '../lib/config.js';
import { benchPool } from '../lib/db.js';
import { closedLoops } from '../lib/loop.js';
import { nowMs } from '../lib/stats.js';

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
    ['seed-counter', seatsPerEvent],
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

async function book(): Promise<number | null> {
  if (refilling) await refilling;
  const eventId = eventIds.at(-1)!;
  const n = sequence++;
  const start = nowMs();
  if (await seedCounter(eventId, `fan-${n}@example.test`)) return (nowMs() - start) * 1_000;
  await refill(eventId);
  return null;
}

serveParent({
  async setup(argument: { seatsPerEvent: number; concurrency: number; poolSize: number }) {
    ({ seatsPerEvent, concurrency } = argument);
    pool = benchPool(argument.poolSize);
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
    await redis?.quit();
  },
});
