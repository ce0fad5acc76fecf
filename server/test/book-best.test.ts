/**
 * Best available reads counters, not every seat: a section that cannot fit the party is answered
 * from its counters (sold out in O(1)), and a row whose occupancy counter says it is full is
 * skipped unread. The counters are kept by every state change and rebuilt alike by the loader.
 */
import { attendee, type LiveEvent, publishedEvent, rowsMap } from '@happening/testing/inventory';
import { bearer, buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryKeys } from '../src/inventory/keys.js';

let app: TestApp;
let owner: SignedUp;
beforeAll(async () => {
  app = await buildTestApp();
  owner = await signup(app, 'book-best');
});
afterAll(async () => {
  await app.close();
});

const countsKey = (eventId: string) => inventoryKeys(eventId)[5]!;
const layoutKey = (eventId: string) => inventoryKeys(eventId)[6]!;
const bestOf = (live: LiveEvent, quantity: number, n: number | string) =>
  app.inject({
    method: 'POST',
    url: `/api/v1/events/${live.eventId}/bookings`,
    headers: bearer(live.secretKey),
    payload: { quantity, attendee: attendee(n) },
  });
const rowCounters = async (eventId: string) =>
  Object.fromEntries(
    Object.entries(await app.redis.hgetall(countsKey(eventId))).filter(
      ([key, value]) => key.includes(':row:') && value !== '0',
    ),
  );

describe('book_best from counters', () => {
  it('keeps one occupancy counter per row, equal to what a rebuild from PostgreSQL counts', async () => {
    const live = await publishedEvent(app, owner, rowsMap(3, 4));
    for (let i = 0; i < 5; i++) expect((await bestOf(live, 1, i)).statusCode).toBe(201);
    const pair = await bestOf(live, 2, 'pair');
    expect(pair.statusCode).toBe(201);
    const held = await app.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/holds`,
      headers: bearer(live.publishableKey),
      payload: { seats: ['main-C-1'] },
    });
    expect(held.statusCode).toBe(200);
    const fromHold = await app.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/bookings`,
      headers: bearer(live.secretKey),
      payload: { holdToken: held.json().holdToken, attendee: attendee('hold') },
    });
    expect(fromHold.statusCode).toBe(201);
    const cancelled = await app.inject({
      method: 'POST',
      url: `/api/v1/bookings/${pair.json().booking.id}/cancel`,
      headers: bearer(live.secretKey),
      payload: {},
    });
    expect(cancelled.statusCode).toBe(200);
    const live8 = await rowCounters(live.eventId);
    // 5 singles and the pair's 2 (cancelled) from the front rows, C-1 from the hold: 6 occupied.
    expect(Object.values(live8).reduce((sum, n) => sum + Number(n), 0)).toBe(6);
    expect(live8['main:row:C']).toBe('1');

    await app.redis.del(...inventoryKeys(live.eventId));
    await app.inventory.ensureLoaded(live.eventId);
    expect(await rowCounters(live.eventId)).toEqual(live8);
  });

  it('skips a row its counter calls full without reading its seats', async () => {
    const live = await publishedEvent(app, owner, rowsMap(3, 4));
    const first = await bestOf(live, 1, 'first');
    expect(first.json().booking.seats[0]).toMatch(/^main-A-/);
    // Row A still has three free seats, but its counter now says it is full: best available
    // must believe the counter (had it read the seats, it would pick row A again).
    await app.redis.hset(countsKey(live.eventId), 'main:row:A', '4');
    const next = await bestOf(live, 1, 'next');
    expect(next.statusCode).toBe(201);
    expect(next.json().booking.seats[0]).toMatch(/^main-B-/);
  });

  it('answers sold out from the section counters alone', async () => {
    const live = await publishedEvent(app, owner, rowsMap(2, 4), { waitlistEnabled: false });
    expect((await bestOf(live, 1, 'warm')).statusCode).toBe(201);
    // Every seat but the first is free; the counters say all 8 are booked.
    await app.redis.hset(countsKey(live.eventId), 'main:booked', '8');
    const refused = await bestOf(live, 1, 'late');
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('SOLD_OUT');
  });

  it('a party larger than any row still gets the nearest seats, and a full event says sold out', async () => {
    const live = await publishedEvent(app, owner, rowsMap(2, 3), {
      waitlistEnabled: false,
      maxSeatsPerBooking: 6,
    });
    const five = await bestOf(live, 5, 'five');
    expect(five.statusCode).toBe(201);
    expect(five.json().booking.seats).toHaveLength(5);
    expect((await bestOf(live, 1, 'last')).statusCode).toBe(201);
    const none = await bestOf(live, 1, 'none');
    expect(none.statusCode).toBe(409);
    expect(none.json().error.code).toBe('SOLD_OUT');
  });

  it("reads only the scanned rows' numbers, each from its own layout field", async () => {
    const live = await publishedEvent(app, owner, rowsMap(2, 4));
    // Row A's own field now lists only seat 4: best available must take its numbers from there
    // (the whole layout, which it no longer decodes, still lists 1 to 4 and would give ).
    await app.redis.hset(layoutKey(live.eventId), 'main:row:A', '[4]');
    const first = await bestOf(live, 1, 'first');
    expect(first.statusCode).toBe(201);
    expect(first.json().booking.seats).toEqual(['main-A-4']);
  });

  it('books an inventory loaded before the per-row fields existed from its whole layout', async () => {
    const made = await publishedEvent(app, owner, rowsMap(3, 5));
    const older = await publishedEvent(app, owner, rowsMap(3, 5));
    // The organization's newest secret key books both events.
    const fresh = { ...made, secretKey: older.secretKey };
    const perRow = (await app.redis.hkeys(layoutKey(older.eventId))).filter((field) => field.includes(':'));
    expect(perRow).toEqual(expect.arrayContaining(['main:rows', 'main:row:A', 'main:row:C']));
    await app.redis.hdel(layoutKey(older.eventId), ...perRow);
    for (const [quantity, n] of [
      [2, 'a'],
      [3, 'b'],
      [1, 'c'],
      [5, 'd'],
      [4, 'e'],
    ] as const) {
      const [one, other] = [await bestOf(fresh, quantity, n), await bestOf(older, quantity, n)];
      expect(other.statusCode).toBe(one.statusCode);
      expect(other.json().booking?.seats).toEqual(one.json().booking?.seats);
    }
  });
});
