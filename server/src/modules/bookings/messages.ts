import { randomUUID } from 'node:crypto';
import type { Event, NotificationMessage } from '@happening/shared';
import type { BookingRecord } from './repository.js';

type BookingMessageType =
  | 'booking_confirmed'
  | 'booking_waitlisted'
  | 'waitlist_promoted'
  | 'booking_cancelled'
  | 'event_cancelled';

/** The notification for a booking's state change, as the worker will receive it. */
export function bookingMessage(
  type: BookingMessageType,
  event: Event,
  booking: BookingRecord,
  extra: { manageUrl?: string; reason?: string; mode?: 'auto' | 'offer'; offerExpiresAt?: string } = {},
): NotificationMessage {
  const common = {
    id: randomUUID(),
    occurredAt: new Date().toISOString(),
    orgId: event.orgId,
    eventId: event.id,
    bookingId: booking.id,
    event: { id: event.id, name: event.name, startsAt: event.startsAt, venue: event.venue },
    attendee: booking.attendee,
    seats: booking.seats,
    general: booking.general,
    quantity: booking.quantity,
    ...(extra.manageUrl ? { manageUrl: extra.manageUrl } : {}),
  };
  switch (type) {
    case 'booking_waitlisted':
      return { ...common, type, waitlistPosition: booking.waitlistPosition ?? 0 };
    case 'waitlist_promoted':
      return {
        ...common,
        type,
        mode: extra.mode ?? 'auto',
        ...(extra.offerExpiresAt ? { offerExpiresAt: extra.offerExpiresAt } : {}),
      };
    case 'booking_cancelled':
    case 'event_cancelled':
      return { ...common, type, ...(extra.reason ? { reason: extra.reason } : {}) };
    default:
      return { ...common, type };
  }
}
