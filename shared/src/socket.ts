/**
 * Socket.IO event maps shared by the server and every client, so a payload change breaks the
 * build on both sides instead of in production.
 */
import type {
  Availability,
  Booking,
  EventStats,
  Hold,
  QueueStats,
  SeatStatus,
  SectionCounts,
} from './api.js';
import type { ErrorBody } from './errors.js';
import type { InAppNotification } from './notifications.js';
import type { QueueTicketState, WaitingRoomStats } from './waiting-room.js';

export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };
export type AckCallback<T> = (answer: Ack<T>) => void;

export interface SeatChange {
  seatId: string;
  status: SeatStatus;
}

/**
 * Console watchers also learn who holds or booked a seat. Never the hold token (a credential):
 * `holderId` is an opaque id, the same for every seat of one hold while it lasts.
 */
export interface ConsoleSeatChange extends SeatChange {
  holderId?: string;
  holdExpiresAt?: string;
  bookingId?: string;
  attendeeName?: string;
  reason?: string;
}

export interface SeatsMessage<C extends SeatChange = SeatChange> {
  eventId: string;
  /** Availability version after these changes; a client that sees a gap refetches the snapshot. */
  version: number;
  /** Version before these changes (the client's last version should equal it). */
  fromVersion: number;
  changes: C[];
}

export interface CountsMessage {
  eventId: string;
  version: number;
  sections: SectionCounts[];
  waitlistLength: number;
}

/** Where the event's sale stands, beside the seats in the widget's `join` snapshot. */
export interface SaleInfo {
  saleState: 'scheduled' | 'on_sale' | 'paused' | 'ended';
  onSaleAt: string | null;
  offSaleAt: string | null;
  /** The waiting room is on: join the line (`POST /events/:id/queue`) before holding. */
  waitingRoom: boolean;
}

/** The widget's `join` answer: the seats, and the sale's state (a countdown before `onSaleAt`). */
export interface WidgetSnapshot extends Availability {
  sale: SaleInfo;
}

export const WIDGET_NAMESPACE = '/widget';
export const CONSOLE_NAMESPACE = '/console';

export interface WidgetClientToServer {
  join: (payload: { eventId: string; holdToken?: string }, ack: AckCallback<WidgetSnapshot>) => void;
  leave: (payload: { eventId: string }, ack?: AckCallback<null>) => void;
  /** `altcha`: a solved proof-of-work challenge, as the REST hold's body field of that name. */
  hold: (
    payload: {
      eventId: string;
      seatIds: string[];
      holdToken?: string;
      altcha?: string;
      admissionToken?: string;
    },
    ack: AckCallback<Hold>,
  ) => void;
  release: (
    payload: { holdToken: string; seatIds: string[] },
    ack: AckCallback<{ released: string[] }>,
  ) => void;
  /** Follow a waitlisted booking's live position. */
  'waitlist:watch': (
    payload: { bookingId: string; manageToken: string },
    ack: AckCallback<{ position: number }>,
  ) => void;
  /**
   * Follow a waiting-room ticket live (`queue` messages); send it again after a reconnect. The ack
   * is the ticket's state now.
   */
  'queue:follow': (payload: { ticket: string }, ack: AckCallback<QueueTicketState>) => void;
}

export interface WidgetServerToClient {
  seats: (message: SeatsMessage) => void;
  counts: (message: CountsMessage) => void;
  'hold-expired': (message: { holdToken: string; seatIds: string[] }) => void;
  waitlist: (message: { bookingId: string; position: number; status: Booking['status'] }) => void;
  /** A followed ticket's state, when it changed (at most one per ticket per `QUEUE_PUSH_INTERVAL_MS`). */
  queue: (message: QueueTicketState) => void;
}

/** Who holds (an opaque holder id, never the hold token) or booked a taken seat. */
export interface SeatHolder {
  holderId?: string;
  bookingId?: string;
}

/** The console's snapshot also says who holds or booked each taken seat. */
export interface ConsoleAvailability extends Availability {
  holders?: Record<string, SeatHolder>;
}

export interface ConsoleClientToServer {
  watch: (payload: { eventId: string }, ack: AckCallback<ConsoleAvailability>) => void;
  unwatch: (payload: { eventId: string }, ack?: AckCallback<null>) => void;
  /** Join the organization's room for in-app notifications. */
  'org:watch': (payload: { orgId: string }, ack: AckCallback<null>) => void;
  /** Leave it again: the console switched to another organization and must not hear this one. */
  'org:unwatch': (payload: { orgId: string }, ack?: AckCallback<null>) => void;
}

export interface ConsoleServerToClient {
  seats: (message: SeatsMessage<ConsoleSeatChange>) => void;
  counts: (message: CountsMessage) => void;
  stats: (message: EventStats) => void;
  booking: (message: { eventId: string; booking: Booking }) => void;
  notification: (message: InAppNotification) => void;
  /** Deployment-wide queue stats: only the sockets of operators (`OPERATOR_EMAILS`) receive them. */
  queues: (message: QueueStats) => void;
  /** A watched event's waiting-room line, every `QUEUE_STATS_INTERVAL_MS` while it has one. */
  'queue-stats': (message: WaitingRoomStats) => void;
}

/** Room names, shared by the server and the worker's Redis emitter. */
export const rooms = {
  widgetEvent: (eventId: string) => `event:${eventId}`,
  consoleEvent: (eventId: string) => `console-event:${eventId}`,
  org: (orgId: string) => `org:${orgId}`,
  booking: (bookingId: string) => `booking:${bookingId}`,
  /** Every /console socket of one person, so the server can act on all of them (e.g. on removal). */
  user: (userId: string) => `user:${userId}`,
};
