import { testEnv } from '@happening/testing/env';
import { attendee, type LiveEvent, publishedEvent, rowsMap } from '@happening/testing/inventory';
import { bearer, buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import { freshAddress } from '@happening/testing/sockets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';

// A script with the public key of a `directBooking` event could book it out, or fill its line,
// with made-up attendees. With the shipped limits (5 bookings and 3 waitlist joins per address
// per event per 10 minutes) it gets no further than a family would go.
let app: TestApp;
let setup: TestApp;
let owner: SignedUp;

beforeAll(async () => {
  const env = testEnv();
  delete env.DIRECT_BOOKING_LIMIT;
  delete env.WAITLIST_JOIN_LIMIT;
  [app, setup] = await Promise.all([buildApp(loadConfig(env)), buildTestApp()]);
  owner = await signup(setup, 'attendee-limits');
});
afterAll(async () => Promise.all([app.close(), setup.close()]));

const book = (
  live: LiveEvent,
  remoteAddress: string,
  who: string,
  options: { key?: string; idempotencyKey?: string } = {},
) =>
  app.inject({
    method: 'POST',
    url: `/api/v1/events/${live.eventId}/bookings`,
    remoteAddress,
    headers: {
      ...bearer(options.key ?? live.publishableKey),
      ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
    },
    payload: { quantity: 1, attendee: attendee(who) },
  });

const bookingsOf = async (live: LiveEvent, status: string) =>
  Number(
    (
      await app.pg.query<{ n: string }>(
        'SELECT count(*) AS n FROM bookings WHERE event_id = $1 AND status = $2',
        [live.eventId, status],
      )
    ).rows[0]!.n,
  );

describe('publishable-key bookings per address and event', () => {
  it('refuses the 6th booking from one address with 429 and Retry-After; another address or event is unaffected', async () => {
    const live = await publishedEvent(setup, owner, rowsMap(2, 10), { directBooking: true });
    const script = freshAddress();
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) codes.push((await book(live, script, `fake-${i}`)).statusCode);
    expect(codes).toEqual([201, 201, 201, 201, 201, 429]);

    const refused = await book(live, script, 'fake-again');
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error).toMatchObject({ code: 'RATE_LIMITED' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(600);
    expect(await bookingsOf(live, 'confirmed')).toBe(5);

    // Another family, and the same address at another event, book as usual.
    expect((await book(live, freshAddress(), 'family')).statusCode).toBe(201);
    const other = await publishedEvent(setup, owner, rowsMap(1, 10), { directBooking: true });
    expect((await book(other, script, 'elsewhere')).statusCode).toBe(201);
  });

  it('does not count a partner backend booking with its secret key', async () => {
    const live = await publishedEvent(setup, owner, rowsMap(2, 10), { directBooking: true });
    const backend = freshAddress();
    const codes: number[] = [];
    for (let i = 0; i < 8; i++) {
      codes.push((await book(live, backend, `guest-${i}`, { key: live.secretKey })).statusCode);
    }
    expect(codes).toEqual(Array(8).fill(201));
  });
});

describe('waitlist joins per address and event', () => {
  it('refuses the 4th join from one address and leaves nothing behind; another address still joins', async () => {
    const live = await publishedEvent(setup, owner, rowsMap(1, 2), { directBooking: true });
    // Sold out by the organizer's backend (not counted).
    for (let i = 0; i < 2; i++) {
      expect((await book(live, freshAddress(), `buyer-${i}`, { key: live.secretKey })).statusCode).toBe(201);
    }
    const script = freshAddress();
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push((await book(live, script, `line-${i}`)).statusCode);
    expect(codes).toEqual([202, 202, 202]);

    // With an Idempotency-Key: the 429 is not kept as the key's answer.
    const refused = await book(live, script, 'line-3', { idempotencyKey: `wl-${script}` });
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(await bookingsOf(live, 'waitlisted')).toBe(3);
    const kept = await app.pg.query('SELECT 1 FROM idempotency_keys WHERE key = $1', [`wl-${script}`]);
    expect(kept.rowCount).toBe(0);

    expect((await book(live, freshAddress(), 'family')).statusCode).toBe(202);
    expect(await bookingsOf(live, 'waitlisted')).toBe(4);
  });
});
