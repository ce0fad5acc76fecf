/**
 * REST bodies and responses (prefix /api/v1). The server validates with these schemas and
 * serialises through them, so a field missing here never leaks to a client.
 */
import { type Static, type TSchema, Type } from 'typebox';
import { HoldToken, SeatId, Uuid } from './ids.js';
import { SeatMap } from './seatmap.js';

const Id = Uuid;
const Email = Type.String({ format: 'email', maxLength: 254 });
const Timestamp = Type.String({ format: 'date-time' });

export const ErrorResponse = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String() }, { additionalProperties: true }),
});

// ---------------------------------------------------------------- accounts and organizations

export const Role = Type.Union([Type.Literal('admin'), Type.Literal('organizer'), Type.Literal('viewer')]);
export type Role = Static<typeof Role>;

export const User = Type.Object({ id: Id, email: Type.String(), name: Type.String() });
export const Organization = Type.Object({ id: Id, name: Type.String(), role: Role });
export type User = Static<typeof User>;
export type Organization = Static<typeof Organization>;

/** What the organization switcher shows: 1–120 characters, not only spaces (stored trimmed). */
const OrganizationName = Type.String({ minLength: 1, maxLength: 120, pattern: '\\S' });

export const SignupBody = Type.Object(
  {
    email: Email,
    password: Type.String({ minLength: 10, maxLength: 200 }),
    name: Type.String({ minLength: 1, maxLength: 120 }),
    organization: Type.Object({ name: OrganizationName }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
export const SignupResponse = Type.Object({ token: Type.String(), user: User, organization: Organization });

export const LoginBody = Type.Object(
  { email: Email, password: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
/**
 * `operator`: the account is one of the deployment's operators (`OPERATOR_EMAILS`), who see the
 * shared queues and replay every dead letter; everyone else sees only their organizations' own.
 */
const Operator = Type.Boolean({
  description: "One of the deployment's operators (OPERATOR_EMAILS): sees the shared queues",
});
export const LoginResponse = Type.Object({
  token: Type.String(),
  user: User,
  organizations: Type.Array(Organization),
  operator: Operator,
});
export const MeResponse = Type.Object({
  user: User,
  organizations: Type.Array(Organization),
  operator: Operator,
});

/** `POST /auth/logout`: without a body (or `everywhere: false`) only the calling session ends. */
export const LogoutBody = Type.Object(
  { everywhere: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
export const ChangePasswordBody = Type.Object(
  {
    currentPassword: Type.String({ minLength: 1, maxLength: 200 }),
    /** The same rule as at signup. */
    newPassword: Type.String({ minLength: 10, maxLength: 200 }),
  },
  { additionalProperties: false },
);
/** A fresh session token: every earlier one, the caller's included, was signed out. */
export const ChangePasswordResponse = Type.Object({ token: Type.String() });

export const CreateOrganizationBody = Type.Object(
  { name: OrganizationName },
  { additionalProperties: false },
);
/** Like signup's organization: the keys are read with `GET /orgs/:orgId/keys` (the secret by rotating). */
export const CreateOrganizationResponse = Type.Object({ organization: Organization });

export const OrgParams = Type.Object({ orgId: Id });
export const Member = Type.Object({
  userId: Id,
  email: Type.String(),
  name: Type.String(),
  role: Role,
  joinedAt: Timestamp,
});
export const MembersResponse = Type.Object({ members: Type.Array(Member) });
export const ChangeRoleBody = Type.Object({ role: Role }, { additionalProperties: false });

/** The publishable key replaced by the last rotation, while it still works (else both null). */
const previousPublishableKey = {
  previousPublishableKey: Type.Union([Type.String(), Type.Null()]),
  previousPublishableKeyExpiresAt: Type.Union([Timestamp, Type.Null()]),
};
export const KeysResponse = Type.Object({
  publishableKey: Type.String(),
  ...previousPublishableKey,
  secretKeyHint: Type.String(),
  allowedOrigins: Type.Array(Type.String()),
});
export const RotateKeysResponse = Type.Object({
  publishableKey: Type.String(),
  ...previousPublishableKey,
  /** Shown exactly once: only its hash is stored. */
  secretKey: Type.String(),
  secretKeyHint: Type.String(),
  allowedOrigins: Type.Array(Type.String()),
});
/**
 * A key for the console's sandboxed widget preview (`pv_…`): acts like the publishable key without
 * an origin check, until `expiresAt` (30 minutes).
 */
export const WidgetPreviewKeyResponse = Type.Object({ previewKey: Type.String(), expiresAt: Timestamp });
export const AllowedOriginsBody = Type.Object(
  {
    allowedOrigins: Type.Array(Type.String({ pattern: '^https?://[^/\\s?#]+$', maxLength: 200 }), {
      maxItems: 100,
    }),
  },
  { additionalProperties: false },
);

export const InvitationBody = Type.Object({ email: Email, role: Role }, { additionalProperties: false });
export const Invitation = Type.Object({
  id: Id,
  email: Type.String(),
  role: Role,
  status: Type.Union([Type.Literal('pending'), Type.Literal('accepted'), Type.Literal('revoked')]),
  createdAt: Timestamp,
  expiresAt: Timestamp,
});
export type Invitation = Static<typeof Invitation>;

// ---------------------------------------------------------------- events

export const EventStatus = Type.Union([
  Type.Literal('draft'),
  Type.Literal('on_sale'),
  Type.Literal('cancelled'),
]);
export const WaitlistMode = Type.Union([Type.Literal('auto'), Type.Literal('offer')]);
export type EventStatus = Static<typeof EventStatus>;
export type WaitlistMode = Static<typeof WaitlistMode>;

const eventSettings = {
  holdTtlSeconds: Type.Integer({
    minimum: 1,
    maximum: 3_600,
    description: 'How long a hold lives (seconds); at least `HOLD_TTL_MIN_SECONDS` (30 by default).',
  }),
  maxSeatsPerBooking: Type.Integer({ minimum: 1, maximum: 100 }),
  directBooking: Type.Boolean(),
  waitlistEnabled: Type.Boolean(),
  waitlistMode: WaitlistMode,
  offerWindowSeconds: Type.Integer({ minimum: 30, maximum: 86_400 }),
  maxSeatsPerAddress: Type.Union([Type.Integer({ minimum: 1, maximum: 10_000 }), Type.Null()], {
    description:
      'Seats one client address may hold at once with the publishable key (REST and widget), over all ' +
      'its holds of this event; at least `maxSeatsPerBooking`. `null` (the default) means 2 × ' +
      '`maxSeatsPerBooking`. Raise it for a sale to groups behind one address (a school, an office). ' +
      'Holds made with the secret key or a session token are not counted.',
  }),
  maxHoldsPerAddress: Type.Integer({
    minimum: 1,
    maximum: 1_000,
    description:
      'Open holds one client address may have at once with the publishable key (default 4). ' +
      'Released, expired and booked holds give their place back.',
  }),
  proofOfWork: Type.Boolean({
    description:
      'Every publishable-key hold needs a solved proof-of-work challenge (`GET /events/:id/challenge`, ' +
      'solved invisibly by the widget). Default false: then only the holds that take an address past ' +
      'half of its allowance need one.',
  }),
};

/**
 * The waiting room in front of an event's sale (docs/waiting-room.md). `admitPerMinute` and
 * `maxActiveShoppers` meter admission; `null` leaves that meter off (with both off, everyone in
 * line is admitted at once, in order).
 */
export const WaitingRoomSettings = Type.Object(
  {
    enabled: Type.Boolean(),
    admitPerMinute: Type.Union([Type.Integer({ minimum: 1, maximum: 1_000_000 }), Type.Null()]),
    maxActiveShoppers: Type.Union([Type.Integer({ minimum: 1, maximum: 1_000_000 }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type WaitingRoomSettings = Static<typeof WaitingRoomSettings>;
export const WaitingRoomPatch = Type.Partial(WaitingRoomSettings, { additionalProperties: false });
export type WaitingRoomPatch = Static<typeof WaitingRoomPatch>;

/**
 * Where the sale stands now: `scheduled` before `onSaleAt` (and for drafts), `on_sale`, `paused` by
 * the organizer, `ended` after `offSaleAt` or once the event is cancelled.
 */
export const SaleState = Type.Union([
  Type.Literal('scheduled'),
  Type.Literal('on_sale'),
  Type.Literal('paused'),
  Type.Literal('ended'),
]);
export type SaleState = Static<typeof SaleState>;

const saleWindow = {
  onSaleAt: Type.Union([Timestamp, Type.Null()], {
    description: 'When holds and bookings open; `null`: as soon as the event is published.',
  }),
  offSaleAt: Type.Union([Timestamp, Type.Null()], {
    description: 'When the sale ends; `null`: never (until the event is over or cancelled).',
  }),
};

export const CreateEventBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    startsAt: Timestamp,
    venue: Type.String({ minLength: 1, maxLength: 200 }),
    seatMap: SeatMap,
    holdTtlSeconds: Type.Optional(eventSettings.holdTtlSeconds),
    maxSeatsPerBooking: Type.Optional(eventSettings.maxSeatsPerBooking),
    directBooking: Type.Optional(eventSettings.directBooking),
    waitlistEnabled: Type.Optional(eventSettings.waitlistEnabled),
    waitlistMode: Type.Optional(eventSettings.waitlistMode),
    offerWindowSeconds: Type.Optional(eventSettings.offerWindowSeconds),
    maxSeatsPerAddress: Type.Optional(eventSettings.maxSeatsPerAddress),
    maxHoldsPerAddress: Type.Optional(eventSettings.maxHoldsPerAddress),
    proofOfWork: Type.Optional(eventSettings.proofOfWork),
    onSaleAt: Type.Optional(saleWindow.onSaleAt),
    offSaleAt: Type.Optional(saleWindow.offSaleAt),
    waitingRoom: Type.Optional(WaitingRoomPatch),
  },
  { additionalProperties: false },
);
export const UpdateEventBody = Type.Partial(CreateEventBody, { additionalProperties: false });
export type CreateEventBody = Static<typeof CreateEventBody>;

export const Event = Type.Object({
  id: Id,
  orgId: Id,
  name: Type.String(),
  startsAt: Timestamp,
  venue: Type.String(),
  status: EventStatus,
  seatMap: SeatMap,
  ...eventSettings,
  ...saleWindow,
  salePaused: Type.Boolean(),
  waitingRoom: WaitingRoomSettings,
  /** Derived from the fields above when the event was read (a cached copy may be seconds old). */
  saleState: SaleState,
  capacity: Type.Integer(),
  createdAt: Timestamp,
});
export type Event = Static<typeof Event>;
export const EventResponse = Type.Object({ event: Event });
export const EventSummary = Type.Omit(Event, ['seatMap']);
export const EventsResponse = Type.Object({ events: Type.Array(EventSummary) });
export const EventParams = Type.Object({ id: Id });

export const SeatStatus = Type.Union([
  Type.Literal('available'),
  Type.Literal('held'),
  Type.Literal('booked'),
  Type.Literal('blocked'),
]);
export type SeatStatus = Static<typeof SeatStatus>;

export const SectionCounts = Type.Object({
  id: Type.String(),
  capacity: Type.Integer(),
  available: Type.Integer(),
  held: Type.Integer(),
  booked: Type.Integer(),
  blocked: Type.Integer(),
});
export type SectionCounts = Static<typeof SectionCounts>;

export const Availability = Type.Object({
  eventId: Id,
  version: Type.Integer(),
  sections: Type.Array(SectionCounts),
  /** Reserved seats whose status is not `available`; a seat missing here is available. */
  seats: Type.Record(Type.String(), SeatStatus),
  waitlistLength: Type.Integer(),
});
export type Availability = Static<typeof Availability>;

export const BlockSeatsBody = Type.Object(
  {
    seats: Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 1_000 }),
    reason: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

// ---------------------------------------------------------------- holds

export const GeneralQuantity = Type.Object(
  { section: Type.String({ maxLength: 32 }), quantity: Type.Integer({ minimum: 1, maximum: 100 }) },
  { additionalProperties: false },
);
export type GeneralQuantity = Static<typeof GeneralQuantity>;

export const HoldBody = Type.Object(
  {
    seats: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })),
    general: Type.Optional(Type.Array(GeneralQuantity, { maxItems: 20 })),
    bestAvailable: Type.Optional(
      Type.Object(
        {
          quantity: Type.Integer({ minimum: 1, maximum: 100 }),
          section: Type.Optional(Type.String({ maxLength: 32 })),
        },
        { additionalProperties: false },
      ),
    ),
    holdToken: Type.Optional(HoldToken),
    externalId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 120,
        pattern: '^[^\\u0000-\\u001F\\u007F]+$',
        description:
          "The partner's own reference for this hold (an order or cart id), carried by its hold " +
          'webhooks (`hold_expiring`, `hold_expired`, `hold_extended`). Secret key or session only; ' +
          'named when the hold is made, not when places are added to it.',
      }),
    ),
    admissionToken: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 300,
        description:
          "The queue ticket's admission (`GET /queue/:ticket`), needed with the publishable key while " +
          "the event's waiting room is active (else 403 `ADMISSION_REQUIRED`).",
      }),
    ),
    altcha: Type.Optional(
      Type.String({
        maxLength: 2_048,
        description:
          'A solved proof-of-work challenge: the base64 ALTCHA payload (the challenge from ' +
          '`GET /events/:id/challenge` with the `number` found). Needed when the event has ' +
          '`proofOfWork` on, or when the answer was 428 `CHALLENGE_REQUIRED`; each solution is ' +
          'accepted once, before its challenge expires.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type HoldBody = Static<typeof HoldBody>;

/**
 * An ALTCHA challenge (https://altcha.org, protocol v1): find `number` (0 … `maxnumber`) such
 * that SHA-256(`salt` + `number`) in hex equals `challenge`, then send
 * base64(JSON {algorithm, challenge, number, salt, signature}) as a hold's `altcha`.
 */
export const ProofOfWorkChallenge = Type.Object(
  {
    algorithm: Type.String(),
    challenge: Type.String(),
    maxnumber: Type.Integer(),
    salt: Type.String(),
    signature: Type.String(),
  },
  {
    description:
      'An ALTCHA challenge: find `number` with SHA-256(salt + number) = challenge (hex), then send ' +
      "base64(JSON {algorithm, challenge, number, salt, signature}) as the hold's `altcha`. " +
      'It expires (the `expires` parameter in `salt`) and is bound to this event.',
  },
);
export type ProofOfWorkChallenge = Static<typeof ProofOfWorkChallenge>;

export const Hold = Type.Object({
  holdToken: Type.String(),
  eventId: Id,
  expiresAt: Timestamp,
  seats: Type.Array(Type.String()),
  general: Type.Array(GeneralQuantity),
  extensionsLeft: Type.Integer(),
  externalId: Type.Optional(Type.String()),
  /** Set once `POST /holds/:token/checkout` granted its grace: when it was asked. */
  checkoutAt: Type.Optional(Timestamp),
});
export type Hold = Static<typeof Hold>;
// Path params take a real hold token (74 characters) on every route; one schema for all of them.
export const HoldParams = Type.Object({ holdToken: HoldToken });
export const HoldSeatParams = Type.Object({ holdToken: HoldToken, seatId: SeatId });

// ---------------------------------------------------------------- bookings and waitlist

export const Attendee = Type.Object(
  {
    email: Email,
    name: Type.String({ minLength: 1, maxLength: 120 }),
    externalId: Type.Optional(Type.String({ maxLength: 120 })),
  },
  { additionalProperties: false },
);
export type Attendee = Static<typeof Attendee>;

export const BookingBody = Type.Object(
  {
    holdToken: Type.Optional(HoldToken),
    quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    section: Type.Optional(Type.String({ maxLength: 32 })),
    attendee: Attendee,
    admissionToken: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 300,
        description:
          'With the publishable key, while the waiting room is active, a booking by `quantity` (direct ' +
          "or onto the waitlist) needs the queue ticket's admission (else 403 `ADMISSION_REQUIRED`).",
      }),
    ),
  },
  { additionalProperties: false },
);
export type BookingBody = Static<typeof BookingBody>;

export const BookingStatus = Type.Union([
  Type.Literal('confirmed'),
  Type.Literal('waitlisted'),
  Type.Literal('offered'),
  Type.Literal('cancelled'),
  Type.Literal('expired'),
]);
export type BookingStatus = Static<typeof BookingStatus>;

export const Booking = Type.Object({
  id: Id,
  eventId: Id,
  status: BookingStatus,
  quantity: Type.Integer(),
  seats: Type.Array(Type.String()),
  general: Type.Array(GeneralQuantity),
  attendee: Attendee,
  waitlistPosition: Type.Optional(Type.Integer()),
  /** For `offered` bookings: when the held seats pass to the next in line. */
  offerExpiresAt: Type.Optional(Timestamp),
  /**
   * For `offered` bookings: the places held for the attendee until `expiresAt`. They are not in
   * `seats`/`general`, which list only places the booking owns (from the claim on).
   */
  offer: Type.Optional(
    Type.Object({
      seats: Type.Array(Type.String()),
      general: Type.Array(GeneralQuantity),
      expiresAt: Timestamp,
    }),
  ),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Booking = Static<typeof Booking>;
/** Only the answer that creates a booking carries its manage token. */
export const CreatedBookingResponse = Type.Object({ booking: Booking, manageToken: Type.String() });
export const BookingResponse = Type.Object({ booking: Booking });
export const BookingsResponse = Type.Object({ bookings: Type.Array(Booking), total: Type.Integer() });
/** The event as a booking's own page shows it: no seat map, only its sections' names. */
export const BookingEvent = Type.Object({
  id: Id,
  name: Type.String(),
  startsAt: Timestamp,
  venue: Type.String(),
  status: EventStatus,
  sections: Type.Array(Type.Object({ id: Type.String(), label: Type.String() })),
});
/** The booking's latest status change: who made it (coarsely: no user ids) and the reason given. */
export const BookingStatusChange = Type.Object({
  status: BookingStatus,
  by: Type.Union([Type.Literal('attendee'), Type.Literal('organizer'), Type.Literal('system')]),
  reason: Type.Union([Type.String(), Type.Null()]),
  at: Timestamp,
});
/** `GET /bookings/:id`: the booking with what its page needs beside it. */
export const BookingDetailsResponse = Type.Object({
  booking: Booking,
  event: BookingEvent,
  statusChange: BookingStatusChange,
});
export type BookingEvent = Static<typeof BookingEvent>;
export type BookingStatusChange = Static<typeof BookingStatusChange>;

export const BookingParams = Type.Object({ id: Id });
export const CancelBookingBody = Type.Object(
  {
    reason: Type.Optional(Type.String({ maxLength: 500 })),
    manageToken: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { additionalProperties: false },
);
export const BookingHistoryEntry = Type.Object({
  status: BookingStatus,
  actor: Type.String(),
  reason: Type.Union([Type.String(), Type.Null()]),
  at: Timestamp,
});
export const BookingHistoryResponse = Type.Object({ history: Type.Array(BookingHistoryEntry) });

export const WaitlistEntry = Type.Object({
  bookingId: Id,
  position: Type.Integer(),
  quantity: Type.Integer(),
  section: Type.Union([Type.String(), Type.Null()]),
  attendee: Attendee,
  createdAt: Timestamp,
});
export const WaitlistResponse = Type.Object({ waitlist: Type.Array(WaitlistEntry) });

export const EventStats = Type.Object({
  eventId: Id,
  capacity: Type.Integer(),
  available: Type.Integer(),
  held: Type.Integer(),
  booked: Type.Integer(),
  blocked: Type.Integer(),
  activeHolds: Type.Integer(),
  confirmedBookings: Type.Integer(),
  cancelledBookings: Type.Integer(),
  waitlistLength: Type.Integer(),
  version: Type.Integer(),
});
export type EventStats = Static<typeof EventStats>;

// ---------------------------------------------------------------- operations

export const QueueDepth = Type.Object({
  name: Type.String(),
  ready: Type.Integer(),
  unacked: Type.Integer(),
  consumers: Type.Integer(),
});
export const QueueStats = Type.Object({
  queues: Type.Array(QueueDepth),
  deadLetters: Type.Integer(),
  outbox: Type.Object({
    backlog: Type.Integer(),
    oldestAgeSeconds: Type.Union([Type.Number(), Type.Null()]),
  }),
  perMinute: Type.Array(
    Type.Object({ minute: Timestamp, delivered: Type.Integer(), failed: Type.Integer() }),
  ),
});
export type QueueStats = Static<typeof QueueStats>;

/** `Type.Object` helper for `{ data }`-less list answers stays in each module; this one names a schema set. */
export function withErrors<T extends Record<number, TSchema>>(responses: T) {
  return { ...responses, '4xx': ErrorResponse };
}
