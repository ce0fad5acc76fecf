import type { Event, QueueTicketState } from '@happening/shared';
import type { ReactiveControllerHost } from 'lit';
import { ApiError, type HappeningApi } from './api-client.js';
import type { LiveConnection } from './live-connection.js';
import { challengeOf, solveProofOfWork } from './proof-of-work.js';
import { loadSession, saveSession } from './session-store.js';

/** The attendee's place in an event's waiting line, as `GET /queue/:ticket` and `queue` pushes give it. */
export type { QueueTicketState };

/** The sale fields of an event that the widget's view follows (an event read, a snapshot's `sale`). */
export type SaleFields = Partial<Pick<Event, 'saleState' | 'onSaleAt' | 'offSaleAt' | 'waitingRoom'>>;

const ANNOUNCE_EVERY_MS = 60_000;

/**
 * Whether a position change is worth announcing to a screen reader: crossing into the next band
 * of a roughly doubling scale (…, 64, 32, 16, 8, 4, 2, 1 ahead) or a minute since the last
 * announcement; never every tick of a moving line.
 */
export function worthAnnouncing(last: number | null, next: number, lastAt: number, now: number): boolean {
  const band = (position: number) => Math.round(Math.log2(position));
  return last === null || (next !== last && (band(next) !== band(last) || now - lastAt >= ANNOUNCE_EVERY_MS));
}

export interface WaitingRoomDeps {
  eventId(): string;
  event(): Event | null;
  api(): HappeningApi | null;
  live(): LiveConnection | null;
  /** The ticket changed; `news`: worth a polite announcement (a position band, the turn, sold out). */
  changed(ticket: QueueTicketState, news: boolean): void;
  /** The sale's opening time (with no ticket in a line) just passed. */
  opened(): void;
  /** The browser is solving the proof of work of the join. */
  checking(active: boolean): void;
}

/**
 * The attendee's ticket in the event's waiting line: joining it (party size, proof of work),
 * following it live over the socket (`queue:follow`, re-sent after a reconnect), keeping it in
 * sessionStorage so a reload keeps the place, and the admission token holds and bookings carry.
 */
/** Its timer stops with `forget`, which the element calls when it leaves the page. */
export class WaitingRoomController {
  ticket: QueueTicketState | null = null;
  /** Now, for countdowns (the line's opening, the admission's end); ticks while one is shown. */
  now = Date.now();
  private timer: ReturnType<typeof setInterval> | undefined;
  private announced: { position: number | null; state: string; at: number } | null = null;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly deps: WaitingRoomDeps,
  ) {}

  /** The token holds, bookings and waitlist joins send while it is this attendee's turn. */
  get admissionToken(): string | undefined {
    return this.ticket?.state === 'admitted' ? this.ticket.admissionToken : undefined;
  }

  /**
   * After a reload, or when a hold was refused for want of a turn: the ticket from sessionStorage,
   * if the server still knows it, in its state now.
   */
  async restore(): Promise<void> {
    const eventId = this.deps.eventId();
    const saved = loadSession(eventId).queueTicket;
    if (!saved) return;
    try {
      const state = await this.deps.api()!.queueTicket(saved);
      if (state.eventId === eventId) return this.set(state);
    } catch (error) {
      // Unknown (the line was reset, or a tab of another deployment): join again.
      if (!(error instanceof ApiError) || error.status !== 404) return;
    }
    saveSession(eventId, { ...loadSession(eventId), queueTicket: undefined });
  }

  /** Joins the line: the first try may be answered with a proof-of-work challenge, solved once. */
  async join(partySize: number): Promise<void> {
    const api = this.deps.api()!;
    const eventId = this.deps.eventId();
    let state: QueueTicketState;
    // A new ticket replaces the old one (whose turn ended).
    if (this.ticket) this.forget(false);
    try {
      state = await api.joinQueue(eventId, { partySize });
    } catch (error) {
      const challenge = challengeOf(error);
      if (!challenge) throw error;
      this.deps.checking(true);
      try {
        state = await api.joinQueue(eventId, { partySize, altcha: await solveProofOfWork(challenge) });
      } finally {
        this.deps.checking(false);
      }
    }
    saveSession(eventId, { ...loadSession(eventId), queueTicket: state.ticket });
    this.set(state);
  }

  /** Starts (or, after a reconnect, resumes) the live updates of the ticket. */
  async follow(): Promise<void> {
    const ticket = this.ticket?.ticket;
    if (!ticket) return;
    try {
      this.set(await this.deps.live()!.followQueue(ticket));
    } catch {
      // The socket is down: it follows again once it reconnects.
    }
  }

  /** A `queue` push or a fresh read: the newest state of the ticket. */
  set(state: QueueTicketState): void {
    if (this.ticket && state.ticket !== this.ticket.ticket) return;
    const first = !this.ticket;
    this.ticket = state;
    const last = this.announced;
    const now = Date.now();
    const news =
      !last ||
      last.state !== state.state ||
      (state.position !== null && worthAnnouncing(last.position, state.position, last.at, now));
    if (news) this.announced = { position: state.position, state: state.state, at: now };
    this.deps.changed(state, news);
    this.tick();
    this.host.requestUpdate();
    if (first) void this.follow();
  }

  /** Leaves the ticket behind (the turn ended and the attendee joins again, or the element switched events). */
  forget(keepSaved = true): void {
    this.ticket = null;
    this.announced = null;
    this.deps.live()?.unfollowQueue();
    clearInterval(this.timer);
    this.timer = undefined;
    if (!keepSaved) {
      const eventId = this.deps.eventId();
      saveSession(eventId, { ...loadSession(eventId), queueTicket: undefined });
    }
    this.host.requestUpdate();
  }

  /**
   * Ticks once a second while a countdown is on screen: the line's opening, the admission's end,
   * or (with no line) the sale's opening.
   */
  tick(): void {
    const ticket = this.ticket;
    const event = this.deps.event();
    const needed =
      ticket?.state === 'admitted' ||
      (ticket?.state === 'waiting' && ticket.opensAt !== null) ||
      (!ticket && event?.saleState === 'scheduled' && !!event.onSaleAt);
    if (!needed) {
      clearInterval(this.timer);
      this.timer = undefined;
    } else
      this.timer ??= setInterval(() => {
        this.now = Date.now();
        const opensAt = this.deps.event()?.onSaleAt;
        if (!this.ticket && opensAt && Date.parse(opensAt) <= this.now) {
          clearInterval(this.timer);
          this.timer = undefined;
          this.deps.opened();
        }
        this.host.requestUpdate();
      }, 1_000);
  }
}
