/**
 * Sale windows (issue 13): before `onSaleAt`, after `offSaleAt` and while paused, holds and
 * bookings answer 409 NOT_ON_SALE with the times; the organizer opens early, pauses and resumes.
 */
import { attendee, publishedEvent, rowsMap } from '@happening/testing/inventory';
import { bearer, buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let app: TestApp;
let owner: SignedUp;
beforeAll(async () => {
  app = await buildTestApp();
  owner = await signup(app, 'sale-window');
});
afterAll(async () => {
  await app?.close();
});

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();
const hold = (live: { eventId: string; publishableKey: string }) =>
  app.inject({
    method: 'POST',
    url: `/api/v1/events/${live.eventId}/holds`,
    headers: bearer(live.publishableKey),
    payload: { seats: ['main-A-1'] },
  });
const control = (eventId: string, what: 'open' | 'pause' | 'resume', token = owner.token) =>
  app.inject({ method: 'POST', url: `/api/v1/events/${eventId}/sale/${what}`, headers: bearer(token) });

describe('sale windows', () => {
  it('refuses holds and bookings before onSaleAt with the time, and opens early on request', async () => {
    const onSaleAt = inAnHour();
    const live = await publishedEvent(app, owner, rowsMap(1, 4), { onSaleAt, directBooking: true });
    const read = await app.inject({ url: `/api/v1/events/${live.eventId}` });
    expect(read.json().event).toMatchObject({ onSaleAt, saleState: 'scheduled', salePaused: false });

    const early = await hold(live);
    expect(early.statusCode).toBe(409);
    expect(early.json().error).toMatchObject({ code: 'NOT_ON_SALE', saleState: 'scheduled', onSaleAt });
    const booking = await app.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/bookings`,
      headers: bearer(live.secretKey),
      payload: { quantity: 1, attendee: attendee('early') },
    });
    expect(booking.json().error.code).toBe('NOT_ON_SALE');

    const opened = await control(live.eventId, 'open');
    expect(opened.statusCode).toBe(200);
    expect(opened.json().event.saleState).toBe('on_sale');
    // The server that took the control forgets its cached copy at once.
    expect((await hold(live)).statusCode).toBe(200);
  });

  it('pauses and resumes: paused holds are refused, a hold made before can still be booked', async () => {
    const live = await publishedEvent(app, owner, rowsMap(1, 4));
    const before = await hold(live);
    expect(before.statusCode).toBe(200);
    expect((await control(live.eventId, 'pause')).json().event.saleState).toBe('paused');
    expect((await hold(live)).json().error).toMatchObject({ code: 'NOT_ON_SALE', saleState: 'paused' });
    const booked = await app.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/bookings`,
      headers: bearer(live.secretKey),
      payload: { holdToken: before.json().holdToken, attendee: attendee('paused') },
    });
    expect(booked.statusCode).toBe(201);
    expect((await control(live.eventId, 'resume')).json().event.saleState).toBe('on_sale');
    // main-A-1 is booked now: the refusal is the seat's, no longer the sale's.
    expect((await hold(live)).json().error.code).toBe('SEAT_UNAVAILABLE');
  });

  it('ends at offSaleAt, refuses a window that ends before it starts, and keeps the controls to organizers', async () => {
    const past = new Date(Date.now() - 1_000).toISOString();
    const live = await publishedEvent(app, owner, rowsMap(1, 4), {
      onSaleAt: new Date(Date.now() - 60_000).toISOString(),
      offSaleAt: past,
    });
    expect((await hold(live)).json().error).toMatchObject({ code: 'NOT_ON_SALE', saleState: 'ended' });
    const bad = await app.inject({
      method: 'POST',
      url: `/api/v1/orgs/${owner.orgId}/events`,
      headers: bearer(owner.token),
      payload: {
        name: 'Backwards',
        startsAt: '2027-01-01T20:00:00.000Z',
        venue: 'Hall',
        seatMap: rowsMap(1, 2),
        onSaleAt: inAnHour(),
        offSaleAt: past,
      },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('VALIDATION_FAILED');
    const stranger = await signup(app, 'stranger');
    expect((await control(live.eventId, 'pause', stranger.token)).statusCode).toBeGreaterThanOrEqual(403);
    const patch = await app.inject({
      method: 'PATCH',
      url: `/api/v1/events/${live.eventId}/waiting-room`,
      headers: bearer(owner.token),
      payload: { enabled: true, admitPerMinute: 120 },
    });
    expect(patch.json().event.waitingRoom).toEqual({
      enabled: true,
      admitPerMinute: 120,
      maxActiveShoppers: null,
    });
  });
});
