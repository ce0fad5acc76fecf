/**
 * `DATABASE_READ_URL`: console lists read from the replica, decisions from the primary. The
 * "replica" here is a second, migrated database that never receives the primary's rows, the most
 * stale a replica can be, so every answer shows which database it came from.
 */
import { migrate } from '@happening/server/db/migrate';
import { TEST_DATABASE_URL } from '@happening/testing/env';
import { attendee, publishedEvent, rowsMap } from '@happening/testing/inventory';
import { bearer, buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const replicaUrl = (() => {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `${url.pathname}_replica`;
  return url.toString();
})();

let app: TestApp;
let owner: SignedUp;

beforeAll(async () => {
  await migrate(replicaUrl);
  app = await buildTestApp({ DATABASE_READ_URL: replicaUrl });
  owner = await signup(app, 'replica');
}, 60_000);
afterAll(async () => {
  await app?.close();
});

describe('DATABASE_READ_URL', () => {
  it('serves console lists from the replica and decides on the primary', async () => {
    // Signing up, creating, publishing and booking all decide: they work against the primary,
    // although the replica has never heard of this account.
    const live = await publishedEvent(app, owner, rowsMap(1, 4));
    const held = await app.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/holds`,
      headers: bearer(live.publishableKey),
      payload: { seats: ['main-A-1'] },
    });
    expect(held.statusCode).toBe(200);
    const booked = await app.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/bookings`,
      headers: bearer(live.secretKey),
      payload: { holdToken: held.json().holdToken, attendee: attendee('replica') },
    });
    expect(booked.statusCode).toBe(201);
    const one = await app.inject({
      url: `/api/v1/bookings/${booked.json().booking.id}`,
      headers: bearer(owner.token),
    });
    expect(one.statusCode).toBe(200);

    // The lists come from the replica, which lags (here: for ever).
    const events = await app.inject({
      url: `/api/v1/orgs/${owner.orgId}/events`,
      headers: bearer(owner.token),
    });
    expect(events.statusCode).toBe(200);
    expect(events.json().events).toEqual([]);
    const bookings = await app.inject({
      url: `/api/v1/events/${live.eventId}/bookings`,
      headers: bearer(owner.token),
    });
    expect(bookings.json()).toMatchObject({ bookings: [], total: 0 });
    const stats = await app.inject({
      url: `/api/v1/events/${live.eventId}/stats`,
      headers: bearer(owner.token),
    });
    // Live counts come from the inventory; only the booking totals are the replica's.
    expect(stats.json()).toMatchObject({ booked: 1, confirmedBookings: 0 });

    // Once the replica catches up, the lists show the row.
    const primary = new pg.Client({ connectionString: TEST_DATABASE_URL });
    const replica = new pg.Client({ connectionString: replicaUrl });
    await Promise.all([primary.connect(), replica.connect()]);
    try {
      const { rows } = await primary.query('SELECT * FROM events WHERE id = $1', [live.eventId]);
      const row = rows[0] as Record<string, unknown>;
      const columns = Object.keys(row);
      // The replica has no organization row for it: copy the event without its foreign key check.
      await replica.query('SET session_replication_role = replica');
      await replica.query(
        `INSERT INTO events (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
        columns.map((c) => (c === 'seat_map' || c === 'settings' ? JSON.stringify(row[c]) : row[c])),
      );
    } finally {
      await Promise.all([primary.end(), replica.end()]);
    }
    const caughtUp = await app.inject({
      url: `/api/v1/orgs/${owner.orgId}/events`,
      headers: bearer(owner.token),
    });
    expect(caughtUp.json().events.map((e: { id: string }) => e.id)).toEqual([live.eventId]);
  });
});
