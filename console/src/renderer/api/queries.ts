/** Query keys and fetchers in one place, so a socket message can refresh exactly what it changes. */

import type {
  Availability,
  Booking,
  BookingHistoryEntry,
  Delivery,
  Event,
  EventStats,
  EventSummary,
  InAppNotification,
  Invitation,
  KeysResponse,
  Member,
  QueueStats,
  WaitlistEntry,
  WebhookEndpoint,
} from '@happening/shared';
import { useQuery } from '@tanstack/react-query';
import type { Static } from 'typebox';
import { useSignedIn } from '../app/session.js';

export type EventSummaryT = Static<typeof EventSummary>;
export type MemberT = Static<typeof Member>;
export type KeysT = Static<typeof KeysResponse>;
export type WaitlistEntryT = Static<typeof WaitlistEntry>;
export type HistoryEntryT = Static<typeof BookingHistoryEntry>;
export type {
  Availability,
  Booking,
  Delivery,
  Event,
  EventStats,
  InAppNotification,
  Invitation,
  QueueStats,
  WebhookEndpoint,
};

export const keys = {
  events: (orgId: string) => ['events', orgId] as const,
  event: (eventId: string) => ['event', eventId] as const,
  availability: (eventId: string) => ['availability', eventId] as const,
  stats: (eventId: string) => ['stats', eventId] as const,
  waitlist: (eventId: string) => ['waitlist', eventId] as const,
  bookings: (eventId: string, filter: object) => ['bookings', eventId, filter] as const,
  history: (bookingId: string) => ['history', bookingId] as const,
  members: (orgId: string) => ['members', orgId] as const,
  invitations: (orgId: string) => ['invitations', orgId] as const,
  keys: (orgId: string) => ['keys', orgId] as const,
  previewKey: (orgId: string) => ['widget-preview-key', orgId] as const,
  queues: (orgId: string) => ['queues', orgId] as const,
  deadLetters: (orgId: string) => ['dead-letters', orgId] as const,
  notifications: (orgId: string) => ['notifications', orgId] as const,
  webhooks: (orgId: string) => ['webhooks', orgId] as const,
  webhookDeliveries: (orgId: string) => ['webhook-deliveries', orgId] as const,
};

export function useEvents() {
  const { api, org } = useSignedIn();
  return useQuery({
    queryKey: keys.events(org.id),
    queryFn: () => api.get<{ events: EventSummaryT[] }>(`/orgs/${org.id}/events`).then((r) => r.events),
  });
}

export function useEvent(eventId: string) {
  const { api } = useSignedIn();
  return useQuery({
    queryKey: keys.event(eventId),
    queryFn: () => api.get<{ event: Event }>(`/events/${eventId}`).then((r) => r.event),
  });
}

export function useEventStats(eventId: string) {
  const { api } = useSignedIn();
  return useQuery({
    queryKey: keys.stats(eventId),
    queryFn: () => api.get<EventStats>(`/events/${eventId}/stats`),
  });
}

export function useWaitlist(eventId: string) {
  const { api } = useSignedIn();
  return useQuery({
    queryKey: keys.waitlist(eventId),
    queryFn: () =>
      api.get<{ waitlist: WaitlistEntryT[] }>(`/events/${eventId}/waitlist`).then((r) => r.waitlist),
  });
}
