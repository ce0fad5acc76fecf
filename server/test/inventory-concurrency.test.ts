import { attendee, type LiveEvent, publishedEvent, rowsMap } from '@happening/testing/inventory';
import { bearer, buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Two server instances sharing Redis and PostgreSQL, as behind a load balancer.
let a: TestApp;
let b: TestApp;
let owner: SignedUp;
beforeAll(async () => {
  [a, b] = await Promise.all([buildTestApp(), buildTestApp()]);
  owner = await signup(a, 'concurrency');
});
afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
});

/** `remoteAddress`: the attendee's own address; holds from one address are capped per event. */
const holdOn = (app: TestApp, live: LiveEvent, seats: string[], remoteAddress = '127.0.0.1') =>
  app.inject({
    method: 'POST',
    url: `/api/v1/events/${live.eventId}/holds`,
    headers: bearer(live.publishableKey),
    remoteAddress,
    payload: { seats },
  });
/** A distinct address per attempt: 2,000 attendees, not one script. */
const attendeeAddress = (i: number) => `10.20.${Math.floor(i / 250)}.${i % 250}`;
const bookOn = (app: TestApp, live: LiveEvent, payload: object, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url: `/api/v1/events/${live.eventId}/bookings`,
    headers: { ...bearer(live.secretKey), ...headers },
    payload,
  });

async function bookedSeatsInPostgres(eventId: string) {
  const { rows } = await a.pg.query<{ seat_id: string; n: number }>(
    'SELECT seat_id, count(*)::int AS n FROM booking_seats WHERE event_id = $1 AND active GROUP BY seat_id',
    [eventId],
  );
  return rows;
}

describe('no oversell under concurrency (invariant 1, docs/architecture.md)', () => {
  it('2,000 concurrent hold→book attempts on 100 seats across two servers sell each seat exactly once', async () => {
    const live = await publishedEvent(a, owner, rowsMap(10, 10), { maxSeatsPerBooking: 2 });
    const seatIds = Array.from(
      { length: 100 },
      (_, i) => `main-${String.fromCharCode(65 + Math.floor(i / 10))}-${(i % 10) + 1}`,
    );

    const attempts = Array.from({ length: 2_000 }, async (_, i) => {
      const [first, second] = i % 2 === 0 ? [a, b] : [b, a];
      if (i % 5 === 4) {
        // Every fifth attempt asks for best available instead of a named seat.
        const response = await bookOn(second, live, { quantity: 1, attendee: attendee(`q${i}`) });
        return { kind: 'quantity' as const, status: response.statusCode, body: response.json() };
      }
      const held = await holdOn(first, live, [seatIds[i % 100]!], attendeeAddress(i));
      if (held.statusCode !== 200)
        return { kind: 'hold' as const, status: held.statusCode, body: held.json() };
      // Book on the other server than the one that held.
      const booked = await bookOn(second, live, { holdToken: held.json().holdToken, attendee: attendee(i) });
      return { kind: 'book' as const, status: booked.statusCode, body: booked.json() };
    });
    const results = await Promise.all(attempts);

    const confirmed = results.filter((r) => r.status === 201);
    const waitlisted = results.filter((r) => r.status === 202);
    const refused = results.filter((r) => r.status === 409);
    const others = results.filter((r) => ![201, 202, 409].includes(r.status));
    expect(
      others.map((r) => `${r.kind} ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`).slice(0, 5),
    ).toEqual([]);
    expect(confirmed.length + waitlisted.length + refused.length).toBe(2_000);
    for (const r of refused) expect(['SEAT_UNAVAILABLE', 'SOLD_OUT']).toContain(r.body.error.code);
    for (const r of waitlisted) expect(r.body.booking.status).toBe('waitlisted');

    // Exactly 100 seats sold, none twice, and every acknowledged booking is in PostgreSQL.
    const booked = await bookedSeatsInPostgres(live.eventId);
    expect(booked).toHaveLength(100);
    expect(booked.every((row) => row.n === 1)).toBe(true);
    const soldInAnswers = confirmed.flatMap((r) => r.body.booking.seats as string[]);
    expect(new Set(soldInAnswers).size).toBe(soldInAnswers.length);
    expect(soldInAnswers.sort()).toEqual(booked.map((row) => row.seat_id).sort());
    const { rows } = await a.pg.query<{ id: string }>(
      "SELECT id FROM bookings WHERE event_id = $1 AND status = 'confirmed'",
      [live.eventId],
    );
    expect(new Set(rows.map((row) => row.id))).toEqual(new Set(confirmed.map((r) => r.body.booking.id)));

    // Redis agrees with PostgreSQL: sold out, nothing held.
    const availability = (await a.inject({ url: `/api/v1/events/${live.eventId}/availability` })).json();
    expect(availability.sections[0]).toMatchObject({ capacity: 100, booked: 100, held: 0, available: 0 });
  }, 120_000);

  it('500 concurrent holds on one seat: exactly one succeeds', async () => {
    const live = await publishedEvent(a, owner, rowsMap(1, 5));
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) => holdOn(i % 2 ? a : b, live, ['main-A-3'])),
    );
    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((code) => code === 200)).toHaveLength(1);
    expect(codes.filter((code) => code === 409)).toHaveLength(499);
    expect(results.find((r) => r.statusCode === 409)?.json().error).toMatchObject({
      code: 'SEAT_UNAVAILABLE',
      seats: ['main-A-3'],
    });
  }, 60_000);

  it('100 concurrent bookings with one Idempotency-Key make one booking; replays are identical', async () => {
    const live = await publishedEvent(a, owner, rowsMap(2, 10));
    const key = `key-${live.eventId}`;
    const payload = { quantity: 2, attendee: attendee('idem') };
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => bookOn(i % 2 ? a : b, live, payload, { 'idempotency-key': key })),
    );
    const created = results.filter((r) => r.statusCode === 201);
    const inFlight = results.filter((r) => r.statusCode === 409);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(created.length + inFlight.length).toBe(100);
    for (const r of inFlight) expect(r.json().error.code).toBe('IDEMPOTENCY_KEY_IN_FLIGHT');
    // Every 201 is the same booking (the first answer, or its replay).
    expect(new Set(created.map((r) => r.body)).size).toBe(1);

    const replay = await bookOn(b, live, payload, { 'idempotency-key': key });
    expect(replay.statusCode).toBe(201);
    expect(replay.body).toBe(created[0]!.body);
    expect(replay.headers['idempotent-replayed']).toBe('true');

    const { rows } = await a.pg.query('SELECT count(*)::int AS n FROM bookings WHERE event_id = $1', [
      live.eventId,
    ]);
    expect(rows[0].n).toBe(1);

    const reused = await bookOn(a, live, { ...payload, quantity: 1 }, { 'idempotency-key': key });
    expect(reused.statusCode).toBe(422);
    expect(reused.json().error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  }, 60_000);
});
