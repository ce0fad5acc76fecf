import type { CreateEventBody, SeatMap } from '@happening/shared';
import { bearer, type SignedUp, type TestApp } from './server.js';

export function rowsMap(rows: number, seatsPerRow: number, extra: SeatMap['sections'] = []): SeatMap {
  return {
    sections: [
      {
        id: 'main',
        label: 'Main',
        kind: 'reserved',
        category: 'std',
        rows: Array.from({ length: rows }, (_, i) => ({
          label: String.fromCharCode(65 + (i % 26)) + (i >= 26 ? i : ''),
          seats: seatsPerRow,
        })),
      },
      ...extra,
    ],
    categories: [{ key: 'std', label: 'Standard', price: 5000, currency: 'EUR' }],
  };
}

export interface LiveEvent {
  eventId: string;
  publishableKey: string;
  secretKey: string;
}

/** Creates and publishes an event for `owner`, returning its id and the org's keys. */
export async function publishedEvent(
  app: TestApp,
  owner: SignedUp,
  seatMap: SeatMap,
  settings: Partial<CreateEventBody> = {},
): Promise<LiveEvent> {
  const created = await app.inject({
    method: 'POST',
    url: `/api/v1/orgs/${owner.orgId}/events`,
    headers: bearer(owner.token),
    payload: {
      name: 'Test night',
      startsAt: '2027-01-01T20:00:00.000Z',
      venue: 'Hall',
      seatMap,
      ...settings,
    },
  });
  if (created.statusCode !== 201) throw new Error(`create failed: ${created.body}`);
  const eventId = created.json().event.id;
  const published = await app.inject({
    method: 'POST',
    url: `/api/v1/events/${eventId}/publish`,
    headers: bearer(owner.token),
  });
  if (published.statusCode !== 200) throw new Error(`publish failed: ${published.body}`);
  const keys = await app.inject({
    method: 'POST',
    url: `/api/v1/orgs/${owner.orgId}/keys/rotate`,
    headers: bearer(owner.token),
  });
  return { eventId, publishableKey: keys.json().publishableKey, secretKey: keys.json().secretKey };
}

export const attendee = (n: number | string) => ({
  email: `attendee-${n}@example.test`,
  name: `Attendee ${n}`,
});
