/**
 * The waiting room of every event on this server (docs/waiting-room.md): joining the line, a
 * ticket's state, the admission gate in front of publishable-key holds and bookings, and the
 * console's statistics. The line lives in Redis and changes only through queue.lua, so any number
 * of servers share it; what a server keeps in memory is only what it last pushed to its own sockets.
 */
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '@happening/runtime';
import {
  type Event,
  type NotificationMessage,
  type QueueTicketState,
  saleStateOf,
  type WaitingRoomStats,
} from '@happening/shared';
import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import { WAITING_ROOMS_KEY } from '../inventory/keys.js';
import { inTransaction } from '../lib/db.js';
import { AppError } from '../lib/errors.js';
import { enqueueNotifications } from '../lib/outbox.js';
import { waitingRoomActive } from '../modules/events/sale-window.js';
import type { HoldGuard } from '../modules/holds/hold-guard.js';
import {
  type AdmissionRefusal,
  defineQueueCommand,
  runQueueScript,
  type TickArgs,
  type TicketView,
} from './queue-script.js';
import { AdmissionTokens, eventIdOfTicket, newTicket, shuffleKey } from './tickets.js';

export interface WaitingRoomOptions {
  admissionMs: number;
  statsEveryMs: number;
  tokenSecret: string;
}

const states = { w: 'waiting', a: 'admitted', e: 'expired', o: 'sold_out' } as const;
/** How long a sold-out ticket's waitlist offer is signed for. */
const WAITLIST_OFFER_MS = 24 * 3_600_000;
/**
 * The step of the `waitlist_seq` sequence (migration 062): the numbers between two draws are free,
 * so the tickets told at a sell-out take `base + q`, in their queue order, however they click.
 */
const WAITLIST_SEQ_STEP = 1_048_576;

const reasons: Record<AdmissionRefusal['reason'] | 'missing' | 'invalid', string> = {
  missing: 'The waiting room is on: join the line (POST /events/:id/queue) and send its admissionToken',
  invalid: 'The admissionToken is not valid for this event (expired, altered or of another event)',
  not_admitted: 'This ticket has not been admitted',
  expired: 'This admission is over: join the line again',
  in_use: 'This admission already has a hold: add to it (holdToken) or book it',
  other_hold: 'That hold was not made under this admission',
  party_size: 'More places than the party size this ticket joined the line with',
  used: 'This ticket already joined the waitlist',
};

export const admissionRequired = (reason: keyof typeof reasons, extra: Record<string, unknown> = {}) =>
  new AppError(403, 'ADMISSION_REQUIRED', reasons[reason], { reason, ...extra });

export class WaitingRoom {
  readonly tokens: AdmissionTokens;

  constructor(
    private readonly redis: RedisClient,
    private readonly pool: pg.Pool,
    private readonly holdGuard: HoldGuard,
    private readonly options: WaitingRoomOptions,
    private readonly log: FastifyBaseLogger,
  ) {
    defineQueueCommand(redis);
    this.tokens = new AdmissionTokens(options.tokenSecret);
  }

  private opensAt(event: Event): number {
    return event.onSaleAt ? Date.parse(event.onSaleAt) : 0;
  }

  /** Puts the event on every server's admission tick and runs one tick now (e.g. after opening). */
  async track(event: Event): Promise<void> {
    await this.redis.sadd(WAITING_ROOMS_KEY, event.id);
    await this.tick(event);
  }

  /** Joins the line (the pre-queue before `onSaleAt`). Publishable-key callers pay proof of work. */
  async join(
    event: Event,
    body: { partySize: number; altcha?: string | undefined },
    publishable: boolean,
  ): Promise<QueueTicketState> {
    if (!event.waitingRoom.enabled) throw new AppError(409, 'QUEUE_CLOSED', 'This event has no waiting room');
    if (saleStateOf(event) === 'ended' || event.status !== 'on_sale')
      throw new AppError(409, 'QUEUE_CLOSED', 'The sale has ended');
    if (body.partySize > event.maxSeatsPerBooking) {
      throw new AppError(400, 'VALIDATION_FAILED', `partySize is at most ${event.maxSeatsPerBooking}`, {
        field: 'body.partySize',
      });
    }
    if (publishable) {
      const proof = await this.holdGuard.joinProof(event, body.altcha);
      // One place in line per solution, on every server (the hold script marks the same keys).
      const fresh = await this.redis.set(proof.key, '1', 'PX', proof.rememberMs, 'NX');
      if (fresh === null) throw await this.holdGuard.challengeRequired(event, 'replayed');
    }
    const ticket = newTicket(event.id);
    const result = await runQueueScript(this.redis, event.id, 'join', {
      ticket,
      p: body.partySize,
      key: shuffleKey(),
      opensAt: this.opensAt(event),
    });
    await this.redis.sadd(WAITING_ROOMS_KEY, event.id);
    if (result.opened >= 0) await this.announceOpened(event, result.opened);
    // After the sell-out the ticket answers `sold_out` (with the waitlist offer, where it is on).
    return this.stateOf(event, result.view, result.rate);
  }

  /** The states of some tickets of one event (null for unknown ones). */
  async statesOf(event: Event, tickets: string[]): Promise<(QueueTicketState | null)[]> {
    const { views, rate } = await runQueueScript(this.redis, event.id, 'views', { tickets });
    return views.map((view) => (view ? this.stateOf(event, view, rate) : null));
  }

  /** One ticket's state; 404 QUEUE_TICKET_NOT_FOUND for a ticket the event's line does not know. */
  async state(event: Event, ticket: string): Promise<QueueTicketState> {
    const [found] = await this.statesOf(event, [ticket]);
    if (!found) throw new AppError(404, 'QUEUE_TICKET_NOT_FOUND', 'Unknown queue ticket');
    return found;
  }

  private stateOf(event: Event, view: TicketView, admittedLastMinute: number): QueueTicketState {
    const now = Date.now();
    const position = view.s === 'w' ? (view.pos ?? null) : null;
    const ahead = view.s === 'w' ? (view.ahead ?? null) : null;
    const perMinute = admittedLastMinute > 0 ? admittedLastMinute : (event.waitingRoom.admitPerMinute ?? 0);
    const opensAt = event.onSaleAt && Date.parse(event.onSaleAt) > now ? event.onSaleAt : null;
    const state: QueueTicketState = {
      ticket: view.t,
      eventId: event.id,
      state: states[view.s],
      position,
      ahead,
      etaSeconds: ahead !== null && perMinute > 0 ? Math.ceil(((ahead + 1) * 60) / perMinute) : null,
      partySize: view.p,
      preQueue: view.s === 'w' && position === null,
      opensAt,
    };
    if (view.s === 'a' && view.ax !== undefined) {
      state.admissionToken = this.tokens.issue(view.t, view.ax, 'a');
      state.admissionExpiresAt = new Date(view.ax).toISOString();
    }
    if (view.s === 'o') {
      state.waitlistOffered = event.waitlistEnabled && !view.wl;
      if (state.waitlistOffered) {
        const until = Math.ceil(now / 3_600_000) * 3_600_000 + WAITLIST_OFFER_MS;
        state.admissionToken = this.tokens.issue(view.t, until, 'o');
        state.admissionExpiresAt = new Date(until).toISOString();
      }
    }
    return state;
  }

  private admissionOf(event: Event, token: string | undefined) {
    if (token === undefined) throw admissionRequired('missing');
    const admission = this.tokens.verify(token);
    if (!admission || admission.eventId !== event.id) throw admissionRequired('invalid');
    return admission;
  }

  /**
   * The gate in front of a publishable-key hold while the waiting room is active: the admission
   * must be live and carries one hold at a time, of at most its party size. Run the hold with the
   * answer: it hands `make` that size as the hold's limit, binds the hold to the admission once
   * made, or puts the admission back as it was if the hold fails.
   */
  async admitHold(
    event: Event,
    token: string | undefined,
    hold: { token: string; existing: boolean },
  ): Promise<<T>(make: (maxPlaces?: number) => Promise<T>) => Promise<T>> {
    if (!waitingRoomActive(event)) return (make) => make();
    const admission = this.admissionOf(event, token);
    if (admission.scope !== 'a') throw admissionRequired('not_admitted');
    const ticket = admission.ticket;
    const claimed = await runQueueScript(this.redis, event.id, 'claim', {
      ticket,
      hold: hold.token,
      existing: hold.existing,
    });
    if (!claimed.ok) throw admissionRequired(claimed.reason);
    const partySize = claimed.p;
    if (hold.existing) return (make) => make(partySize);
    return async (make) => {
      let made: Awaited<ReturnType<typeof make>>;
      try {
        made = await make(partySize);
      } catch (error) {
        await runQueueScript(this.redis, event.id, 'unclaim', {
          ticket,
          hold: hold.token,
          ...(claimed.prev ? { prev: claimed.prev } : {}),
        });
        throw error;
      }
      await runQueueScript(this.redis, event.id, 'confirm', { ticket, hold: hold.token });
      return made;
    };
  }

  /**
   * The gate in front of a publishable-key booking by quantity (direct, or onto the waitlist):
   * an admission (which the booking ends) or a sold-out ticket's waitlist offer, for at most the
   * party size it queued with. A ticket told at the sell-out hands `book` its waitlist number, so
   * the waitlist keeps the line's order.
   */
  async admitBooking<T>(
    event: Event,
    token: string | undefined,
    quantity: number,
    book: (placement: { waitlistSeq?: number }) => Promise<T>,
  ): Promise<T> {
    if (!waitingRoomActive(event)) return book({});
    const admission = this.admissionOf(event, token);
    const used = await runQueueScript(this.redis, event.id, 'use', {
      ticket: admission.ticket,
      scope: admission.scope,
      quantity,
    });
    if (!used.ok) throw admissionRequired(used.reason, used.partySize ? { partySize: used.partySize } : {});
    try {
      if (used.q === undefined) return await book({});
      const base = used.base ?? (await this.sealWaitlistBase(event));
      return await book({ waitlistSeq: Number(base) + Math.min(used.q, WAITLIST_SEQ_STEP - 1) });
    } finally {
      if (admission.scope === 'a') {
        await runQueueScript(this.redis, event.id, 'finish', { ticket: admission.ticket });
      }
    }
  }

  tickArgs(event: Event): TickArgs {
    return {
      opensAt: this.opensAt(event),
      admit: waitingRoomActive(event),
      rate: event.waitingRoom.admitPerMinute ?? 0,
      maxActive: event.waitingRoom.maxActiveShoppers ?? 0,
      ttl: this.options.admissionMs,
      statEvery: this.options.statsEveryMs,
    };
  }

  /** One admission tick of one event's line (safe on every server at once). */
  async tick(event: Event) {
    const result = await runQueueScript(this.redis, event.id, 'tick', this.tickArgs(event));
    if (result.opened >= 0) await this.announceOpened(event, result.opened);
    if (result.justSoldOut) {
      // Drawn now, so whoever joins the waitlist from now on without a place in this line comes
      // after everyone the line told; `admitBooking` draws it if this server died before storing it.
      if (event.waitlistEnabled)
        await this.sealWaitlistBase(event).catch((error) => {
          this.log.warn({ err: error, eventId: event.id }, 'could not draw the sell-out waitlist number');
        });
      await this.notify(event, {
        type: 'queue_sold_out',
        waiting: result.soldOut,
        waitlistOffered: event.waitlistEnabled,
      });
    }
    return result;
  }

  async stats(event: Event): Promise<WaitingRoomStats> {
    const raw = await runQueueScript(this.redis, event.id, 'stats', {});
    const series = (raw.series as string[]).map(
      (entry) => JSON.parse(entry) as { at: number; w: number; a: number; s: number },
    );
    const minuteAgo = series.find((point) => point.at >= raw.now - 60_000) ?? series[0];
    const last = series.at(-1);
    const soldPerMinute =
      minuteAgo && last && last.at > minuteAgo.at
        ? Math.round(((last.s - minuteAgo.s) * 60_000) / (last.at - minuteAgo.at))
        : 0;
    return {
      eventId: event.id,
      waiting: raw.waiting,
      admittedPerMinute: raw.admittedLastMinute,
      activeShoppers: raw.active,
      soldPerMinute,
      expectedSellOutSeconds: raw.soldOut
        ? 0
        : raw.available !== null && soldPerMinute > 0
          ? Math.ceil((raw.available * 60) / soldPerMinute)
          : null,
      admitPerMinute: event.waitingRoom.admitPerMinute,
      maxActiveShoppers: event.waitingRoom.maxActiveShoppers,
      enabled: event.waitingRoom.enabled,
      saleState: saleStateOf(event),
      series: series.map((point) => ({
        at: new Date(point.at).toISOString(),
        waiting: point.w,
        admitted: point.a,
        sold: point.s,
      })),
    };
  }

  /** The waitlist number of this line's sell-out: one draw of `waitlist_seq`, the first stored wins. */
  private async sealWaitlistBase(event: Event): Promise<string> {
    const { rows } = await this.pool.query<{ base: string }>(`SELECT nextval('waitlist_seq')::text AS base`);
    return (await runQueueScript(this.redis, event.id, 'seal', { base: rows[0]!.base })).base;
  }

  private announceOpened(event: Event, waiting: number): Promise<void> {
    return this.notify(event, { type: 'queue_opened', waiting });
  }

  /** The outbox row of a queue webhook (the script answered `opened`/`justSoldOut` to one call only). */
  private async notify(
    event: Event,
    news:
      | { type: 'queue_opened'; waiting: number }
      | { type: 'queue_sold_out'; waiting: number; waitlistOffered: boolean },
  ): Promise<void> {
    const message = {
      ...news,
      id: randomUUID(),
      occurredAt: new Date().toISOString(),
      orgId: event.orgId,
      eventId: event.id,
      event: { id: event.id, name: event.name, startsAt: event.startsAt, venue: event.venue },
    } as NotificationMessage;
    try {
      await inTransaction(this.pool, (client) => enqueueNotifications(client, [message]));
    } catch (error) {
      // The line must go on; the webhook is lost only if PostgreSQL is down at this moment.
      this.log.error(
        { err: error, eventId: event.id, type: news.type },
        'could not queue a waiting-room webhook',
      );
    }
  }
}

export const ticketEventId = eventIdOfTicket;
