import { createHash, createHmac } from 'node:crypto';
import type { NotificationMessage } from '@happening/shared';
import { attendee, publishedEvent, rowsMap } from '@happening/testing/inventory';
import { bearer, buildTestApp, signup, type TestApp } from '@happening/testing/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashManageToken, ManageLinks } from '../src/modules/bookings/manage-links.js';

const secret = 'a-token-secret-of-at-least-32-characters';
const links = new ManageLinks(secret, 'https://tickets.example.test/');
const bookingId = '8a1f1b9e-3c1d-4d55-9b7a-2f0c7d1e9a10';

describe('manage links', () => {
  it('derives the same token for a booking every time, another for every other booking or secret', () => {
    const token = links.tokenFor(bookingId);
    expect(token).toMatch(/^mt_[A-Za-z0-9_-]{43}$/);
    expect(new ManageLinks(secret, 'https://elsewhere.test').tokenFor(bookingId)).toBe(token);
    expect(links.tokenFor('8a1f1b9e-3c1d-4d55-9b7a-2f0c7d1e9a11')).not.toBe(token);
    expect(new ManageLinks(`${secret}!`, 'https://tickets.example.test').tokenFor(bookingId)).not.toBe(token);
    // Not keyed by TOKEN_SECRET itself: the session-signing key never signs manage tokens.
    const withSessionKey = createHmac('sha256', secret)
      .update(`manage-token:${bookingId}`)
      .digest('base64url');
    expect(token).not.toBe(`mt_${withSessionKey}`);
  });

  it('rebuilds the link of a booking with a derived token, and of no other', () => {
    const token = links.tokenFor(bookingId);
    expect(links.urlOf({ id: bookingId, manageTokenHash: hashManageToken(token) })).toBe(
      `https://tickets.example.test/bookings/${bookingId}#${token}`,
    );
    // A random token of a booking made before: only its hash is known, so there is no link.
    const random = createHash('sha256').update('mt_random-from-before').digest('hex');
    expect(links.urlOf({ id: bookingId, manageTokenHash: random })).toBeUndefined();
    // After TOKEN_SECRET changed, old tokens are not rebuilt either.
    const rotated = new ManageLinks(`${secret}-rotated`, 'https://tickets.example.test');
    expect(rotated.urlOf({ id: bookingId, manageTokenHash: hashManageToken(token) })).toBeUndefined();
  });
});

describe('after TOKEN_SECRET changes', () => {
  let before: TestApp;
  let after: TestApp;
  beforeAll(async () => {
    before = await buildTestApp({ TOKEN_SECRET: `${secret}-before` });
    after = await buildTestApp({ TOKEN_SECRET: `${secret}-after` });
  });
  afterAll(async () => {
    await Promise.all([before?.close(), after?.close()]);
  });

  it('still opens and cancels with the link mailed before; later emails about it carry no link', async () => {
    const owner = await signup(before);
    const live = await publishedEvent(before, owner, rowsMap(1, 2));
    const made = await before.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/bookings`,
      headers: bearer(live.secretKey),
      payload: { quantity: 1, attendee: attendee('rotated') },
    });
    expect(made.statusCode, made.body).toBe(201);
    const { booking, manageToken } = made.json();

    // The database keeps the token's hash, so the link in the confirmation keeps working.
    const seen = await after.inject({
      url: `/api/v1/bookings/${booking.id}`,
      headers: { 'x-manage-token': manageToken },
    });
    expect(seen.statusCode, seen.body).toBe(200);
    expect(seen.json().booking.status).toBe('confirmed');
    const cancelled = await after.inject({
      method: 'POST',
      url: `/api/v1/bookings/${booking.id}/cancel`,
      payload: { manageToken },
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);

    // The new secret cannot rebuild that token, so the cancellation email goes without a link
    // rather than with one that would not open the booking.
    const { rows } = await after.pg.query<{ payload: NotificationMessage }>(
      `SELECT payload FROM outbox WHERE type = 'booking_cancelled' AND payload->>'bookingId' = $1`,
      [booking.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.payload).not.toHaveProperty('manageUrl');
  });
});
