/**
 * Notification messages: what the outbox stores, the relay publishes and the worker consumes.
 * Envelope: JSON, contentType application/json, persistent, AMQP messageId = outbox row id.
 */
import { type Static, Type } from 'typebox';

export const NotificationType = {
  booking_confirmed: 'booking_confirmed',
  booking_waitlisted: 'booking_waitlisted',
  waitlist_promoted: 'waitlist_promoted',
  booking_cancelled: 'booking_cancelled',
  event_cancelled: 'event_cancelled',
  invitation_received: 'invitation_received',
  queue_opened: 'queue_opened',
  queue_sold_out: 'queue_sold_out',
} as const;
export type NotificationType = (typeof NotificationType)[keyof typeof NotificationType];

const Person = Type.Object({
  email: Type.String(),
  name: Type.String(),
  externalId: Type.Optional(Type.String()),
});
const EventRef = Type.Object({
  id: Type.String(),
  name: Type.String(),
  startsAt: Type.String(),
  venue: Type.String(),
});
const GeneralPlaces = Type.Array(Type.Object({ section: Type.String(), quantity: Type.Integer() }));

const common = {
  id: Type.String({ format: 'uuid' }),
  occurredAt: Type.String({ format: 'date-time' }),
  orgId: Type.String({ format: 'uuid' }),
};

const bookingFields = {
  ...common,
  eventId: Type.String({ format: 'uuid' }),
  bookingId: Type.String({ format: 'uuid' }),
  event: EventRef,
  attendee: Person,
  seats: Type.Array(Type.String()),
  general: GeneralPlaces,
  quantity: Type.Integer(),
  /** Link where the attendee can see or cancel the booking. */
  manageUrl: Type.Optional(Type.String()),
};

export const BookingConfirmedMessage = Type.Object({
  type: Type.Literal('booking_confirmed'),
  ...bookingFields,
});
export const BookingWaitlistedMessage = Type.Object({
  type: Type.Literal('booking_waitlisted'),
  ...bookingFields,
  waitlistPosition: Type.Integer(),
});
export const WaitlistPromotedMessage = Type.Object({
  type: Type.Literal('waitlist_promoted'),
  ...bookingFields,
  /** `auto`: the booking is confirmed. `offer`: seats are held until `offerExpiresAt`. */
  mode: Type.Union([Type.Literal('auto'), Type.Literal('offer')]),
  offerExpiresAt: Type.Optional(Type.String()),
});
export const BookingCancelledMessage = Type.Object({
  type: Type.Literal('booking_cancelled'),
  ...bookingFields,
  reason: Type.Optional(Type.String()),
});
export const EventCancelledMessage = Type.Object({
  type: Type.Literal('event_cancelled'),
  ...bookingFields,
  reason: Type.Optional(Type.String()),
});
export const InvitationReceivedMessage = Type.Object({
  type: Type.Literal('invitation_received'),
  ...common,
  invitationId: Type.String({ format: 'uuid' }),
  invitee: Type.Object({ email: Type.String() }),
  role: Type.String(),
  organizationName: Type.String(),
  invitedBy: Type.String(),
  /**
   * `PUBLIC_URL/invitations#<token>`, for the invitee's email only: webhooks receive the message
   * without it and the in-app line never mentions it (whoever holds the token can create the
   * invited account).
   */
  acceptUrl: Type.String(),
});

/**
 * The waiting room's news for partners (webhooks and the console's inbox; no email): the line
 * opened, with how many were waiting in the pre-queue; the event sold out, with how many were
 * still waiting (each told so, and offered the waitlist where it is on).
 */
export const QueueOpenedMessage = Type.Object({
  type: Type.Literal('queue_opened'),
  ...common,
  eventId: Type.String({ format: 'uuid' }),
  event: EventRef,
  waiting: Type.Integer(),
});
export const QueueSoldOutMessage = Type.Object({
  type: Type.Literal('queue_sold_out'),
  ...common,
  eventId: Type.String({ format: 'uuid' }),
  event: EventRef,
  waiting: Type.Integer(),
  waitlistOffered: Type.Boolean(),
});

export const NotificationMessage = Type.Union([
  BookingConfirmedMessage,
  BookingWaitlistedMessage,
  WaitlistPromotedMessage,
  BookingCancelledMessage,
  EventCancelledMessage,
  InvitationReceivedMessage,
  QueueOpenedMessage,
  QueueSoldOutMessage,
]);
export type NotificationMessage = Static<typeof NotificationMessage>;
export type BookingConfirmedMessage = Static<typeof BookingConfirmedMessage>;
export type BookingWaitlistedMessage = Static<typeof BookingWaitlistedMessage>;
export type WaitlistPromotedMessage = Static<typeof WaitlistPromotedMessage>;
export type BookingCancelledMessage = Static<typeof BookingCancelledMessage>;
export type EventCancelledMessage = Static<typeof EventCancelledMessage>;
export type InvitationReceivedMessage = Static<typeof InvitationReceivedMessage>;
export type QueueOpenedMessage = Static<typeof QueueOpenedMessage>;
export type QueueSoldOutMessage = Static<typeof QueueSoldOutMessage>;

/** What the console's inbox shows, pushed live over `/console`. */
export interface InAppNotification {
  id: string;
  orgId: string;
  type: NotificationType | 'delivery_failed';
  title: string;
  body: string;
  eventId?: string;
  bookingId?: string;
  createdAt: string;
  readAt?: string | null;
}
