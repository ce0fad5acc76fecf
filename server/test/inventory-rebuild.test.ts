import { attendee, type LiveEvent, publishedEvent, rowsMap } from '@happening/testing/inventory';
import { bearer, buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Inventory } from '../src/inventory/inventory.js';
import { inventoryKeys } from '../src/inventory/keys.js';
import { reconcile } from '../src/inventory/sweeper.js';

// This file flushes Redis, so it works in a Redis database of its own (db 7), never db 0.
const REDIS_URL = `${process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'}/7`;

let a: TestApp;
let b: TestApp;
let owner: SignedUp;
beforeAll(async () => {
  [a, b] = await Promise.all([buildTestApp({ REDIS_URL }), buildTestApp({ REDIS_URL })]);
  owner = await signup(a, 'rebuild');
});
afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
});

const seatOf = (i: number) => `main-${String.fromCharCode(65 + Math.floor((i % 100) / 10))}-${(i % 10) + 1}`;

async function holdThenBook(live: LiveEvent, i: number) {
  const [first, second] = i % 2 ? [a, b] : [b, a];
  const held = await first.inject({
    method: 'POST',
    url: `/api/v1/events/${live.eventId}/holds`,
    headers: bearer(live.publishableKey),
    // 800 attendees, each from their own address (one address's holds are capped per event).
    remoteAddress: `10.50.${Math.floor(i / 250)}.${i % 250}`,
    payload: { seats: [seatOf(i)] },
  });
  if (held.statusCode !== 200) return held;
  return second.inject({
    method: 'POST',
    url: `/api/v1/events/${live.eventId}/bookings`,
    headers: bearer(live.secretKey),
    payload: { holdToken: held.json().holdToken, attendee: attendee(i) },
  });
}

async function activeSeats(eventId: string) {
  const { rows } = await a.pg.query<{ seat_id: string; n: number }>(
    'SELECT seat_id, count(*)::int AS n FROM booking_seats WHERE event_id = $1 AND active GROUP BY seat_id',
    [eventId],
  );
  return rows;
}

describe('Redis is rebuildable from PostgreSQL (invariant 2, docs/architecture.md)', () => {
  it('Redis flushed in the middle of a sale: rebuilt from PostgreSQL, still no oversell', async () => {
    const live = await publishedEvent(a, owner, rowsMap(10, 10));
    const flusher = new Redis(REDIS_URL);
    const sale = Promise.all(Array.from({ length: 800 }, (_, i) => holdThenBook(live, i)));
    await new Promise((resolve) => setTimeout(resolve, 150));
    await flusher.flushdb();
    const results = await sale;
    await flusher.quit();

    expect(a.inventory.rebuilds + b.inventory.rebuilds).toBeGreaterThanOrEqual(1);
    for (const r of results) expect([201, 404, 409]).toContain(r.statusCode);
    const rows = await activeSeats(live.eventId);
    expect(rows.every((row) => row.n === 1)).toBe(true);
    // Every booking we acknowledged is in PostgreSQL with its seat.
    const acknowledged = results.filter((r) => r.statusCode === 201).map((r) => r.json().booking);
    const { rows: stored } = await a.pg.query<{ booking_id: string; seat_id: string }>(
      'SELECT booking_id, seat_id FROM booking_seats WHERE event_id = $1 AND active',
      [live.eventId],
    );
    const storedPairs = new Set(stored.map((row) => `${row.booking_id}/${row.seat_id}`));
    for (const booking of acknowledged)
      expect(storedPairs.has(`${booking.id}/${booking.seats[0]}`)).toBe(true);
    expect(acknowledged).toHaveLength(stored.length);

    // Drift left by bookings in flight during the flush is repaired: Redis agrees with PostgreSQL.
    await reconcile(a.inventory, a.pg, live.eventId);
    const availability = (await a.inject({ url: `/api/v1/events/${live.eventId}/availability` })).json();
    const bookedInRedis = Object.entries(availability.seats)
      .filter(([, status]) => status === 'booked')
      .map(([seat]) => seat);
    expect(bookedInRedis.sort()).toEqual(rows.map((row) => row.seat_id).sort());
  }, 60_000);

  it('20 servers cold-starting one event at once: one rebuild, correct counts', async () => {
    const live = await publishedEvent(
      a,
      owner,
      rowsMap(3, 10, [{ id: 'floor', label: 'Floor', kind: 'general', capacity: 50, category: 'std' }]),
    );
    for (let i = 0; i < 4; i++) {
      expect((await holdThenBook(live, i)).statusCode).toBe(201);
    }
    await a.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/bookings`,
      headers: bearer(live.secretKey),
      payload: { quantity: 5, section: 'floor', attendee: attendee('ga') },
    });
    await a.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/seats/block`,
      headers: bearer(owner.token),
      payload: { seats: ['main-C-10'], reason: 'camera' },
    });
    const admin = new Redis(REDIS_URL);
    await admin.del(...inventoryKeys(live.eventId));

    const servers = Array.from({ length: 20 }, () => new Inventory(new Redis(REDIS_URL), a.pg, a.log));
    await Promise.all(servers.map((server) => server.ensureLoaded(live.eventId)));
    expect(servers.reduce((sum, server) => sum + server.rebuilds, 0)).toBe(1);

    const availability = (await a.inject({ url: `/api/v1/events/${live.eventId}/availability` })).json();
    expect(availability.sections).toEqual([
      { id: 'main', capacity: 30, held: 0, booked: 4, blocked: 1, available: 25 },
      { id: 'floor', capacity: 50, held: 0, booked: 5, blocked: 0, available: 45 },
    ]);
    expect(availability.seats['main-C-10']).toBe('blocked');
    await Promise.all(servers.map((server) => server.redis.quit()));
    await admin.quit();
  }, 60_000);

  it('heals a booking Redis marked but PostgreSQL never committed (a crash in between)', async () => {
    const live = await publishedEvent(a, owner, rowsMap(1, 4));
    const ghost = '00000000-0000-4000-8000-000000000001';
    // What a server dying between the Redis step and the PostgreSQL commit leaves behind.
    const marked = await a.inventory.run(live.eventId, 'book_best', { bookingId: ghost, quantity: 2 });
    expect(marked.ok).toBe(true);
    const admin = new Redis(REDIS_URL);
    await admin.zadd(inventoryKeys(live.eventId)[9]!, Date.now() - 60_000, ghost);
    expect(await a.sweeper.healPending(live.eventId)).toBe(1);
    const availability = (await a.inject({ url: `/api/v1/events/${live.eventId}/availability` })).json();
    expect(availability.seats).toEqual({});
    await admin.quit();
  });

  it('PostgreSQL refuses a seat Redis wrongly shows free, and Redis learns the owner back', async () => {
    const live = await publishedEvent(a, owner, rowsMap(1, 3));
    const first = await holdThenBook(live, 0);
    expect(first.statusCode).toBe(201);
    // Drift: Redis forgets that main-A-1 is sold (as after a rebuild that raced a commit).
    const admin = new Redis(REDIS_URL);
    await admin.hdel(inventoryKeys(live.eventId)[2]!, 'main-A-1');
    const second = await holdThenBook(live, 100);
    expect(second.statusCode).toBe(409);
    expect(second.json().error).toMatchObject({ code: 'SEAT_UNAVAILABLE', seats: ['main-A-1'] });
    expect(await admin.hget(inventoryKeys(live.eventId)[2]!, 'main-A-1')).toBe(
      `b:${first.json().booking.id}`,
    );
    const rows = await activeSeats(live.eventId);
    expect(rows).toEqual([{ seat_id: 'main-A-1', n: 1 }]);
    await admin.quit();
  });

  it("leaves alone events its PostgreSQL does not know (another deployment's, sharing Redis)", async () => {
    const live = await publishedEvent(a, owner, rowsMap(1, 2));
    const blocked = await a.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/seats/block`,
      headers: bearer(owner.token),
      payload: { seats: ['main-A-1'] },
    });
    expect(blocked.statusCode).toBe(204);
    // To this database the event does not exist (as for a server of another deployment).
    await a.pg.query('DELETE FROM events WHERE id = $1', [live.eventId]);
    expect(await reconcile(a.inventory, a.pg, live.eventId)).toEqual([]);
    const admin = new Redis(REDIS_URL);
    expect(await admin.hget(inventoryKeys(live.eventId)[2]!, 'main-A-1')).toBe('x');
    await admin.quit();
  });
});
