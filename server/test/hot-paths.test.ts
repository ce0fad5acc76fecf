/**
 * What the round-trip savings on the hold and booking paths must not change: rate limits still
 * hold across server processes when their Redis commands are pipelined, a rotated secret key
 * stops working on every server within the lookup cache's 5 s, and a booking answered before
 * Redis settled it reads and cancels like any other.
 */

import { randomUUID } from 'node:crypto';
import { attendee, publishedEvent, rowsMap } from '@happening/testing/inventory';
import { bearer, buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryKeys } from '../src/inventory/keys.js';
import { bookingsRepository, CapacityError } from '../src/modules/bookings/repository.js';

let first: TestApp;
let second: TestApp;
let owner: SignedUp;

beforeAll(async () => {
  // Two servers on the same Redis and PostgreSQL, as in production behind a load balancer.
  first = await buildTestApp({ HOLD_RATE_LIMIT_PER_MINUTE: '4' });
  second = await buildTestApp({ HOLD_RATE_LIMIT_PER_MINUTE: '4' });
  owner = await signup(first, 'hot-paths');
});
afterAll(async () => {
  await Promise.all([first?.close(), second?.close()]);
});

const randomAddress = () =>
  `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;

describe('rate limits with pipelined Redis commands', () => {
  it('lets exactly the limit of concurrent hold requests through across two servers, then 429 RATE_LIMITED', async () => {
    const live = await publishedEvent(first, owner, rowsMap(1, 20));
    const headers = bearer(live.publishableKey);
    const remoteAddress = randomAddress();
    // Ten requests at once, alternating servers: their counter increments leave in the same tick.
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 === 0 ? first : second).inject({
          method: 'POST',
          url: `/api/v1/events/${live.eventId}/holds`,
          headers,
          remoteAddress,
          payload: { seats: [`main-A-${i + 1}`] },
        }),
      ),
    );
    const codes = responses.map((response) => response.statusCode);
    expect(codes.filter((code) => code === 200)).toHaveLength(4);
    expect(codes.filter((code) => code === 429)).toHaveLength(6);
    // The limit's headers, as @fastify/rate-limit sends them.
    const remaining = responses
      .filter((r) => r.statusCode === 200)
      .map((r) => Number(r.headers['x-ratelimit-remaining']))
      .sort();
    expect(remaining).toEqual([0, 1, 2, 3]);
    for (const response of responses) expect(response.headers['x-ratelimit-limit']).toBe('4');
    for (const response of responses.filter((r) => r.statusCode === 429)) {
      expect(response.json().error.code).toBe('RATE_LIMITED');
      expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    }
  });

  it('limits changes to one hold across two servers as well', async () => {
    const live = await publishedEvent(first, owner, rowsMap(1, 20));
    const made = await first.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/holds`,
      headers: bearer(live.publishableKey),
      remoteAddress: randomAddress(),
      payload: { seats: ['main-A-1'] },
    });
    const { holdToken } = made.json();
    // A new address per request: only the per-hold counter can stop them.
    const codes: number[] = [];
    for (let i = 2; i <= 7; i++) {
      const response = await (i % 2 === 0 ? second : first).inject({
        method: 'POST',
        url: `/api/v1/events/${live.eventId}/holds`,
        headers: bearer(live.publishableKey),
        remoteAddress: randomAddress(),
        payload: { seats: [`main-A-${i}`], holdToken },
      });
      codes.push(response.statusCode);
      if (response.statusCode === 429) expect(response.json().error.code).toBe('RATE_LIMITED');
    }
    expect(codes).toEqual([200, 200, 200, 200, 429, 429]);
  });
});

describe('secret key lookups cached per server', () => {
  it('stops a rotated secret key on another server within 5 seconds, and takes the new one at once', async () => {
    const org = await signup(first, 'rotation');
    const live = await publishedEvent(first, org, rowsMap(1, 10));
    const me = (app: TestApp, key: string) =>
      app.inject({ url: `/api/v1/events/${live.eventId}/bookings`, headers: bearer(key) });
    // The second server has looked the key up and cached it.
    expect((await me(second, live.secretKey)).statusCode).toBe(200);

    const rotated = await first.inject({
      method: 'POST',
      url: `/api/v1/orgs/${org.orgId}/keys/rotate`,
      headers: bearer(org.token),
    });
    const rotatedAt = Date.now();
    const newKey = rotated.json().secretKey as string;
    // The server that rotated forgets at once; the other accepts the new key at once too.
    expect((await me(first, live.secretKey)).statusCode).toBe(401);
    expect((await me(second, newKey)).statusCode).toBe(200);

    let status = 200;
    while (status !== 401 && Date.now() - rotatedAt < 15_000) {
      status = (await me(second, live.secretKey)).statusCode;
      if (status !== 401) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(status).toBe(401);
    // The promise is 5 s from the cached lookup, which came before the rotation; slack for a busy machine.
    expect(Date.now() - rotatedAt).toBeLessThan(7_000);
  });
});

describe('a burst of requests with a key not yet cached', () => {
  it('looks the secret key up once, and answers all of them', async () => {
    const org = await signup(first, 'burst');
    const live = await publishedEvent(first, org, rowsMap(1, 10));
    const lookups: string[] = [];
    const query = second.pg.query.bind(second.pg);
    second.pg.query = ((text: unknown, ...rest: unknown[]) => {
      if (typeof text === 'string' && text.includes('secret_key_hash')) lookups.push(text);
      return (query as (...args: unknown[]) => unknown)(text, ...rest);
    }) as typeof second.pg.query;
    try {
      const responses = await Promise.all(
        Array.from({ length: 50 }, () =>
          second.inject({ url: `/api/v1/events/${live.eventId}/bookings`, headers: bearer(live.secretKey) }),
        ),
      );
      expect(responses.map((r) => r.statusCode)).toEqual(Array(50).fill(200));
      expect(lookups).toHaveLength(1);
    } finally {
      second.pg.query = query;
    }
  });
});

describe('a booking answered before Redis settled it', () => {
  it('reads back and cancels at once on either server, and frees its seat', async () => {
    const live = await publishedEvent(first, owner, rowsMap(1, 4));
    const created = await first.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/bookings`,
      headers: bearer(live.secretKey),
      payload: { quantity: 1, attendee: attendee('early') },
    });
    expect(created.statusCode).toBe(201);
    const { booking } = created.json();

    // Read and cancelled right away on the other server, whose Redis calls may overtake the settle.
    const read = await second.inject({
      url: `/api/v1/bookings/${booking.id}`,
      headers: bearer(live.secretKey),
    });
    expect(read.json().booking).toMatchObject({ id: booking.id, status: 'confirmed', seats: booking.seats });
    const cancelled = await second.inject({
      method: 'POST',
      url: `/api/v1/bookings/${booking.id}/cancel`,
      headers: bearer(live.secretKey),
      payload: {},
    });
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json().booking.status).toBe('cancelled');

    // The seat is free again for everyone, and Redis keeps nothing of the booking in flight.
    const availability = await first.inject({
      url: `/api/v1/events/${live.eventId}/availability`,
      headers: bearer(live.publishableKey),
    });
    expect(availability.json().seats[booking.seats[0]]).toBeUndefined();
    const keys = inventoryKeys(live.eventId);
    const pending = await first.redis.zcard(keys[9]!);
    expect(pending).toBe(0);
    // All four seats, the cancelled one included, can be sold again.
    const again = await second.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/bookings`,
      headers: bearer(live.secretKey),
      payload: { quantity: 4, attendee: attendee('later') },
    });
    expect(again.statusCode).toBe(201);
  });
});

describe('a group commit as one statement', () => {
  it('keeps nothing of a batch, outbox rows included, when one section cannot take its total', async () => {
    const live = await publishedEvent(
      first,
      owner,
      rowsMap(1, 4, [{ id: 'floor', label: 'Floor', kind: 'general', capacity: 3, category: 'std' }]),
    );
    const repo = bookingsRepository(first.pg);
    const job = (seats: string[], general: { section: string; quantity: number }[]) => ({
      booking: {
        id: randomUUID(),
        eventId: live.eventId,
        orgId: owner.orgId,
        status: 'confirmed' as const,
        quantity: seats.length + general.reduce((sum, g) => sum + g.quantity, 0),
        sectionId: null,
        attendee: attendee(randomUUID()),
        manageTokenHash: randomUUID(),
        createdBy: 'test',
      },
      seats,
      general,
    });
    const message = (bookingId: string) =>
      ({ id: randomUUID(), orgId: owner.orgId, type: 'booking_confirmed', bookingId }) as never;
    const counts = async (ids: string[]) => {
      const { rows } = await first.pg.query<{
        bookings: number;
        seats: number;
        outbox: number;
        booked: number;
      }>(
        `SELECT (SELECT count(*)::int FROM bookings WHERE id = ANY($1::uuid[])) AS bookings,
                (SELECT count(*)::int FROM booking_seats WHERE booking_id = ANY($1::uuid[])) AS seats,
                (SELECT count(*)::int FROM outbox WHERE payload->>'bookingId' = ANY($1::text[])) AS outbox,
                (SELECT booked FROM general_sections WHERE event_id = $2 AND section_id = 'floor') AS booked`,
        [ids, live.eventId],
      );
      return rows[0];
    };

    // 2 + 2 floor places for a floor of 3: the guard fails the statement, the seat goes back too.
    const refused = [
      job(['main-A-1'], [{ section: 'floor', quantity: 2 }]),
      job([], [{ section: 'floor', quantity: 2 }]),
    ];
    await expect(
      repo.insertConfirmedBatch(
        refused,
        refused.map((j) => message(j.booking.id)),
      ),
    ).rejects.toBeInstanceOf(CapacityError);
    expect(await counts(refused.map((j) => j.booking.id))).toEqual({
      bookings: 0,
      seats: 0,
      outbox: 0,
      booked: 0,
    });

    const accepted = [
      job(['main-A-1'], [{ section: 'floor', quantity: 1 }]),
      job(['main-A-2'], [{ section: 'floor', quantity: 2 }]),
    ];
    const createdAt = await repo.insertConfirmedBatch(
      accepted,
      accepted.map((j) => message(j.booking.id)),
    );
    expect(createdAt).toHaveLength(2);
    // Stamped in arrival order.
    expect(createdAt[0]!.getTime()).toBeLessThanOrEqual(createdAt[1]!.getTime());
    expect(await counts(accepted.map((j) => j.booking.id))).toEqual({
      bookings: 2,
      seats: 2,
      outbox: 2,
      booked: 3,
    });
    // These hand-made messages are not for any relay.
    await first.pg.query(`DELETE FROM outbox WHERE payload->>'bookingId' = ANY($1::text[])`, [
      accepted.map((j) => j.booking.id),
    ]);
  });
});
