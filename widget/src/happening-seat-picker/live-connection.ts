import type {
  Ack,
  Availability,
  CountsMessage,
  Hold,
  SeatsMessage,
  WidgetClientToServer,
  WidgetServerToClient,
} from '@happening/shared';
// The schema-free subpath: the package index would bring TypeBox into the bundle.
import { WIDGET_NAMESPACE } from '@happening/shared/socket';
import { io, type Socket } from 'socket.io-client';
import { ApiError } from './api-client.js';
import type { QueueTicketState } from './waiting-room-controller.js';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'refused';

export interface LiveListener {
  state(state: ConnectionState, reason?: string): void;
  /** A full snapshot, after every (re)join: replaces whatever the widget had. */
  snapshot(availability: Availability): void;
  seats(message: SeatsMessage): void;
  counts(message: CountsMessage): void;
  holdExpired(message: { holdToken: string; seatIds: string[] }): void;
  waitlist(message: { bookingId: string; position: number; status: string }): void;
  queue(message: QueueTicketState): void;
}

/** Errors the server gives when it refuses the handshake for good: retrying cannot help. */
const FATAL_HANDSHAKE_ERRORS = new Set(['ORIGIN_NOT_ALLOWED', 'UNAUTHENTICATED']);
const ACK_TIMEOUT_MS = 8_000;

/**
 * The widget's Socket.IO connection to `/widget`. It (re)joins the event's room on every connect
 * and hands the snapshot over, so after a reconnect the widget never trusts state it may have
 * missed; it re-attaches the attendee's hold token so the server does not release the hold.
 */
export class LiveConnection {
  private readonly socket: Socket<WidgetServerToClient, WidgetClientToServer>;
  private watched: { bookingId: string; manageToken: string } | null = null;
  private followed: string | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retries = 0;

  constructor(
    server: string,
    publishableKey: string,
    private readonly eventId: string,
    private readonly listener: LiveListener,
    private readonly currentHoldToken: () => string | undefined,
  ) {
    this.socket = io(`${server}${WIDGET_NAMESPACE}`, {
      auth: { publishableKey },
      // WebSocket first: no long-polling, so no sticky sessions are needed behind a load balancer.
      transports: ['websocket'],
      withCredentials: false,
      autoConnect: false,
      reconnectionDelayMax: 5_000,
    });
    this.socket.on('connect', () => void this.join());
    this.socket.on('disconnect', (reason) => {
      this.listener.state('reconnecting');
      // Socket.IO reconnects by itself after a network drop, not when the server ended the socket
      // (a server shutting down, or a publishable key whose grace after a rotation is over): try
      // again, so the page lands on another server or shows why it is refused.
      if (reason === 'io server disconnect') this.scheduleRetry();
    });
    this.socket.on('connect_error', (error) => this.refusedOrRetry(error));
    this.socket.on('seats', (message) => message.eventId === eventId && listener.seats(message));
    this.socket.on('counts', (message) => message.eventId === eventId && listener.counts(message));
    this.socket.on('hold-expired', (message) => listener.holdExpired(message));
    this.socket.on('waitlist', (message) => listener.waitlist(message));
    this.socket.on('queue', (message) => message.eventId === eventId && listener.queue(message));
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  start(): void {
    this.listener.state('connecting');
    this.socket.connect();
  }

  stop(): void {
    clearTimeout(this.retryTimer);
    this.socket.disconnect();
  }

  /**
   * `altcha`: a solved proof-of-work challenge, when the server asked for one; `admissionToken`:
   * the attendee's turn in the waiting line, while the event has one.
   */
  hold(seatIds: string[], holdToken?: string, altcha?: string, admissionToken?: string): Promise<Hold> {
    return this.request('hold', {
      eventId: this.eventId,
      seatIds,
      ...(holdToken ? { holdToken } : {}),
      ...(altcha ? { altcha } : {}),
      ...(admissionToken ? { admissionToken } : {}),
    });
  }

  /** Follows a waiting-line ticket (`queue` pushes); re-sent after every reconnect. */
  followQueue(ticket: string): Promise<QueueTicketState> {
    this.followed = ticket;
    return this.request('queue:follow', { ticket });
  }

  unfollowQueue(): void {
    this.followed = null;
  }

  /** Follows a waitlisted booking's position; re-sent after every reconnect. */
  async watchWaitlist(bookingId: string, manageToken: string): Promise<{ position: number }> {
    this.watched = { bookingId, manageToken };
    return this.request('waitlist:watch', { bookingId, manageToken });
  }

  unwatchWaitlist(): void {
    this.watched = null;
  }

  private async join(): Promise<void> {
    this.retries = 0;
    try {
      const holdToken = this.currentHoldToken();
      const snapshot = await this.request('join', {
        eventId: this.eventId,
        ...(holdToken ? { holdToken } : {}),
      });
      this.listener.snapshot(snapshot);
      this.listener.state('live');
      // The line may have moved while we were away: the ack is the ticket's state now. A ticket the
      // server no longer knows must not fail the connection (it would retry for ever).
      if (this.followed)
        this.request('queue:follow', { ticket: this.followed }).then(this.listener.queue, () => undefined);
      if (this.watched) {
        const { position } = await this.request('waitlist:watch', this.watched);
        this.listener.waitlist({ bookingId: this.watched.bookingId, position, status: 'waitlisted' });
      }
    } catch (error) {
      this.listener.state('reconnecting', (error as Error).message);
      this.socket.disconnect();
      this.scheduleRetry();
    }
  }

  private refusedOrRetry(error: Error): void {
    if (FATAL_HANDSHAKE_ERRORS.has(error.message)) {
      this.listener.state('refused', error.message);
      this.socket.disconnect();
      return;
    }
    this.listener.state('reconnecting', error.message);
    // Socket.IO retries transport errors itself, but not a refusal by a server middleware.
    if (!this.socket.active) this.scheduleRetry();
  }

  private scheduleRetry(): void {
    clearTimeout(this.retryTimer);
    const delay = Math.min(5_000, 500 * 2 ** this.retries++) * (0.5 + Math.random() / 2);
    this.retryTimer = setTimeout(() => this.socket.connect(), delay);
  }

  private async request<E extends 'join' | 'hold' | 'waitlist:watch' | 'queue:follow'>(
    event: E,
    payload: Parameters<WidgetClientToServer[E]>[0],
  ): Promise<AckData<E>> {
    // The typed emitWithAck cannot see through the generic event name; the maps still type both ends.
    const timed = this.socket.timeout(ACK_TIMEOUT_MS) as unknown as {
      emitWithAck(event: E, payload: unknown): Promise<Ack<AckData<E>>>;
    };
    const answer = await timed.emitWithAck(event, payload);
    if (!answer.ok) {
      const { code, message, ...details } = answer.error;
      throw new ApiError(0, code, message, details);
    }
    return answer.data;
  }
}

type AckData<E extends keyof WidgetClientToServer> = Parameters<WidgetClientToServer[E]>[1] extends
  | ((answer: Ack<infer T>) => void)
  | undefined
  ? T
  : never;
