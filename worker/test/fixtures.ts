import { randomUUID } from 'node:crypto';
import type { BookingConfirmedMessage } from '@happening/shared';

/** A valid `booking_confirmed` message for `orgId`, with fresh ids and a fresh attendee address. */
export function confirmedMessage(orgId: string): BookingConfirmedMessage {
  return {
    type: 'booking_confirmed',
    id: randomUUID(),
    occurredAt: new Date().toISOString(),
    orgId,
    eventId: randomUUID(),
    bookingId: randomUUID(),
    event: {
      id: randomUUID(),
      name: 'Harbour Lights',
      startsAt: '2030-06-01T20:00:00.000Z',
      venue: 'Pier 4',
    },
    attendee: { email: `a-${randomUUID()}@example.test`, name: 'Linus' },
    seats: ['balc-C-3'],
    general: [],
    quantity: 1,
  };
}
