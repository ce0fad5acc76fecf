import { attendee, type LiveEvent, publishedEvent, rowsMap } from '@happening/testing/inventory';
import { bearer, buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryKeys } from '../src/inventory/keys.js';
import { GroupCommitter } from '../src/modules/bookings/group-commit.js';

describe('GroupCommitter (the queue on its own)', () => {
  /** A committer over in-memory work whose commits finish only when the test opens their gate. */
  function gated(options: { maxInFlight: number; maxBatch: number }) {
    const calls: string[] = [];
    const gates: (() => void)[] = [];
    const gate = () => new Promise<void>((resolve) => gates.push(resolve));
    const committer = new GroupCommitter<number, string>(
      async (jobs) => {
        calls.push(`batch ${jobs.join(',')}`);
        await gate();
        if (jobs.includes(13)) throw new Error('PostgreSQL refused 13');
        return jobs.map((job) => `in a batch: ${job}`);
      },
      async (job) => {
        calls.push(`one ${job}`);
        await gate();
        if (job === 13) throw new Error('13 is refused');
        return `alone: ${job}`;
      },
      options,
    );
    /** Lets the oldest running commit finish (waiting for it to have started). */
    const finishOldest = async () => {
      while (gates.length === 0) await new Promise((resolve) => setImmediate(resolve));
      gates.shift()!();
    };
    return { committer, calls, finishOldest };
  }

  it('starts a lone job at once, without a timer waiting for company', async () => {
    const { committer, calls, finishOldest } = gated({ maxInFlight: 1, maxBatch: 200 });
    const answer = committer.commit(1);
    expect(calls).toEqual(['one 1']);
    await finishOldest();
    await expect(answer).resolves.toBe('alone: 1');
    expect(committer.stats).toEqual({ batches: 0, batchedJobs: 0, singles: 1, splitBatches: 0 });
  });

  it('gathers the jobs that arrive during a commit into batches of at most maxBatch', async () => {
    const { committer, calls, finishOldest } = gated({ maxInFlight: 1, maxBatch: 3 });
    const answers = [0, 1, 2, 3, 4].map((job) => committer.commit(job));
    expect(calls).toEqual(['one 0']);
    expect(committer.waiting).toBe(4);
    await finishOldest();
    await finishOldest();
    await finishOldest();
    expect(await Promise.all(answers)).toEqual([
      'alone: 0',
      'in a batch: 1',
      'in a batch: 2',
      'in a batch: 3',
      'alone: 4',
    ]);
    expect(calls).toEqual(['one 0', 'batch 1,2,3', 'one 4']);
    expect(committer.stats).toEqual({ batches: 1, batchedJobs: 3, singles: 2, splitBatches: 0 });
  });

  it('runs at most maxInFlight commits at once', async () => {
    const { committer, calls, finishOldest } = gated({ maxInFlight: 2, maxBatch: 200 });
    const answers = [0, 1, 2, 3].map((job) => committer.commit(job));
    expect(calls).toEqual(['one 0', 'one 1']);
    await finishOldest();
    await finishOldest();
    await finishOldest();
    await Promise.all(answers);
    expect(calls).toEqual(['one 0', 'one 1', 'batch 2,3']);
  });

  it('splits a refused batch so that only the bad job fails and the others get their own answer', async () => {
    const { committer, calls, finishOldest } = gated({ maxInFlight: 1, maxBatch: 200 });
    const answers = [0, 12, 13, 14].map((job) =>
      committer.commit(job).then(
        (value) => value,
        (error: Error) => `refused: ${error.message}`,
      ),
    );
    for (let i = 0; i < 5; i++) await finishOldest();
    expect(await Promise.all(answers)).toEqual([
      'alone: 0',
      'alone: 12',
      'refused: 13 is refused',
      'alone: 14',
    ]);
    expect(calls).toEqual(['one 0', 'batch 12,13,14', 'one 12', 'one 13', 'one 14']);
    expect(committer.stats).toEqual({ batches: 0, batchedJobs: 0, singles: 4, splitBatches: 1 });
  });
});

// Real services. `small` runs with a pool of 6, so one commit runs at a time (groupCommitLimits):
// the tests hold that commit in PostgreSQL and know exactly which bookings queue behind it.
let small: TestApp;
let a: TestApp;
let b: TestApp;
let owner: SignedUp;
beforeAll(async () => {
  [small, a, b] = await Promise.all([buildTestApp({ PG_POOL_SIZE: '6' }), buildTestApp(), buildTestApp()]);
  owner = await signup(small, 'group-commit');
});
afterAll(async () => {
  await Promise.all([small.close(), a.close(), b.close()]);
});

const book = (app: TestApp, live: LiveEvent, payload: object) =>
  app.inject({
    method: 'POST',
    url: `/api/v1/events/${live.eventId}/bookings`,
    headers: bearer(live.secretKey),
    payload,
  });
/** Each hold is another attendee's, from their own address (one address's holds are capped). */
let attendees = 0;
const hold = async (live: LiveEvent, seat: string) => {
  attendees++;
  const held = await small.inject({
    method: 'POST',
    url: `/api/v1/events/${live.eventId}/holds`,
    headers: bearer(live.publishableKey),
    remoteAddress: `10.30.${Math.floor(attendees / 250) % 250}.${attendees % 250}`,
    payload: { seats: [seat] },
  });
  expect(held.statusCode).toBe(200);
  return held.json().holdToken as string;
};

async function until(condition: () => boolean, what: string) {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Books `first` while the event's row is locked, so its commit waits in PostgreSQL (the booking's
 * foreign key needs a share lock on the event); then sends `rest`, waits until all of them queue
 * behind it, and lets PostgreSQL go. The rest are then committed as one batch.
 */
async function behindAStalledCommit(
  live: LiveEvent,
  first: () => Promise<Answer>,
  rest: (() => Promise<Answer>)[],
) {
  const committer = small.bookingService.committer;
  const locker: pg.PoolClient = await small.pg.connect();
  try {
    await locker.query('BEGIN');
    await locker.query('SELECT 1 FROM events WHERE id = $1 FOR UPDATE', [live.eventId]);
    const singles = committer.stats.singles;
    const firstAnswer = first();
    await until(() => committer.stats.singles === singles + 1, 'the first booking to start its commit');
    const restAnswers = rest.map((send) => send());
    await until(() => committer.waiting === rest.length, 'the other bookings to queue');
    await locker.query('COMMIT');
    return { first: await firstAnswer, rest: await Promise.all(restAnswers) };
  } finally {
    locker.release();
  }
}
type Answer = Awaited<ReturnType<typeof book>>;

async function pendingInRedis(eventId: string) {
  return small.inventory.redis.zcard(inventoryKeys(eventId)[9]!);
}

describe('group commit of confirmed bookings (real services)', () => {
  it('commits the bookings that queued behind a running commit in one transaction, each complete', async () => {
    const live = await publishedEvent(small, owner, rowsMap(10, 10));
    const before = { ...small.bookingService.committer.stats };
    const { first, rest } = await behindAStalledCommit(
      live,
      () => book(small, live, { quantity: 1, attendee: attendee('first') }),
      Array.from({ length: 99 }, (_, i) => () => book(small, live, { quantity: 1, attendee: attendee(i) })),
    );
    const answers = [first, ...rest];
    expect(answers.map((answer) => answer.statusCode)).toEqual(Array(100).fill(201));
    const ids = answers.map((answer) => answer.json().booking.id as string);

    // PostgreSQL's own record: 100 bookings written by exactly two transactions (xmin).
    const { rows } = await small.pg.query<{ n: number; transactions: number; stamps: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT xmin::text)::int AS transactions,
              count(DISTINCT created_at)::int AS stamps FROM bookings WHERE event_id = $1 AND status = 'confirmed'`,
      [live.eventId],
    );
    expect(rows[0]).toEqual({ n: 100, transactions: 2, stamps: 100 });
    expect(small.bookingService.committer.stats.batches - before.batches).toBe(1);
    expect(small.bookingService.committer.stats.batchedJobs - before.batchedJobs).toBe(99);

    // Each booking is whole: its seat, its history row, its notification with its own manage link.
    const seats = await small.pg.query<{ booking_id: string; seat_id: string }>(
      'SELECT booking_id, seat_id FROM booking_seats WHERE event_id = $1 AND active',
      [live.eventId],
    );
    expect(new Set(seats.rows.map((row) => row.seat_id)).size).toBe(100);
    const seatOf = new Map(seats.rows.map((row) => [row.booking_id, row.seat_id]));
    for (const answer of answers) {
      const { booking, manageToken } = answer.json();
      expect(booking.seats).toEqual([seatOf.get(booking.id)]);
      expect(manageToken).toMatch(/^mt_/);
    }
    const history = await small.pg.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM booking_history WHERE booking_id = ANY($1) AND status = 'confirmed'`,
      [ids],
    );
    expect(history.rows[0]!.n).toBe(100);
    const outbox = await small.pg.query<{
      payload: { bookingId: string; manageUrl: string; seats: string[] };
    }>(`SELECT payload FROM outbox WHERE type = 'booking_confirmed' AND payload->>'bookingId' = ANY($1)`, [
      ids,
    ]);
    expect(outbox.rows).toHaveLength(100);
    const tokenOf = new Map(answers.map((answer) => [answer.json().booking.id, answer.json().manageToken]));
    for (const { payload } of outbox.rows) {
      expect(payload.seats).toEqual([seatOf.get(payload.bookingId)]);
      // Each notification links to its own booking with its own manage token.
      expect(payload.manageUrl).toContain(payload.bookingId);
      expect(payload.manageUrl).toContain(encodeURIComponent(tokenOf.get(payload.bookingId)));
    }

    // Redis settled all of them (one settle call for the batch) and shows the event sold out.
    expect(await pendingInRedis(live.eventId)).toBe(0);
    const settled = await small.inventory.redis.zrange(inventoryKeys(live.eventId)[11]!, 0, -1);
    expect(new Set(settled)).toEqual(new Set(ids));
    const availability = (await small.inject({ url: `/api/v1/events/${live.eventId}/availability` })).json();
    expect(availability.sections[0]).toMatchObject({ capacity: 100, booked: 100, held: 0, available: 0 });
  }, 60_000);

  it('refuses only the booking PostgreSQL refuses in a batch; the others are booked', async () => {
    const live = await publishedEvent(small, owner, rowsMap(2, 10));
    const owned = await book(small, live, {
      holdToken: await hold(live, 'main-A-1'),
      attendee: attendee('owner'),
    });
    expect(owned.statusCode).toBe(201);
    const ownerId = owned.json().booking.id;
    // Drift: PostgreSQL gives main-B-10 to that booking behind Redis's back (Redis still shows it free).
    await small.pg.query('INSERT INTO booking_seats (booking_id, event_id, seat_id) VALUES ($1, $2, $3)', [
      ownerId,
      live.eventId,
      'main-B-10',
    ]);
    const seats = ['main-A-2', 'main-A-3', 'main-A-4', 'main-B-10', 'main-B-1', 'main-B-2', 'main-B-3'];
    const tokens = new Map<string, string>();
    for (const seat of seats) tokens.set(seat, await hold(live, seat));
    const bookSeat = (seat: string) => () =>
      book(small, live, { holdToken: tokens.get(seat), attendee: attendee(seat) });
    const splits = small.bookingService.committer.stats.splitBatches;

    const { first, rest } = await behindAStalledCommit(
      live,
      bookSeat(seats[0]!),
      seats.slice(1).map(bookSeat),
    );
    expect(first.statusCode).toBe(201);
    const bySeat = new Map(seats.slice(1).map((seat, i) => [seat, rest[i]!]));
    // The batch was refused as a whole and split: that proves the refused booking was in it.
    expect(small.bookingService.committer.stats.splitBatches).toBe(splits + 1);

    const refused = bySeat.get('main-B-10')!;
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({ code: 'SEAT_UNAVAILABLE', seats: ['main-B-10'] });
    for (const [seat, answer] of bySeat) {
      if (seat === 'main-B-10') continue;
      expect(answer.statusCode).toBe(201);
      expect(answer.json().booking.seats).toEqual([seat]);
    }

    const { rows } = await small.pg.query<{ seat_id: string; booking_id: string }>(
      'SELECT seat_id, booking_id FROM booking_seats WHERE event_id = $1 AND active ORDER BY seat_id',
      [live.eventId],
    );
    expect(rows.map((row) => row.seat_id)).toEqual(['main-A-1', ...seats].sort());
    expect(rows.find((row) => row.seat_id === 'main-B-10')!.booking_id).toBe(ownerId);
    const confirmed = await small.pg.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM bookings WHERE event_id = $1 AND status = 'confirmed'`,
      [live.eventId],
    );
    expect(confirmed.rows[0]!.n).toBe(1 + seats.length - 1);
    // Postgres wins: Redis learned the owner back, and nothing is left pending.
    expect(await small.inventory.redis.hget(inventoryKeys(live.eventId)[2]!, 'main-B-10')).toBe(
      `b:${ownerId}`,
    );
    expect(await pendingInRedis(live.eventId)).toBe(0);
  }, 60_000);

  it('refuses only the booking a full section cannot take; seats and smaller parties in the batch are booked', async () => {
    const live = await publishedEvent(
      small,
      owner,
      rowsMap(1, 10, [{ id: 'floor', label: 'Floor', kind: 'general', capacity: 5, category: 'std' }]),
    );
    // Drift: PostgreSQL has 4 of the floor's 5 places sold; Redis believes none are.
    await small.pg.query(
      `UPDATE general_sections SET booked = 4 WHERE event_id = $1 AND section_id = 'floor'`,
      [live.eventId],
    );
    const splits = small.bookingService.committer.stats.splitBatches;
    const { first, rest } = await behindAStalledCommit(
      live,
      () => book(small, live, { quantity: 1, section: 'main', attendee: attendee('first') }),
      [
        () => book(small, live, { quantity: 2, section: 'floor', attendee: attendee('pair') }),
        () => book(small, live, { quantity: 1, section: 'main', attendee: attendee('m1') }),
        () => book(small, live, { quantity: 1, section: 'floor', attendee: attendee('single') }),
        () => book(small, live, { quantity: 2, section: 'main', attendee: attendee('m2') }),
      ],
    );
    const [pair, m1, single, m2] = rest;
    // The four went in one batch, which the capacity guard refused as a whole and split.
    expect(small.bookingService.committer.stats.splitBatches).toBe(splits + 1);
    expect([first, m1, single, m2].map((answer) => answer!.statusCode)).toEqual([201, 201, 201, 201]);
    expect(single!.json().booking.general).toEqual([{ section: 'floor', quantity: 1 }]);
    expect(pair!.statusCode).toBe(409);
    expect(pair!.json().error).toMatchObject({ code: 'SEAT_UNAVAILABLE', sections: ['floor'] });

    const floor = await small.pg.query<{ booked: number }>(
      `SELECT booked FROM general_sections WHERE event_id = $1 AND section_id = 'floor'`,
      [live.eventId],
    );
    expect(floor.rows[0]!.booked).toBe(5);
    const { rows } = await small.pg.query<{ n: number; general: number }>(
      `SELECT count(*)::int AS n, coalesce(sum(jsonb_array_length(general)), 0)::int AS general
       FROM bookings WHERE event_id = $1 AND status = 'confirmed'`,
      [live.eventId],
    );
    expect(rows[0]).toEqual({ n: 4, general: 1 });
    expect(await pendingInRedis(live.eventId)).toBe(0);
  }, 60_000);

  it('2,000 concurrent bookings of seats and general admission on two servers: batched, never oversold', async () => {
    const live = await publishedEvent(
      a,
      owner,
      rowsMap(10, 10, [{ id: 'floor', label: 'Floor', kind: 'general', capacity: 100, category: 'std' }]),
      { maxSeatsPerBooking: 2, waitlistEnabled: false },
    );
    const batchesBefore = a.bookingService.committer.stats.batches + b.bookingService.committer.stats.batches;
    const results = await Promise.all(
      Array.from({ length: 2_000 }, async (_, i) => {
        const response = await book(i % 2 ? a : b, live, {
          quantity: i % 3 === 0 ? 2 : 1,
          section: i % 4 < 2 ? 'main' : 'floor',
          attendee: attendee(`c${i}`),
        });
        return { status: response.statusCode, body: response.json() };
      }),
    );
    const others = results.filter((r) => r.status !== 201 && r.status !== 409);
    expect(others.map((r) => `${r.status} ${JSON.stringify(r.body).slice(0, 200)}`).slice(0, 5)).toEqual([]);
    for (const r of results.filter((r) => r.status === 409)) {
      expect(['SOLD_OUT', 'SEAT_UNAVAILABLE']).toContain(r.body.error.code);
    }
    const confirmed = results.filter((r) => r.status === 201).map((r) => r.body.booking);
    const batchesAfter = a.bookingService.committer.stats.batches + b.bookingService.committer.stats.batches;
    expect(batchesAfter).toBeGreaterThan(batchesBefore);

    // No seat twice, no section past capacity, and every answer is what PostgreSQL holds.
    const seats = await a.pg.query<{ seat_id: string; n: number }>(
      'SELECT seat_id, count(*)::int AS n FROM booking_seats WHERE event_id = $1 AND active GROUP BY seat_id',
      [live.eventId],
    );
    expect(seats.rows.every((row) => row.n === 1)).toBe(true);
    expect(seats.rows.length).toBeLessThanOrEqual(100);
    const sold = confirmed.flatMap((booking) => booking.seats as string[]);
    expect(sold.sort()).toEqual(seats.rows.map((row) => row.seat_id).sort());
    const floor = await a.pg.query<{ booked: number }>(
      `SELECT booked FROM general_sections WHERE event_id = $1 AND section_id = 'floor'`,
      [live.eventId],
    );
    const floorSold = confirmed.reduce(
      (sum, booking) =>
        sum + booking.general.reduce((n: number, g: { quantity: number }) => n + g.quantity, 0),
      0,
    );
    expect(floor.rows[0]!.booked).toBe(floorSold);
    expect(floorSold).toBeLessThanOrEqual(100);
    const ids = await a.pg.query<{ id: string }>(
      `SELECT id FROM bookings WHERE event_id = $1 AND status = 'confirmed'`,
      [live.eventId],
    );
    expect(new Set(ids.rows.map((row) => row.id))).toEqual(new Set(confirmed.map((booking) => booking.id)));

    // Redis agrees with PostgreSQL, and nothing is left pending.
    const availability = (await a.inject({ url: `/api/v1/events/${live.eventId}/availability` })).json();
    expect(availability.sections).toEqual([
      expect.objectContaining({ id: 'main', booked: seats.rows.length, held: 0 }),
      expect.objectContaining({ id: 'floor', booked: floorSold, held: 0 }),
    ]);
    expect(await a.inventory.redis.zcard(inventoryKeys(live.eventId)[9]!)).toBe(0);
  }, 180_000);
});
