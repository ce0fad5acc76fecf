/**
 * Suite 2, bookings on one hot event: every client books the same event until it sells out, then
 * the next one (refill). Ours (REST → Redis Lua → one PostgreSQL transaction → settle) against
 * the classic PostgreSQL design and the seed's algorithm, plus the raw single-row INSERT rate.
 */
import { newOrganizer } from '../lib/api.js';
import { type ChildHandle, startChild } from '../lib/child.js';
import { benchPool } from '../lib/db.js';
import type { LoopResult } from '../lib/loop.js';
import { startServer } from '../lib/server.js';
import { latencyOf, median, mergeHistograms } from '../lib/stats.js';
import { ratioGoal, rotated, type SuiteContext } from '../lib/suite.js';

type Engine = 'ours' | 'pg-for-update' | 'seed-counter' | 'raw-insert';
type RunResult = LoopResult & { eventIds: string[] };

const LABEL: Record<Engine, string> = {
  ours: 'Happening (REST)',
  'pg-for-update': 'peer (a) SELECT … FOR UPDATE',
  'seed-counter': "peer (b) seed's GET/SET/DECRBY",
  'raw-insert': 'raw single-row INSERT',
};

export async function bookingsSuite(context: SuiteContext): Promise<void> {
  const { concurrency, durationMs, seatsPerEvent, poolSize } = context.sizes.bookings;
  const server = await startServer(context.profile ? { profile: 'bookings-server' } : {});
  const pool = benchPool(2);
  const children: Partial<Record<Engine, ChildHandle>> = {};
  try {
    const organizer = await newOrganizer(server.url);
    children.ours = await startChild('load/booking-clients.ts', { name: 'booking-clients' });
    await children.ours.call('setup', { organizer, seatsPerEvent, concurrency });
    for (const engine of ['pg-for-update', 'seed-counter', 'raw-insert'] as const) {
      children[engine] = await startChild('peers/booking-peers.ts', { name: engine });
      await children[engine].call('setup', { engine, seatsPerEvent, concurrency, poolSize });
    }
    context.progress(
      `bookings: ${concurrency} concurrent clients, ${seatsPerEvent} seats per event, pool ${poolSize}, ${durationMs} ms per run`,
    );
    const engines: Engine[] = ['ours', 'pg-for-update', 'seed-counter', 'raw-insert'];
    const rates: Record<Engine, number[]> = {
      ours: [],
      'pg-for-update': [],
      'seed-counter': [],
      'raw-insert': [],
    };
    const oversold: Record<Engine, number> = {
      ours: 0,
      'pg-for-update': 0,
      'seed-counter': 0,
      'raw-insert': 0,
    };
    const histograms: Record<Engine, string[]> = {
      ours: [],
      'pg-for-update': [],
      'seed-counter': [],
      'raw-insert': [],
    };
    const errors: Record<Engine, number> = {
      ours: 0,
      'pg-for-update': 0,
      'seed-counter': 0,
      'raw-insert': 0,
    };
    for (let round = 0; round < context.sizes.rounds; round++) {
      for (const engine of rotated(engines, round)) {
        const result = await children[engine]!.call<RunResult>('run', { durationMs });
        const rate = (result.count / result.elapsedMs) * 1_000;
        rates[engine].push(rate);
        histograms[engine].push(result.histogram);
        errors[engine] += result.errors;
        if (result.firstError) context.progress(`bookings: ${engine} error: ${result.firstError}`);
        if (engine === 'ours') oversold[engine] += await oversoldOurs(pool, result.eventIds);
        else if (engine !== 'raw-insert') oversold[engine] += await oversoldPeer(pool, result.eventIds);
        context.progress(
          `bookings: round ${round + 1}/${context.sizes.rounds} ${engine}: ${Math.round(rate)} bookings/s, ${result.eventIds.length} event(s)`,
        );
      }
    }
    const rate = (engine: Engine) => median(rates[engine]);
    const detail = (engine: Engine) => {
      const latency = latencyOf(mergeHistograms(histograms[engine]));
      return `rounds ${rates[engine].map(Math.round).join(', ')}/s; p50/p99 ${latency.p50.toFixed(1)} / ${latency.p99.toFixed(1)} ms; errors ${errors[engine]}`;
    };
    context.figure({
      suite: 'bookings',
      name: LABEL['raw-insert'],
      value: rate('raw-insert'),
      unit: 'rows/s',
      detail: detail('raw-insert'),
    });
    for (const peer of ['pg-for-update', 'seed-counter'] as const) {
      context.figure({
        suite: 'bookings',
        name: LABEL[peer],
        value: rate(peer),
        unit: 'bookings/s',
        detail: `${detail(peer)}; oversold seats ${oversold[peer]}`,
      });
    }
    const ours = rate('ours');
    context.figure({
      suite: 'bookings',
      name: `${LABEL.ours} vs peer (a)`,
      value: ours,
      unit: 'bookings/s',
      peer: { name: 'FOR UPDATE', value: rate('pg-for-update') },
      ratio: ours / rate('pg-for-update'),
      ...ratioGoal(ours / rate('pg-for-update'), 5),
      detail: detail('ours'),
    });
    context.figure({
      suite: 'bookings',
      name: `${LABEL.ours} vs durable-write limit`,
      value: ours,
      unit: 'bookings/s',
      peer: { name: 'raw INSERT', value: rate('raw-insert') },
      ratio: ours / rate('raw-insert'),
      ...ratioGoal(ours / rate('raw-insert'), 0.7),
    });
    context.figure({
      suite: 'bookings',
      name: `${LABEL.ours} vs peer (b)`,
      value: ours,
      unit: 'bookings/s',
      peer: { name: 'seed counter', value: rate('seed-counter') },
      ratio: ours / rate('seed-counter'),
    });
    for (const engine of ['ours', 'pg-for-update', 'seed-counter'] as const) {
      context.figure({
        suite: 'bookings',
        name: `oversold seats, ${LABEL[engine]}`,
        value: oversold[engine],
        unit: 'seats',
        ...(engine === 'ours' ? { goal: '0', met: oversold.ours === 0 } : {}),
      });
    }
  } finally {
    for (const child of Object.values(children)) await child.call('close').catch(() => {});
    await Promise.all(Object.values(children).map((child) => child.close()));
    await pool.end();
    await server.stop();
  }
}

/** Seats confirmed beyond an event's capacity, or one seat in two active bookings, from PostgreSQL. */
async function oversoldOurs(pool: ReturnType<typeof benchPool>, eventIds: string[]): Promise<number> {
  const { rows } = await pool.query<{ over: number }>(
    `SELECT coalesce(sum(greatest(0, sold - capacity) + (sold - distinct_seats)), 0)::int AS over FROM (
       SELECT e.capacity,
              count(bs.seat_id)::int AS sold,
              count(DISTINCT bs.seat_id)::int AS distinct_seats
       FROM events e
       LEFT JOIN booking_seats bs ON bs.event_id = e.id AND bs.active
       WHERE e.id = ANY($1::uuid[])
       GROUP BY e.id) per_event`,
    [eventIds],
  );
  return rows[0]!.over;
}

/** Bookings beyond capacity, or seat numbers sold twice, for the peers' own tables. */
async function oversoldPeer(pool: ReturnType<typeof benchPool>, eventIds: string[]): Promise<number> {
  const { rows } = await pool.query<{ over: number }>(
    `SELECT coalesce(sum(greatest(0, sold - capacity, sold - distinct_seats)), 0)::int AS over FROM (
       SELECT e.capacity, count(b.id)::int AS sold, count(DISTINCT b.seat_no)::int AS distinct_seats
       FROM bench_peer_events e
       LEFT JOIN bench_peer_bookings b ON b.event_id = e.id
       WHERE e.id = ANY($1::bigint[])
       GROUP BY e.id) per_event`,
    [eventIds],
  );
  return rows[0]!.over;
}
