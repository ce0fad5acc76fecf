/**
 * Broadcasts nobody can receive are not sent: a booking the request itself just made has nobody
 * in its booking room (its id is only in the answer), so the confirmation goes to consoles only;
 * a later change of that booking (a cancel) still reaches its room.
 */

import { rooms, WIDGET_NAMESPACE } from '@happening/shared';
import { attendee, publishedEvent, rowsMap } from '@happening/testing/inventory';
import { bearer, buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import { afterAll, beforeAll, expect, it } from 'vitest';

let app: TestApp;
let owner: SignedUp;
beforeAll(async () => {
  app = await buildTestApp();
  owner = await signup(app, 'broadcasts');
});
afterAll(async () => {
  await app.close();
});

it('a new booking is not broadcast to its own (empty) room; its cancellation is', async () => {
  const live = await publishedEvent(app, owner, rowsMap(1, 10));
  const widget = app.io.of(WIDGET_NAMESPACE);
  const addressed: string[] = [];
  const to = widget.to.bind(widget);
  // Records the rooms the widget namespace is asked to broadcast to (the real call still runs).
  widget.to = ((room: string | string[]) => {
    addressed.push(...[room].flat());
    return to(room);
  }) as typeof widget.to;
  try {
    const booked = await app.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/bookings`,
      headers: bearer(live.secretKey),
      payload: { quantity: 1, attendee: attendee('fresh') },
    });
    expect(booked.statusCode).toBe(201);
    const bookingId = booked.json().booking.id as string;
    expect(addressed).not.toContain(rooms.booking(bookingId));
    const cancelled = await app.inject({
      method: 'POST',
      url: `/api/v1/bookings/${bookingId}/cancel`,
      headers: bearer(live.secretKey),
      payload: {},
    });
    expect(cancelled.statusCode).toBe(200);
    expect(addressed).toContain(rooms.booking(bookingId));
  } finally {
    widget.to = to;
  }
});
