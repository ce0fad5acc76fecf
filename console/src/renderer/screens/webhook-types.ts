/**
 * The notification types an endpoint can subscribe to, in the words the Webhooks screen uses.
 * The record is exhaustive, so a new type in shared/ fails the type-check until it has a label.
 */
import { NOTIFICATION_TYPES, type NotificationType } from '@happening/shared';

export const WEBHOOK_TYPE_LABELS: Record<NotificationType, string> = {
  booking_confirmed: 'Booking confirmed',
  booking_waitlisted: 'Joined the waitlist',
  waitlist_promoted: 'Promoted from the waitlist',
  booking_cancelled: 'Booking cancelled',
  event_cancelled: 'Event cancelled',
  invitation_received: 'Invitation sent',
  hold_expiring: 'Hold about to expire',
  hold_expired: 'Hold expired',
  hold_extended: 'Hold extended (or checkout started)',
  queue_opened: 'Waiting room opened',
  queue_sold_out: 'Sold out while people waited',
};

export const WEBHOOK_TYPES: NotificationType[] = NOTIFICATION_TYPES;

/** What an endpoint receives, in one line: `null` (no list) is every type, later ones included. */
export function describeSubscription(types: readonly string[] | null): string {
  if (types === null) return 'Every type';
  return types.map((type) => WEBHOOK_TYPE_LABELS[type as NotificationType] ?? type).join(', ');
}

/**
 * The `types` to register with: every box ticked means no list at all, so the endpoint also gets
 * types added later.
 */
export function subscriptionOf(chosen: ReadonlySet<NotificationType>): NotificationType[] | undefined {
  if (WEBHOOK_TYPES.every((type) => chosen.has(type))) return undefined;
  return WEBHOOK_TYPES.filter((type) => chosen.has(type));
}
