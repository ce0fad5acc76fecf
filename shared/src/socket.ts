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

export const WIDGET_NAMESPACE = '/widget';
export const CONSOLE_NAMESPACE = '/console';

export interface WidgetClientToServer {
  join: (payload: { eventId: string; holdToken?: string }, ack: AckCallback<Availability>) => void;
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
  /** Follow a waiting-line ticket: the ack and then `queue` pushes give its state (contract of issue 13). */
  'queue:follow': (payload: { ticket: string }, ack: AckCallback<WidgetQueueTicket>) => void;
  /** Follow a waitlisted booking's live position. */
  'waitlist:watch': (
    payload: { bookingId: string; manageToken: string },
    ack: AckCallback<{ position: number }>,
  ) => void;
}

export interface WidgetServerToClient {
  seats: (message: SeatsMessage) => void;
  counts: (message: CountsMessage) => void;
  'hold-expired': (message: { holdToken: string; seatIds: string[] }) => void;
  waitlist: (message: { bookingId: string; position: number; status: Booking['status'] }) => void;
  queue: (message: WidgetQueueTicket) => void;
}

/** A waiting-line ticket's state, as the widget sees it (the contract's `QueueTicketState`). */
export interface WidgetQueueTicket {
  ticket: string;
  eventId: string;
  state: 'waiting' | 'admitted' | 'expired' | 'sold_out';
  position: number | null;
  ahead: number | null;
  etaSeconds: number | null;
  partySize: number;
  opensAt: string | null;
  preQueue?: boolean;
  admissionToken?: string;
  admissionExpiresAt?: string;
  waitlistOffered?: boolean;
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
  /** An event's waiting line, to its watchers, about every 2 s while the line is active. */
  'queue-stats': (message: WaitingRoomStats & { eventId: string }) => void;
}

/**
 * An event's waiting line for the console (`GET /events/:id/queue/stats` and the `queue-stats`
 * push; the contract of issue 13 calls it `QueueStats`, a name the broker's stats already have).
 */
export interface WaitingRoomStats {
  waiting: number;
  admittedPerMinute: number;
  activeShoppers: number;
  soldPerMinute: number;
  expectedSellOutSeconds: number | null;
  admitPerMinute: number | null;
  maxActiveShoppers: number | null;
  saleState: 'scheduled' | 'on_sale' | 'paused' | 'ended';
  /** The line over time, oldest first (about the last 60 points). */
  series: { at: string; waiting: number; admitted: number; sold: number }[];
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
