import type { PersonalNotificationMessage } from '@happening/shared';

/** The messages about one attendee's booking (not invitations, not hold events, not the waiting room's news). */
type BookingMessage = Exclude<
  PersonalNotificationMessage,
  { type: 'invitation_received' | 'queue_opened' | 'queue_sold_out' }
>;

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const dateFormat = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'full',
  timeStyle: 'short',
  timeZone: 'UTC',
});

/** Event times are stored in UTC; emails say so rather than guess the reader's zone. */
export function formatWhen(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${dateFormat.format(date)} UTC`;
}

/** "orch-A-1, orch-A-2 and 2 × Standing" — what the attendee holds, in one line. */
export function describePlaces(message: BookingMessage): string {
  const parts = [...message.seats, ...message.general.map((place) => `${place.quantity} × ${place.section}`)];
  if (parts.length === 0) return `${message.quantity} ${message.quantity === 1 ? 'place' : 'places'}`;
  if (parts.length === 1) return parts[0]!;
  return `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

export type { BookingMessage };
