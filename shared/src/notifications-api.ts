/**
 * REST bodies and answers of the notification features: webhook endpoints, delivery status,
 * in-app notifications, invitations and dead-letter replay (prefix /api/v1).
 */
import { type Static, Type } from 'typebox';
import { Invitation, Organization, SignupBody } from './api.js';
import { Uuid } from './ids.js';
import { NOTIFICATION_TYPES, NotificationTypeSchema } from './notifications.js';

const Id = Uuid;
const Timestamp = Type.String({ format: 'date-time' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

// ---------------------------------------------------------------- webhook endpoints

/** One notification type an endpoint can subscribe to. */
export const WebhookEventType = NotificationTypeSchema;
const WebhookTypes = Type.Array(WebhookEventType, {
  minItems: 1,
  maxItems: NOTIFICATION_TYPES.length,
  uniqueItems: true,
  description:
    'The notification types this endpoint receives. Omitted on creation: every type, including ' +
    'types added later.',
});
const webhookUrl = Type.String({ minLength: 8, maxLength: 2_000 });
const webhookDescription = Type.String({ maxLength: 200 });
export const WebhookEndpointBody = Type.Object(
  {
    url: webhookUrl,
    description: Type.Optional(webhookDescription),
    types: Type.Optional(WebhookTypes),
  },
  { additionalProperties: false },
);
/** A change of an endpoint: what is named changes; `types: null` subscribes it to every type again. */
export const WebhookEndpointUpdate = Type.Object(
  {
    url: Type.Optional(webhookUrl),
    description: Type.Optional(webhookDescription),
    types: Type.Optional(Nullable(WebhookTypes)),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type WebhookEndpointUpdate = Static<typeof WebhookEndpointUpdate>;
export const WebhookEndpoint = Type.Object({
  id: Id,
  url: Type.String(),
  description: Type.String(),
  /** What it is subscribed to; `null`: every type, including types added later. */
  types: Nullable(Type.Array(WebhookEventType)),
  /** Last characters of the signing secret, to recognise it. */
  secretHint: Type.String(),
  createdAt: Timestamp,
  rotatedAt: Nullable(Timestamp),
});
/** Only on creation and rotation does the answer carry the secret itself. */
export const WebhookEndpointCreated = Type.Object({
  ...WebhookEndpoint.properties,
  secret: Type.String(),
});
export const WebhookEndpointsResponse = Type.Object({ endpoints: Type.Array(WebhookEndpoint) });
export const WebhookSecretRotated = Type.Object({
  id: Id,
  secret: Type.String(),
  /** Until then deliveries are signed with both secrets (Standard Webhooks allows several). */
  previousSecretExpiresAt: Timestamp,
});
export const WebhookTestResult = Type.Object({
  delivered: Type.Boolean(),
  status: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
});
export const WebhookParams = Type.Object({ orgId: Id, endpointId: Id });
export type WebhookEndpoint = Static<typeof WebhookEndpoint>;

// ---------------------------------------------------------------- delivery status

export const DeliveryStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('sent'),
  Type.Literal('failed'),
]);
export const DeliveryChannel = Type.Union([
  Type.Literal('email'),
  Type.Literal('webhook'),
  Type.Literal('in_app'),
]);
export const Delivery = Type.Object({
  id: Id,
  messageId: Id,
  type: Type.String(),
  channel: DeliveryChannel,
  /** Email address, webhook endpoint id, or organization id (in-app). */
  target: Type.String(),
  status: DeliveryStatus,
  attempts: Type.Integer(),
  lastError: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  sentAt: Nullable(Timestamp),
});
export type Delivery = Static<typeof Delivery>;
export const DeliveriesQuery = Type.Object(
  {
    status: Type.Optional(DeliveryStatus),
    /** Only this channel, e.g. `webhook` for the console's per-endpoint delivery health. */
    channel: Type.Optional(DeliveryChannel),
    messageId: Type.Optional(Id),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  { additionalProperties: false },
);
export const DeliveriesResponse = Type.Object({ deliveries: Type.Array(Delivery) });
/** One notification from outbox to person: publishing state, then each delivery. */
export const NotificationStatus = Type.Object({
  messageId: Id,
  type: Type.String(),
  createdAt: Timestamp,
  publishedAt: Nullable(Timestamp),
  publishAttempts: Type.Integer(),
  lastPublishError: Nullable(Type.String()),
  /** Every delivery is final (sent, or failed and dead-lettered). */
  handled: Type.Boolean(),
  deliveries: Type.Array(Delivery),
});
export const NotificationParams = Type.Object({ orgId: Id, messageId: Id });

// ---------------------------------------------------------------- in-app notifications

export const InAppNotificationSchema = Type.Object({
  id: Id,
  orgId: Id,
  type: Type.String(),
  title: Type.String(),
  body: Type.String(),
  eventId: Type.Optional(Id),
  bookingId: Type.Optional(Id),
  createdAt: Timestamp,
  readAt: Nullable(Timestamp),
});
export const InAppNotificationsResponse = Type.Object({ notifications: Type.Array(InAppNotificationSchema) });

// ---------------------------------------------------------------- invitations

export const InvitationsResponse = Type.Object({ invitations: Type.Array(Invitation) });
/**
 * An invitation token travels only in request bodies: a URL (path or query) lands in access logs,
 * proxies and browser history, and whoever holds the token can create the invited account.
 */
const InvitationToken = Type.String({ minLength: 16, maxLength: 200 });
/** The old path forms (`/invitations/:token…`), kept only to answer them with a clear 410. */
export const InvitationTokenParams = Type.Object({ token: Type.String({ maxLength: 1_000 }) });
export const InvitationTokenBody = Type.Object({ token: InvitationToken }, { additionalProperties: false });
export const InvitationParams = Type.Object({ orgId: Id, invitationId: Id });
export const AcceptInvitationResponse = Type.Object({ organization: Organization });
/** What the invitation page shows before the invitee accepts. */
export const InvitationPreview = Type.Object({
  organizationName: Type.String(),
  email: Type.String(),
  role: Invitation.properties.role,
  status: Invitation.properties.status,
  expired: Type.Boolean(),
  expiresAt: Timestamp,
});
/**
 * A new account made from an invitation link: its address is the invited one (the link proves the
 * mailbox), and it joins only the inviting organization instead of getting one of its own.
 */
export const InvitationSignupBody = Type.Object(
  { token: InvitationToken, name: SignupBody.properties.name, password: SignupBody.properties.password },
  { additionalProperties: false },
);

// ---------------------------------------------------------------- operations

export const ReplayDeadLettersBody = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1_000 })) },
  { additionalProperties: false },
);
export const ReplayDeadLettersResponse = Type.Object({ replayed: Type.Integer() });
/** A dead letter as an organization's admin sees it: what failed and why, never the message body. */
export const DeadLetter = Type.Object({
  messageId: Type.String(),
  type: Type.String(),
  /** The worker's reason (e.g. the SMTP or webhook answer), or the broker's (`delivery_limit`). */
  reason: Type.String(),
  deadLetteredAt: Nullable(Timestamp),
});
export const DeadLettersQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })) },
  { additionalProperties: false },
);
export const DeadLettersResponse = Type.Object({
  /** Oldest first, at most `limit`. */
  deadLetters: Type.Array(DeadLetter),
  /** How many of the organization's letters the queue holds (of the first 10,000 letters). */
  total: Type.Integer(),
});
export type DeadLetter = Static<typeof DeadLetter>;
