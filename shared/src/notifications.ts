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
  hold_expiring: 'hold_expiring',
  hold_expired: 'hold_expired',
  hold_extended: 'hold_extended',
  queue_opened: 'queue_opened',
  queue_sold_out: 'queue_sold_out',
} as const;
export type NotificationType = (typeof NotificationType)[keyof typeof NotificationType];

/** Every type, in a stable order: what an endpoint subscribed to "all" receives. */
export const NOTIFICATION_TYPES = Object.values(NotificationType) as NotificationType[];
/** One notification type, as a schema (an endpoint's subscription lists them). */
export const NotificationTypeSchema = Type.Union([
  Type.Literal('booking_confirmed'),
  Type.Literal('booking_waitlisted'),
  Type.Literal('waitlist_promoted'),
  Type.Literal('booking_cancelled'),
  Type.Literal('event_cancelled'),
  Type.Literal('invitation_received'),
  Type.Literal('hold_expiring'),
  Type.Literal('hold_expired'),
  Type.Literal('hold_extended'),
  Type.Literal('queue_opened'),
  Type.Literal('queue_sold_out'),
]);

/** The hold events: for an organization's systems only, so they go out as webhooks and nothing else. */
export const HOLD_NOTIFICATION_TYPES = ['hold_expiring', 'hold_expired', 'hold_extended'] as const;
export type HoldNotificationType = (typeof HOLD_NOTIFICATION_TYPES)[number];
export const isHoldNotificationType = (type: string): type is HoldNotificationType =>
  (HOLD_NOTIFICATION_TYPES as readonly string[]).includes(type);

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
 * A hold's life as a partner's backend follows it. The hold is named by `holderId` (the id the
 * console shows for it; the hold token is a credential and never leaves the holder) and by the
 * partner's own `externalId` when the hold was made with one.
 */
const holdFields = {
  ...common,
  eventId: Type.String({ format: 'uuid' }),
  event: EventRef,
  holderId: Type.String(),
  externalId: Type.Optional(Type.String()),
  /** When the hold expires (`hold_expired`: when it did). */
  expiresAt: Type.String({ format: 'date-time' }),
  seats: Type.Array(Type.String()),
  general: GeneralPlaces,
};
export const HoldExpiringMessage = Type.Object({ type: Type.Literal('hold_expiring'), ...holdFields });
export const HoldExpiredMessage = Type.Object({ type: Type.Literal('hold_expired'), ...holdFields });
export const HoldExtendedMessage = Type.Object({
  type: Type.Literal('hold_extended'),
  ...holdFields,
  /** `extend`: `POST /holds/:token/extend`; `checkout`: the one grace of `POST /holds/:token/checkout`. */
  reason: Type.Union([Type.Literal('extend'), Type.Literal('checkout')]),
  previousExpiresAt: Type.String({ format: 'date-time' }),
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
  HoldExpiringMessage,
  HoldExpiredMessage,
  HoldExtendedMessage,
  QueueOpenedMessage,
  QueueSoldOutMessage,
]);
export type NotificationMessage = Static<typeof NotificationMessage>;
export type HoldNotificationMessage = Extract<NotificationMessage, { type: HoldNotificationType }>;
/** The messages that reach people (email, in-app) as well as webhooks. */
export type PersonalNotificationMessage = Exclude<NotificationMessage, HoldNotificationMessage>;
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
