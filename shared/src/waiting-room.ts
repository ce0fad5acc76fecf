/**
 * The waiting room's contract (docs/waiting-room.md): a queue ticket's state as REST answers it
 * and the `/widget` socket pushes it, the body of a join, and the console's live line statistics.
 */
import { type Static, Type } from 'typebox';
import { SaleState } from './api.js';
import { Uuid } from './ids.js';

const Timestamp = Type.String({ format: 'date-time' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

/** `<eventId>.q_<random>`: the event's id leads, so `GET /queue/:ticket` finds its event. */
export const QUEUE_TICKET_PATTERN =
  '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\.q_[A-Za-z0-9_-]{22}$';
export const QueueTicket = Type.String({ pattern: QUEUE_TICKET_PATTERN, maxLength: 64 });
const queueTicketRegExp = new RegExp(QUEUE_TICKET_PATTERN);
export const isQueueTicket = (value: unknown): value is string =>
  typeof value === 'string' && queueTicketRegExp.test(value);

/** `adm.<…>`: signed by the server, bound to one ticket and its event, valid until `admissionExpiresAt`. */
export const AdmissionToken = Type.String({ minLength: 1, maxLength: 300 });

export const QueueJoinBody = Type.Object(
  {
    partySize: Type.Integer({ minimum: 1, maximum: 100 }),
    altcha: Type.Optional(
      Type.String({
        maxLength: 2_048,
        description:
          'A solved proof-of-work challenge (`GET /events/:id/challenge`), exactly as for holds. Every ' +
          'publishable-key join needs one.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type QueueJoinBody = Static<typeof QueueJoinBody>;
export const QueueTicketParams = Type.Object({ ticket: QueueTicket });

export const QueueTicketStateName = Type.Union([
  Type.Literal('waiting'),
  Type.Literal('admitted'),
  Type.Literal('expired'),
  Type.Literal('sold_out'),
]);

export const QueueTicketState = Type.Object({
  ticket: Type.String(),
  eventId: Uuid,
  /**
   * `waiting` in line; `admitted` (use `admissionToken` until `admissionExpiresAt`); `expired`: the
   * admission is over (booked, released, its hold expired, or it timed out); `sold_out`: the event
   * sold out before this ticket's turn (see `waitlistOffered`).
   */
  state: QueueTicketStateName,
  /** 1-based place among those still waiting; `null` before the opening shuffle (`preQueue`). */
  position: Nullable(Type.Integer({ minimum: 1 })),
  /** Tickets waiting ahead of this one; `null` before the opening shuffle. */
  ahead: Nullable(Type.Integer({ minimum: 0 })),
  /** Expected wait from the admission rate measured over the last minute (the configured rate before any). */
  etaSeconds: Nullable(Type.Integer({ minimum: 0 })),
  partySize: Type.Integer(),
  /** Joined before the sale opened: the place is drawn by the opening shuffle. */
  preQueue: Type.Boolean(),
  /** When the sale opens (`onSaleAt`), while it has not. */
  opensAt: Nullable(Timestamp),
  admissionToken: Type.Optional(AdmissionToken),
  admissionExpiresAt: Type.Optional(Timestamp),
  /**
   * Sold out with the event's waitlist on: `admissionToken` then lets this ticket join the
   * waitlist (`POST /events/:id/bookings` with `quantity` ≤ `partySize`).
   */
  waitlistOffered: Type.Optional(Type.Boolean()),
});
export type QueueTicketState = Static<typeof QueueTicketState>;

export const WaitingRoomPoint = Type.Object({
  at: Timestamp,
  /** Waiting in line at that moment. */
  waiting: Type.Integer(),
  /** Admitted since the line began (a running total). */
  admitted: Type.Integer(),
  /** Places booked at that moment (a running total). */
  sold: Type.Integer(),
});

/**
 * The console's view of one event's line (`GET /events/:id/queue/stats`, and pushed as
 * `queue-stats`). Named apart from `QueueStats`, which is the deployment's RabbitMQ queues.
 */
export const WaitingRoomStats = Type.Object({
  eventId: Uuid,
  waiting: Type.Integer(),
  admittedPerMinute: Type.Integer(),
  activeShoppers: Type.Integer(),
  soldPerMinute: Type.Integer(),
  expectedSellOutSeconds: Nullable(Type.Integer()),
  admitPerMinute: Nullable(Type.Integer()),
  maxActiveShoppers: Nullable(Type.Integer()),
  enabled: Type.Boolean(),
  saleState: SaleState,
  /** The last ~60 samples, oldest first (one every `QUEUE_STATS_INTERVAL_MS`). */
  series: Type.Array(WaitingRoomPoint),
});
export type WaitingRoomStats = Static<typeof WaitingRoomStats>;
