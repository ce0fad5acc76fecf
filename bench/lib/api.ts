/** Sets up what a suite needs through the public REST API, as an organizer would. */
import { randomUUID } from 'node:crypto';
import { type CreateEventBody, reservedSeats, type SeatMap } from '@happening/shared';

export interface Organizer {
  url: string;
  token: string;
  orgId: string;
  publishableKey: string;
  secretKey: string;
}

async function call<T>(
  url: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

export async function newOrganizer(url: string, allowedOrigins: string[] = []): Promise<Organizer> {
  const email = `bench-${randomUUID()}@example.test`;
  const signedUp = await call<{ token: string; organization: { id: string } }>(
    url,
    'POST',
    '/auth/signup',
    undefined,
    {
      email,
      password: 'correct horse battery staple',
      name: 'Bench organizer',
      organization: { name: `Bench ${new Date().toISOString()}` },
    },
  );
  const orgId = signedUp.organization.id;
  const keys = await call<{ publishableKey: string; secretKey: string }>(
    url,
    'POST',
    `/orgs/${orgId}/keys/rotate`,
    signedUp.token,
  );
  if (allowedOrigins.length > 0) {
    await call(url, 'PUT', `/orgs/${orgId}/allowed-origins`, signedUp.token, { allowedOrigins });
  }
  return { url, token: signedUp.token, orgId, ...keys };
}

/** One reserved section of `seats` seats, 50 to a row (row labels stay unique past 26 rows). */
export function benchSeatMap(seats: number): SeatMap {
  const perRow = Math.min(50, seats);
  const rows = Math.ceil(seats / perRow);
  return {
    sections: [
      {
        id: 'main',
        label: 'Main',
        kind: 'reserved',
        category: 'std',
        rows: Array.from({ length: rows }, (_, i) => ({
          label: `R${i + 1}`,
          seats: i === rows - 1 ? seats - perRow * (rows - 1) : perRow,
        })),
      },
    ],
    categories: [{ key: 'std', label: 'Standard', price: 5000, currency: 'EUR' }],
  };
}

export const seatIdsOf = (map: SeatMap): string[] => [...reservedSeats(map)].map((seat) => seat.id);

/** Creates and publishes an event; the widget may book directly and nobody waits in line. */
export async function publishedEvent(
  organizer: Organizer,
  seats: number,
  settings: Partial<CreateEventBody> = {},
): Promise<{ eventId: string; seatIds: string[] }> {
  const seatMap = benchSeatMap(seats);
  const created = await call<{ event: { id: string } }>(
    organizer.url,
    'POST',
    `/orgs/${organizer.orgId}/events`,
    organizer.token,
    {
      name: 'Bench night',
      startsAt: '2030-01-01T20:00:00.000Z',
      venue: 'Bench hall',
      seatMap,
      holdTtlSeconds: 600,
      directBooking: true,
      waitlistEnabled: false,
      // Every simulated attendee shares this machine's address: lift the per-address hold caps
      // (as the server's rate limits are lifted) so the benchmark measures holds, not the cap.
      maxHoldsPerAddress: 1_000,
      maxSeatsPerAddress: 10_000,
      ...settings,
    },
  );
  await call(organizer.url, 'POST', `/events/${created.event.id}/publish`, organizer.token);
  return { eventId: created.event.id, seatIds: seatIdsOf(seatMap) };
}
