import { attendee, type LiveEvent, publishedEvent, rowsMap } from '@happening/testing/inventory';
import { bearer, buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryKeys } from '../src/inventory/keys.js';

// Two servers: one where events are over 6 hours after their start (idle eviction far away, so
// only "over" can explain an eviction), one where an inventory is idle after a second. Their own
// sweepers never tick during the test (an hour apart): the test runs the upkeep itself, and
// other test files' events in the shared Redis and database are left to their own servers.
const quietSweeper = { HOLD_SWEEP_INTERVAL_MS: '3600000' };
let overApp: TestApp;
let idleApp: TestApp;
let app: TestApp;
let owner: SignedUp;
beforeAll(async () => {
  [overApp, idleApp] = await Promise.all([
    buildTestApp({ ...quietSweeper, EVENT_OVER_AFTER_HOURS: '6' }),
    buildTestApp({ ...quietSweeper, INVENTORY_IDLE_SECONDS: '1' }),
  ]);
  app = overApp;
  owner = await signup(app, 'eviction');
});
afterAll(async () => {
  await Promise.all([overApp.close(), idleApp.close()]);
});

const hold = (live: LiveEvent, seats: string[]) =>
  app.inject({
    method: 'POST',
    url: `/api/v1/events/${live.eventId}/holds`,
    headers: bearer(live.publishableKey),
    payload: { seats },
  });
const release = (live: LiveEvent, holdToken: string) =>
  app.inject({ method: 'DELETE', url: `/api/v1/holds/${holdToken}`, headers: bearer(live.publishableKey) });
const availability = (live: LiveEvent) => app.inject({ url: `/api/v1/events/${live.eventId}/availability` });
/** How many of the event's inventory keys exist in Redis. */
const keysInRedis = (eventId: string) => app.redis.exists(...inventoryKeys(eventId));
const metaStatus = (eventId: string) => app.redis.hget(inventoryKeys(eventId)[0]!, 'status');

async function bookOne(live: LiveEvent, seat: string): Promise<void> {
  const { holdToken } = (await hold(live, [seat])).json();
  const booked = await app.inject({
    method: 'POST',
    url: `/api/v1/events/${live.eventId}/bookings`,
    headers: bearer(live.secretKey),
    payload: { holdToken, attendee: attendee(seat) },
  });
  expect(booked.statusCode).toBe(201);
}

describe('an event that is over', () => {
  it('stops selling, leaves Redis once its last hold is gone, and still answers availability', async () => {
    const live = await publishedEvent(app, owner, rowsMap(1, 4));
    await bookOne(live, 'main-A-1');
    const held = await hold(live, ['main-A-2']);
    expect(held.statusCode).toBe(200);
    // The show started seven hours ago: over, since EVENT_OVER_AFTER_HOURS is 6.
    await app.pg.query(`UPDATE events SET starts_at = now() - interval '7 hours' WHERE id = $1`, [
      live.eventId,
    ]);

    await app.sweeper.upkeep(live.eventId);
    // A hold still lives in Redis, so the inventory stays, but nothing more is sold.
    expect(await keysInRedis(live.eventId)).toBeGreaterThan(0);
    const late = await hold(live, ['main-A-3']);
    expect(late.statusCode).toBe(409);
    expect(late.json().error.code).toBe('EVENT_NOT_ON_SALE');

    expect((await release(live, held.json().holdToken)).statusCode).toBe(204);
    await app.sweeper.upkeep(live.eventId);
    expect(await keysInRedis(live.eventId)).toBe(0);
    expect(await app.redis.sismember('inv:active-events', live.eventId)).toBe(0);

    // A later read rebuilds from PostgreSQL: the sold seat is still sold, and the sale stays closed.
    const rebuildsBefore = app.inventory.rebuilds;
    const read = await availability(live);
    expect(read.statusCode).toBe(200);
    expect(read.json().seats).toEqual({ 'main-A-1': 'booked' });
    expect(app.inventory.rebuilds).toBe(rebuildsBefore + 1);
    expect(await metaStatus(live.eventId)).toBe('over');
    expect((await hold(live, ['main-A-3'])).json().error.code).toBe('EVENT_NOT_ON_SALE');
    // And the next upkeep takes it out again.
    await app.sweeper.upkeep(live.eventId);
    expect(await keysInRedis(live.eventId)).toBe(0);
  });
});

describe('an idle event', () => {
  it('leaves Redis after INVENTORY_IDLE_SECONDS without holds or changes, and sells on after a rebuild', async () => {
    app = idleApp;
    const live = await publishedEvent(app, owner, rowsMap(1, 4));
    await bookOne(live, 'main-A-1');
    const held = await hold(live, ['main-A-2']);
    // While a hold lives, idleness never evicts.
    await app.sweeper.upkeep(live.eventId);
    expect(await keysInRedis(live.eventId)).toBeGreaterThan(0);
    await release(live, held.json().holdToken);

    await expect
      .poll(
        async () => {
          await app.sweeper.upkeep(live.eventId);
          return keysInRedis(live.eventId);
        },
        { timeout: 20_000, interval: 200 },
      )
      .toBe(0);

    // Still on sale: the next hold rebuilds the inventory, with the sold seat still sold.
    const again = await hold(live, ['main-A-1', 'main-A-2']);
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({ code: 'SEAT_UNAVAILABLE', seats: ['main-A-1'] });
    expect((await hold(live, ['main-A-2'])).statusCode).toBe(200);
    expect((await availability(live)).json().seats).toEqual({ 'main-A-1': 'booked', 'main-A-2': 'held' });
    expect(await metaStatus(live.eventId)).toBe('on_sale');
  });
});
