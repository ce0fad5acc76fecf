import { attendee, type LiveEvent, publishedEvent, rowsMap } from '@happening/testing/inventory';
import { bearer, buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let app: TestApp;
let owner: SignedUp;
beforeAll(async () => {
  app = await buildTestApp();
  owner = await signup(app, 'flow');
});
afterAll(async () => {
  await app.close();
});

const hold = (live: LiveEvent, body: object) =>
  app.inject({
    method: 'POST',
    url: `/api/v1/events/${live.eventId}/holds`,
    headers: bearer(live.publishableKey),
    payload: body,
  });
const book = (live: LiveEvent, body: object, key?: string) =>
  app.inject({
    method: 'POST',
    url: `/api/v1/events/${live.eventId}/bookings`,
    headers: { ...bearer(live.secretKey), ...(key ? { 'idempotency-key': key } : {}) },
    payload: body,
  });
const availability = async (live: LiveEvent) =>
  (await app.inject({ url: `/api/v1/events/${live.eventId}/availability` })).json();

describe('hold → book → cancel', () => {
  it('holds seats all or nothing, books exactly the held seats, and frees them on cancel', async () => {
    const live = await publishedEvent(app, owner, rowsMap(2, 4));
    const first = await hold(live, { seats: ['main-A-1', 'main-A-2'] });
    expect(first.statusCode).toBe(200);
    const { holdToken, seats, expiresAt, extensionsLeft } = first.json();
    expect(seats).toEqual(['main-A-1', 'main-A-2']);
    expect(new Date(expiresAt).getTime()).toBeGreaterThan(Date.now() + 500_000);
    expect(extensionsLeft).toBe(2);

    const clash = await hold(live, { seats: ['main-A-3', 'main-A-2'] });
    expect(clash.statusCode).toBe(409);
    expect(clash.json().error).toMatchObject({ code: 'SEAT_UNAVAILABLE', seats: ['main-A-2'] });
    // All or nothing: A-3 was not taken by the failed request.
    expect((await availability(live)).seats).toEqual({ 'main-A-1': 'held', 'main-A-2': 'held' });

    const booked = await book(live, { holdToken, attendee: attendee(1) });
    expect(booked.statusCode).toBe(201);
    const { booking, manageToken } = booked.json();
    expect(booking).toMatchObject({ status: 'confirmed', seats: ['main-A-1', 'main-A-2'], quantity: 2 });
    expect(manageToken).toMatch(/^mt_/);
    const snapshot = await availability(live);
    expect(snapshot.seats).toEqual({ 'main-A-1': 'booked', 'main-A-2': 'booked' });
    expect(snapshot.sections[0]).toMatchObject({ capacity: 8, booked: 2, held: 0, available: 6 });

    const { rows } = await app.pg.query(
      'SELECT seat_id FROM booking_seats WHERE booking_id = $1 AND active ORDER BY seat_id',
      [booking.id],
    );
    expect(rows.map((r) => r.seat_id)).toEqual(['main-A-1', 'main-A-2']);
    const outbox = await app.pg.query("SELECT type FROM outbox WHERE payload->>'bookingId' = $1", [
      booking.id,
    ]);
    expect(outbox.rows.map((r) => r.type)).toEqual(['booking_confirmed']);

    // The hold is spent: booking with it again fails.
    expect((await book(live, { holdToken, attendee: attendee(2) })).statusCode).toBe(404);

    const cancelled = await app.inject({
      method: 'POST',
      url: `/api/v1/bookings/${booking.id}/cancel`,
      payload: { manageToken, reason: 'cannot come' },
    });
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json().booking.status).toBe('cancelled');
    expect((await availability(live)).seats).toEqual({});
    const history = await app.inject({
      url: `/api/v1/bookings/${booking.id}/history`,
      headers: bearer(owner.token),
    });
    expect(history.json().history.map((h: { status: string }) => h.status)).toEqual([
      'confirmed',
      'cancelled',
    ]);
    expect(history.json().history[1]).toMatchObject({ actor: 'attendee', reason: 'cannot come' });
  });

  it('refuses unknown seats (400 naming them), drafts and foreign hold tokens', async () => {
    const live = await publishedEvent(app, owner, rowsMap(1, 3));
    const unknown = await hold(live, { seats: ['main-A-1', 'main-Z-9'] });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error).toMatchObject({ code: 'UNKNOWN_SEATS', seats: ['main-Z-9'] });

    const draft = await app.inject({
      method: 'POST',
      url: `/api/v1/orgs/${owner.orgId}/events`,
      headers: bearer(owner.token),
      payload: { name: 'Draft', startsAt: '2027-01-01T20:00:00.000Z', venue: 'Hall', seatMap: rowsMap(1, 2) },
    });
    const onDraft = await app.inject({
      method: 'POST',
      url: `/api/v1/events/${draft.json().event.id}/holds`,
      headers: bearer(live.publishableKey),
      payload: { seats: ['main-A-1'] },
    });
    expect(onDraft.statusCode).toBe(409);
    expect(onDraft.json().error.code).toBe('EVENT_NOT_ON_SALE');

    const other = await publishedEvent(app, owner, rowsMap(1, 3));
    const foreignHold = (await hold(other, { seats: ['main-A-1'] })).json().holdToken;
    const misuse = await hold(live, { seats: ['main-A-2'], holdToken: foreignHold });
    expect(misuse.statusCode).toBe(404);
    expect(misuse.json().error.code).toBe('HOLD_NOT_FOUND');
  });

  it('caps seats per hold and extensions per hold', async () => {
    const live = await publishedEvent(app, owner, rowsMap(1, 10), { maxSeatsPerBooking: 3 });
    const tooMany = await hold(live, { seats: ['main-A-1', 'main-A-2', 'main-A-3', 'main-A-4'] });
    expect(tooMany.json().error.code).toBe('HOLD_LIMIT_EXCEEDED');
    const { holdToken } = (await hold(live, { seats: ['main-A-1', 'main-A-2'] })).json();
    const more = await hold(live, { holdToken, seats: ['main-A-3', 'main-A-4'] });
    expect(more.json().error.code).toBe('HOLD_LIMIT_EXCEEDED');
    for (const left of [1, 0]) {
      const extended = await app.inject({
        method: 'POST',
        url: `/api/v1/holds/${holdToken}/extend`,
        headers: bearer(live.publishableKey),
      });
      expect(extended.json().extensionsLeft).toBe(left);
    }
    const third = await app.inject({
      method: 'POST',
      url: `/api/v1/holds/${holdToken}/extend`,
      headers: bearer(live.publishableKey),
    });
    expect(third.statusCode).toBe(409);
    expect(third.json().error.code).toBe('EXTENSION_LIMIT_REACHED');
  });

  it('books general admission within capacity and best available as one adjacent block near the front centre', async () => {
    const live = await publishedEvent(
      app,
      owner,
      rowsMap(3, 9, [{ id: 'floor', label: 'Floor', kind: 'general', capacity: 3, category: 'std' }]),
    );
    const ga = await hold(live, { general: [{ section: 'floor', quantity: 2 }] });
    expect(ga.json().general).toEqual([{ section: 'floor', quantity: 2 }]);
    const full = await hold(live, { general: [{ section: 'floor', quantity: 2 }] });
    expect(full.statusCode).toBe(409);
    const gaBooking = await book(live, { holdToken: ga.json().holdToken, attendee: attendee('ga') });
    expect(gaBooking.json().booking.general).toEqual([{ section: 'floor', quantity: 2 }]);
    const { rows } = await app.pg.query('SELECT booked FROM general_sections WHERE event_id = $1', [
      live.eventId,
    ]);
    expect(rows[0].booked).toBe(2);

    const best = await book(live, { quantity: 3, section: 'main', attendee: attendee('best') });
    expect(best.statusCode).toBe(201);
    expect(best.json().booking.seats).toEqual(['main-A-4', 'main-A-5', 'main-A-6']);
    // Two more: any pair left in row A (A-1..3, A-7..9) would strand a lone seat, so row B's centre.
    const next = await book(live, { quantity: 2, section: 'main', attendee: attendee('best2') });
    expect(next.json().booking.seats).toEqual(['main-B-4', 'main-B-5']);
    // Three fit row A's ends exactly, with no lone seat: the front row wins again.
    const third = await book(live, { quantity: 3, section: 'main', attendee: attendee('best3') });
    expect(third.json().booking.seats).toEqual(['main-A-1', 'main-A-2', 'main-A-3']);
  });

  it('answers bad hold requests with coded 4xx, never 500', async () => {
    const live = await publishedEvent(app, owner, rowsMap(1, 3));
    const cases: [object, number, string][] = [
      [{ seats: Array.from({ length: 101 }, (_, i) => `main-A-${i}`) }, 400, 'VALIDATION_FAILED'],
      [{}, 400, 'VALIDATION_FAILED'],
      [{ seats: ['main-A-1'], bestAvailable: { quantity: 1 } }, 400, 'VALIDATION_FAILED'],
      [{ seats: 'main-A-1' }, 400, 'VALIDATION_FAILED'],
      [{ general: [{ section: 'main', quantity: 1 }] }, 400, 'UNKNOWN_SEATS'],
      [{ holdToken: `${live.eventId}.hold_nope`, seats: ['main-A-1'] }, 404, 'HOLD_NOT_FOUND'],
    ];
    for (const [body, status, code] of cases) {
      const response = await hold(live, body);
      expect({ body, status: response.statusCode, code: response.json().error?.code }).toEqual({
        body,
        status,
        code,
      });
    }
    const unknownEvent = await app.inject({
      method: 'POST',
      url: '/api/v1/events/00000000-0000-4000-8000-000000000000/holds',
      headers: bearer(live.publishableKey),
      payload: { seats: ['main-A-1'] },
    });
    expect(unknownEvent.statusCode).toBe(404);
    const noQuantity = await book(live, { attendee: attendee('x') });
    expect(noQuantity.json().error.code).toBe('VALIDATION_FAILED');
  });

  it('limits hold requests per client address, with counters shared in Redis', async () => {
    const limited = await buildTestApp({ HOLD_RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const live = await publishedEvent(limited, owner, rowsMap(1, 10));
      const headers = bearer(live.publishableKey);
      const remoteAddress = `10.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
      const codes: number[] = [];
      for (let i = 1; i <= 4; i++) {
        const response = await limited.inject({
          method: 'POST',
          url: `/api/v1/events/${live.eventId}/holds`,
          headers,
          remoteAddress,
          payload: { seats: [`main-A-${i}`] },
        });
        codes.push(response.statusCode);
      }
      expect(codes).toEqual([200, 200, 200, 429]);
    } finally {
      await limited.close();
    }
  });
});
