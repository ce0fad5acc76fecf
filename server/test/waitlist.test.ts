import { attendee, type LiveEvent, publishedEvent, rowsMap } from '@happening/testing/inventory';
import { bearer, buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryKeys } from '../src/inventory/keys.js';

let a: TestApp;
let b: TestApp;
let owner: SignedUp;
beforeAll(async () => {
  [a, b] = await Promise.all([
    buildTestApp({ HOLD_SWEEP_INTERVAL_MS: '100' }),
    buildTestApp({ HOLD_SWEEP_INTERVAL_MS: '100' }),
  ]);
  owner = await signup(a, 'waitlist');
});
afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
});

const book = (live: LiveEvent, quantity: number, who: string | number, app = a) =>
  app.inject({
    method: 'POST',
    url: `/api/v1/events/${live.eventId}/bookings`,
    headers: bearer(live.secretKey),
    payload: { quantity, attendee: attendee(who) },
  });
const cancel = (id: string, app = a) =>
  app.inject({
    method: 'POST',
    url: `/api/v1/bookings/${id}/cancel`,
    headers: bearer(owner.token),
    payload: {},
  });
const waitlist = async (live: LiveEvent) =>
  (await a.inject({ url: `/api/v1/events/${live.eventId}/waitlist`, headers: bearer(owner.token) })).json()
    .waitlist as {
    bookingId: string;
    position: number;
    quantity: number;
  }[];
const statusOf = async (id: string) =>
  (await a.pg.query<{ status: string }>('SELECT status FROM bookings WHERE id = $1', [id])).rows[0]!.status;

async function until(check: () => Promise<boolean>, ms = 5_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function soldOut(live: LiveEvent, seats: number) {
  const bookings: string[] = [];
  for (let i = 0; i < seats; i++) {
    const response = await book(live, 1, `buyer-${i}`);
    expect(response.statusCode).toBe(201);
    bookings.push(response.json().booking.id);
  }
  return bookings;
}

describe('waitlist', () => {
  it('keeps strict FIFO order when cancellations race on two servers', async () => {
    const live = await publishedEvent(a, owner, rowsMap(1, 8));
    const buyers = await soldOut(live, 8);
    const line: string[] = [];
    for (let i = 0; i < 8; i++) {
      const response = await book(live, 1, `waiting-${i}`);
      expect(response.statusCode).toBe(202);
      expect(response.json().booking).toMatchObject({ status: 'waitlisted', waitlistPosition: i + 1 });
      line.push(response.json().booking.id);
    }
    // Five seats free up at once, through both servers.
    const cancels = await Promise.all(buyers.slice(0, 5).map((id, i) => cancel(id, i % 2 ? a : b)));
    expect(cancels.map((r) => `${r.statusCode} ${r.statusCode === 200 ? '' : r.body}`)).toEqual(
      Array(5).fill('200 '),
    );

    await until(async () => (await statusOf(line[4]!)) === 'confirmed');
    for (const id of line.slice(0, 5)) expect(await statusOf(id)).toBe('confirmed');
    const rest = await waitlist(live);
    expect(rest.map((entry) => entry.bookingId)).toEqual(line.slice(5));
    expect(rest.map((entry) => entry.position)).toEqual([1, 2, 3]);
    const outbox = await a.pg.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM outbox WHERE type = 'waitlist_promoted' AND payload->>'eventId' = $1",
      [live.eventId],
    );
    expect(outbox.rows[0]!.n).toBe(5);
  });

  it('serves the head all or nothing and never lets a smaller party behind it skip ahead', async () => {
    const live = await publishedEvent(a, owner, rowsMap(1, 4));
    const buyers = await soldOut(live, 4);
    const head = (await book(live, 3, 'party-of-3')).json().booking.id;
    const behind = (await book(live, 1, 'single')).json().booking.id;
    await cancel(buyers[0]!);
    await cancel(buyers[1]!);
    // Two free seats: the head needs three, so nobody moves.
    expect(await statusOf(head)).toBe('waitlisted');
    expect(await statusOf(behind)).toBe('waitlisted');
    // A new request joins the line instead of taking the free seats.
    expect((await book(live, 1, 'latecomer')).statusCode).toBe(202);
    await cancel(buyers[2]!);
    await until(async () => (await statusOf(head)) === 'confirmed');
    const { rows } = await a.pg.query(
      'SELECT count(*)::int AS n FROM booking_seats WHERE booking_id = $1 AND active',
      [head],
    );
    expect(rows[0].n).toBe(3);
    expect(await statusOf(behind)).toBe('waitlisted');
  });

  it('lets an attendee leave the line, moving everyone behind up', async () => {
    const live = await publishedEvent(a, owner, rowsMap(1, 1));
    await soldOut(live, 1);
    const first = (await book(live, 1, 'w1')).json();
    const second = (await book(live, 1, 'w2')).json();
    const left = await a.inject({
      method: 'POST',
      url: `/api/v1/bookings/${first.booking.id}/cancel`,
      payload: { manageToken: first.manageToken },
    });
    expect(left.json().booking.status).toBe('cancelled');
    const line = await waitlist(live);
    expect(line).toEqual([expect.objectContaining({ bookingId: second.booking.id, position: 1 })]);
  });

  it('offer mode: an unclaimed offer passes to the next in line, who can claim it', async () => {
    const live = await publishedEvent(a, owner, rowsMap(1, 2), {
      waitlistMode: 'offer',
      offerWindowSeconds: 60,
    });
    const buyers = await soldOut(live, 2);
    const first = (await book(live, 1, 'offer-1')).json();
    const second = (await book(live, 1, 'offer-2')).json();
    await cancel(buyers[0]!);
    await until(async () => (await statusOf(first.booking.id)) === 'offered');
    const offered = (
      await a.inject({ url: `/api/v1/bookings/${first.booking.id}`, headers: bearer(owner.token) })
    ).json();
    expect(new Date(offered.booking.offerExpiresAt).getTime()).toBeGreaterThan(Date.now() + 50_000);
    const availability = (await a.inject({ url: `/api/v1/events/${live.eventId}/availability` })).json();
    expect(availability.sections[0]).toMatchObject({ held: 1, booked: 1, available: 0 });

    // The first person lets the window pass (moved to now instead of waiting a minute).
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const keys = inventoryKeys(live.eventId);
    const token = `offer_${first.booking.id}`;
    const record = JSON.parse((await redis.hget(keys[3]!, token))!);
    await redis.hset(keys[3]!, token, JSON.stringify({ ...record, exp: Date.now() }));
    await redis.zadd(keys[4]!, Date.now(), token);
    await redis.quit();

    await until(async () => (await statusOf(second.booking.id)) === 'offered');
    expect(await statusOf(first.booking.id)).toBe('expired');
    const late = await a.inject({
      method: 'POST',
      url: `/api/v1/bookings/${first.booking.id}/claim`,
      payload: { manageToken: first.manageToken },
    });
    expect(late.statusCode).toBe(409);
    expect(late.json().error.code).toBe('OFFER_NOT_CLAIMABLE');

    const claimed = await a.inject({
      method: 'POST',
      url: `/api/v1/bookings/${second.booking.id}/claim`,
      payload: { manageToken: second.manageToken },
    });
    expect(claimed.statusCode).toBe(200);
    expect(claimed.json().booking).toMatchObject({ status: 'confirmed', quantity: 1 });
    expect(claimed.json().booking.seats).toHaveLength(1);
  });

  it('cancelling the event cancels every booking and waitlist entry and notifies each', async () => {
    const live = await publishedEvent(a, owner, rowsMap(1, 2));
    await soldOut(live, 2);
    await book(live, 1, 'waiting');
    const response = await a.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/cancel`,
      headers: bearer(owner.token),
      payload: { reason: 'storm' },
    });
    expect(response.json().event.status).toBe('cancelled');
    const { rows } = await a.pg.query<{ status: string }>(
      'SELECT DISTINCT status FROM bookings WHERE event_id = $1',
      [live.eventId],
    );
    expect(rows).toEqual([{ status: 'cancelled' }]);
    const outbox = await a.pg.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM outbox WHERE type = 'event_cancelled' AND payload->>'eventId' = $1",
      [live.eventId],
    );
    expect(outbox.rows[0]!.n).toBe(3);
    const hold = await a.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/holds`,
      headers: bearer(live.publishableKey),
      payload: { seats: ['main-A-1'] },
    });
    expect(hold.statusCode).toBe(409);
    expect(hold.json().error.code).toBe('EVENT_CANCELLED');
  });
});
