import { publishedEvent, rowsMap } from '@happening/testing/inventory';
import {
  addMember,
  bearer,
  buildTestApp,
  type SignedUp,
  signup,
  type TestApp,
} from '@happening/testing/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let app: TestApp;
let admin: SignedUp;
let viewer: SignedUp;
let stranger: SignedUp;
beforeAll(async () => {
  app = await buildTestApp();
  admin = await signup(app, 'events');
  viewer = await addMember(app, admin.orgId, 'viewer');
  stranger = await signup(app, 'other-org');
});
afterAll(async () => {
  await app.close();
});

const draftBody = (patch: object = {}) => ({
  name: 'Gala',
  startsAt: '2027-03-01T19:30:00.000Z',
  venue: 'Opera',
  seatMap: rowsMap(2, 5),
  ...patch,
});
const create = (who: SignedUp, body: object) =>
  app.inject({
    method: 'POST',
    url: `/api/v1/orgs/${admin.orgId}/events`,
    headers: bearer(who.token),
    payload: body,
  });

describe('events', () => {
  it('creates a draft with defaults, visible only to members until published', async () => {
    const created = await create(admin, draftBody());
    expect(created.statusCode).toBe(201);
    const event = created.json().event;
    expect(event).toMatchObject({
      status: 'draft',
      capacity: 10,
      holdTtlSeconds: 600,
      maxSeatsPerBooking: 10,
      directBooking: false,
      waitlistEnabled: true,
      waitlistMode: 'auto',
    });
    expect((await app.inject({ url: `/api/v1/events/${event.id}` })).statusCode).toBe(404);
    expect(
      (await app.inject({ url: `/api/v1/events/${event.id}`, headers: bearer(stranger.token) })).statusCode,
    ).toBe(404);
    expect(
      (await app.inject({ url: `/api/v1/events/${event.id}`, headers: bearer(viewer.token) })).statusCode,
    ).toBe(200);

    const list = await app.inject({
      url: `/api/v1/orgs/${admin.orgId}/events`,
      headers: bearer(viewer.token),
    });
    expect(list.json().events.map((e: { id: string }) => e.id)).toContain(event.id);
    expect(list.json().events[0]).not.toHaveProperty('seatMap');
  });

  it('keeps creating and editing to organizers; viewers get 403, other organizations 404', async () => {
    expect((await create(viewer, draftBody())).statusCode).toBe(403);
    expect((await create(stranger, draftBody())).statusCode).toBe(404);
    const event = (await create(admin, draftBody())).json().event;
    const edit = (who: SignedUp) =>
      app.inject({
        method: 'PATCH',
        url: `/api/v1/events/${event.id}`,
        headers: bearer(who.token),
        payload: { name: 'Renamed' },
      });
    expect((await edit(viewer)).statusCode).toBe(403);
    expect((await edit(stranger)).statusCode).toBe(404);
    expect((await edit(admin)).json().event.name).toBe('Renamed');
  });

  it('names the offending item of an invalid seat map', async () => {
    const duplicate = await create(
      admin,
      draftBody({
        seatMap: {
          sections: [
            { id: 'a', label: 'A', kind: 'general', capacity: 5, category: 'std' },
            { id: 'a', label: 'A again', kind: 'general', capacity: 5, category: 'vip' },
          ],
          categories: [{ key: 'std', label: 'Standard', price: 100, currency: 'EUR' }],
        },
      }),
    );
    expect(duplicate.statusCode).toBe(400);
    expect(duplicate.json().error).toMatchObject({
      code: 'INVALID_SEAT_MAP',
      problems: ['section "a" is defined twice', 'section "a" refers to unknown category "vip"'],
    });
    const badId = await create(
      admin,
      draftBody({
        seatMap: { ...rowsMap(1, 1), sections: [{ ...rowsMap(1, 1).sections[0], id: 'has-dash' }] },
      }),
    );
    expect(badId.statusCode).toBe(400);
    expect(badId.json().error.field).toBe('body.seatMap.sections.0.id');
    const tooBig = await create(admin, draftBody({ seatMap: rowsMap(11, 10_000) }));
    expect(tooBig.json().error).toMatchObject({
      code: 'INVALID_SEAT_MAP',
      message: 'the map has 110000 places; the limit is 100000',
    });
  });

  it('freezes the map at publish: no more edits, publish twice is refused', async () => {
    const live = await publishedEvent(app, admin, rowsMap(1, 3));
    const edit = await app.inject({
      method: 'PATCH',
      url: `/api/v1/events/${live.eventId}`,
      headers: bearer(admin.token),
      payload: { name: 'Too late' },
    });
    expect(edit.statusCode).toBe(409);
    expect(edit.json().error.code).toBe('EVENT_NOT_EDITABLE');
    const again = await app.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/publish`,
      headers: bearer(admin.token),
    });
    expect(again.json().error.code).toBe('EVENT_NOT_EDITABLE');
    const { rows } = await app.pg.query('SELECT count(*)::int AS n FROM seats WHERE event_id = $1', [
      live.eventId,
    ]);
    expect(rows[0].n).toBe(3);
  });

  it('blocks and unblocks seats with a reason; blocked seats cannot be held', async () => {
    const live = await publishedEvent(app, admin, rowsMap(1, 4));
    const block = await app.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/seats/block`,
      headers: bearer(admin.token),
      payload: { seats: ['main-A-1', 'main-A-2'], reason: 'sound desk' },
    });
    expect(block.statusCode).toBe(204);
    const hold = await app.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/holds`,
      headers: bearer(live.publishableKey),
      payload: { seats: ['main-A-2'] },
    });
    expect(hold.json().error.code).toBe('SEAT_UNAVAILABLE');
    const blocked = await app.inject({
      url: `/api/v1/events/${live.eventId}/blocked-seats`,
      headers: bearer(viewer.token),
    });
    expect(blocked.json().seats).toEqual({ 'main-A-1': 'sound desk', 'main-A-2': 'sound desk' });
    const byViewer = await app.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/seats/unblock`,
      headers: bearer(viewer.token),
      payload: { seats: ['main-A-1'] },
    });
    expect(byViewer.statusCode).toBe(403);
    await app.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/seats/unblock`,
      headers: bearer(admin.token),
      payload: { seats: ['main-A-1'] },
    });
    const availability = (await app.inject({ url: `/api/v1/events/${live.eventId}/availability` })).json();
    expect(availability.seats).toEqual({ 'main-A-2': 'blocked' });
    expect(availability.sections[0]).toMatchObject({ blocked: 1, available: 3 });
  });

  it('refuses the availability to a publishable key sent from a page outside the allowed origins', async () => {
    const live = await publishedEvent(app, admin, rowsMap(1, 2));
    await app.inject({
      method: 'PUT',
      url: `/api/v1/orgs/${admin.orgId}/allowed-origins`,
      headers: bearer(admin.token),
      payload: { allowedOrigins: ['https://tickets.example.com'] },
    });
    const availability = (origin: string) =>
      app.inject({
        url: `/api/v1/events/${live.eventId}/availability`,
        headers: { ...bearer(live.publishableKey), origin },
      });
    // The widget asks for the event and its availability at once: both refuse a foreign page.
    for (const url of [`/api/v1/events/${live.eventId}`, `/api/v1/events/${live.eventId}/availability`]) {
      const refused = await app.inject({
        url,
        headers: { ...bearer(live.publishableKey), origin: 'https://evil.example' },
      });
      expect(refused.statusCode, url).toBe(403);
      expect(refused.json().error.code).toBe('ORIGIN_NOT_ALLOWED');
    }
    const allowed = await availability('https://tickets.example.com');
    expect(allowed.statusCode).toBe(200);
    expect(allowed.json().sections[0]).toMatchObject({ id: 'main', available: 2 });
    // Without a key it stays public, as documented.
    expect((await app.inject({ url: `/api/v1/events/${live.eventId}/availability` })).statusCode).toBe(200);
  });

  it('lets a publishable key book directly only when the event allows it', async () => {
    const closed = await publishedEvent(app, admin, rowsMap(1, 2));
    const refused = await app.inject({
      method: 'POST',
      url: `/api/v1/events/${closed.eventId}/bookings`,
      headers: bearer(closed.publishableKey),
      payload: { quantity: 1, attendee: { email: 'a@example.test', name: 'A' } },
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('DIRECT_BOOKING_DISABLED');
    const open = await publishedEvent(app, admin, rowsMap(1, 2), { directBooking: true });
    const booked = await app.inject({
      method: 'POST',
      url: `/api/v1/events/${open.eventId}/bookings`,
      headers: bearer(open.publishableKey),
      payload: { quantity: 1, attendee: { email: 'a@example.test', name: 'A' } },
    });
    expect(booked.statusCode).toBe(201);
    // Another organization's key cannot touch this event at all.
    const foreign = await publishedEvent(app, stranger, rowsMap(1, 1));
    const cross = await app.inject({
      method: 'POST',
      url: `/api/v1/events/${open.eventId}/holds`,
      headers: bearer(foreign.publishableKey),
      payload: { seats: ['main-A-2'] },
    });
    expect(cross.statusCode).toBe(404);
  });
});
