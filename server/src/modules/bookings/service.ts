import { randomUUID } from 'node:crypto';
import type { Attendee, Booking, Event, GeneralQuantity } from '@happening/shared';
import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import type { Envelope, InventoryRefusal, RefusalCode } from '../../inventory/contract.js';
import type { Inventory } from '../../inventory/inventory.js';
import { inTransaction } from '../../lib/db.js';
import { AppError } from '../../lib/errors.js';
import { enqueueNotifications } from '../../lib/outbox.js';
import type { EventsRepository } from '../events/repository.js';
import { type GroupCommitOptions, GroupCommitter } from './group-commit.js';
import { hashManageToken, type ManageLinks } from './manage-links.js';
import { bookingMessage } from './messages.js';
import {
  type BookingRecord,
  type BookingsRepository,
  CapacityError,
  type NewBooking,
  publicBooking,
  SeatConflict,
  SeatTakenError,
} from './repository.js';

/** What live clients learn about bookings; `BookingNews` carries it to the realtime plugin. */
export interface BookingListener {
  /**
   * `created`: the booking was made by the current request (no one can watch its room yet); such
   * news is only given when a console watches the event (the commit's `settle` says so).
   */
  bookingChanged(event: Event, booking: Booking, created?: boolean): void;
  waitlistChanged(eventId: string): void;
}

const scriptErrors: Record<
  Exclude<RefusalCode, 'HOLD_CAP_REACHED' | 'CHALLENGE_REQUIRED' | 'NO_FIT'>,
  [number, string]
> = {
  HOLD_NOT_FOUND: [404, 'The hold does not exist or has already expired'],
  HOLD_EXPIRED: [409, 'The hold expired before the booking'],
  EVENT_NOT_ON_SALE: [409, 'The event is not on sale'],
  EVENT_CANCELLED: [409, 'The event was cancelled'],
  SEAT_UNAVAILABLE: [409, 'Some of the requested places are not available'],
  UNKNOWN_SEATS: [400, 'Some of the requested seats or sections do not exist'],
  HOLD_LIMIT_EXCEEDED: [409, 'That is more places than one booking may have'],
  EXTENSION_LIMIT_REACHED: [409, 'The hold cannot be extended any further'],
  CHECKOUT_ALREADY_STARTED: [409, "This hold's checkout has started already; its grace is granted once"],
  VALIDATION_FAILED: [400, 'Name seats, general-admission quantities or a best-available quantity'],
};

/** Turns a refused script result into the client's error, keeping its details (e.g. seat ids). */
export function scriptError(result: InventoryRefusal & Envelope): AppError {
  const { ok: _ok, code, v: _v, expired: _e, noticed: _n, ...details } = result;
  const [status, message] = (scriptErrors as Partial<Record<RefusalCode, [number, string]>>)[code] ?? [
    409,
    'The inventory refused the change',
  ];
  return new AppError(status, code as never, message, details);
}

const total = (seats: string[], general: GeneralQuantity[]) =>
  seats.length + general.reduce((sum, g) => sum + g.quantity, 0);

/** A booking Redis has confirmed, waiting for its PostgreSQL commit. */
interface ConfirmJob {
  event: Event;
  booking: NewBooking;
  seats: string[];
  general: GeneralQuantity[];
  manageToken: string;
  /** Set when it commits: whether a console watches its event, once `settle` has said (see settleSoon). */
  watched?: Promise<boolean>;
}

/**
 * Group commit's limits: at most 200 bookings per transaction, one transaction at a time per
 * server, so what arrives meanwhile waits for the next and batches grow with the load. More at
 * once only split the same bookings into smaller, dearer batches (bookings benchmark: ~0.66 ms of
 * machine CPU per booking with one in flight, ~0.78 ms with three; the commit message has the
 * runs). Servers scale out side by side, each with its own transaction in flight.
 */
export const GROUP_COMMIT_LIMITS: GroupCommitOptions = { maxBatch: 200, maxInFlight: 1 };

/**
 * Bookings, the waitlist and cancellations. Order of writes (docs/inventory.md): Redis decides
 * first and marks the places pending; PostgreSQL commits the booking, its seats and its outbox
 * row in one transaction; then Redis settles. A failed commit rolls Redis back; a crash in
 * between is healed from PostgreSQL, which always wins.
 */
export class BookingService {
  /** Confirmed bookings (from a hold or by quantity) commit through it; see group-commit.ts. */
  readonly committer: GroupCommitter<ConfirmJob, BookingRecord>;

  constructor(
    private readonly pool: pg.Pool,
    private readonly inventory: Inventory,
    private readonly events: EventsRepository,
    private readonly bookings: BookingsRepository,
    private readonly links: ManageLinks,
    private readonly log: FastifyBaseLogger,
    /** Given at construction, never assigned later: see booking-news.ts. */
    private readonly listener: BookingListener,
  ) {
    this.committer = new GroupCommitter(
      (jobs) => this.commitBatch(jobs),
      (job) => this.commitOne(job),
      GROUP_COMMIT_LIMITS,
      (error, size) =>
        this.log.info({ err: error, size }, 'group commit refused; committing its bookings one by one'),
    );
  }

  /** The booking page link for a later email about a stored booking (none for a random token). */
  private linkOf(booking: BookingRecord): { manageUrl?: string } {
    const manageUrl = this.links.urlOf(booking);
    return manageUrl ? { manageUrl } : {};
  }

  async bookFromHold(event: Event, holdToken: string, attendee: Attendee, actor: string) {
    const bookingId = randomUUID();
    const result = await this.inventory.run(event.id, 'book_hold', { token: holdToken, bookingId });
    if (!result.ok) throw scriptError(result);
    return this.commitConfirmed(event, bookingId, result.seats, result.general, attendee, actor);
  }

  /**
   * Best available (or general admission) for `quantity`; joins the waitlist when nothing fits,
   * once `beforeJoiningWaitlist` (a per-address limit) lets it: a refusal there leaves nothing.
   */
  async bookByQuantity(
    event: Event,
    quantity: number,
    section: string | undefined,
    attendee: Attendee,
    actor: string,
    beforeJoiningWaitlist?: () => Promise<void>,
    /** Its place on the waitlist, if it joins one, when not now (a waiting room's sold-out ticket). */
    waitlistSeq?: number,
  ) {
    if (section && !event.seatMap.sections.some((s) => s.id === section)) {
      throw new AppError(400, 'UNKNOWN_SEATS', `There is no section "${section}"`, { sections: [section] });
    }
    if (quantity > event.maxSeatsPerBooking) {
      throw new AppError(
        409,
        'HOLD_LIMIT_EXCEEDED',
        `At most ${event.maxSeatsPerBooking} places per booking`,
        {
          max: event.maxSeatsPerBooking,
        },
      );
    }
    const bookingId = randomUUID();
    const result = await this.inventory.run(event.id, 'book_best', {
      bookingId,
      quantity,
      ...(section ? { section } : {}),
    });
    if (result.ok) {
      return this.commitConfirmed(event, bookingId, result.seats, result.general, attendee, actor);
    }
    if (result.code !== 'NO_FIT') throw scriptError(result);
    if (!event.waitlistEnabled)
      throw new AppError(409, 'SOLD_OUT', 'Not enough places are left for this booking');
    await beforeJoiningWaitlist?.();
    return this.joinWaitlist(event, bookingId, quantity, section ?? null, attendee, actor, waitlistSeq);
  }

  private async commitConfirmed(
    event: Event,
    bookingId: string,
    seats: string[],
    general: GeneralQuantity[],
    attendee: Attendee,
    actor: string,
  ): Promise<{ booking: Booking; manageToken: string; status: 201 }> {
    const manageToken = this.links.tokenFor(bookingId);
    const job: ConfirmJob = {
      event,
      booking: {
        id: bookingId,
        eventId: event.id,
        orgId: event.orgId,
        status: 'confirmed',
        quantity: total(seats, general),
        sectionId: null,
        attendee,
        manageTokenHash: hashManageToken(manageToken),
        createdBy: actor,
      },
      seats,
      general,
      manageToken,
    };
    const booking = publicBooking(await this.committer.commit(job));
    void (job.watched ?? Promise.resolve(true)).then((watched) => {
      if (watched) this.listener.bookingChanged(event, booking, true);
    });
    return { booking, manageToken, status: 201 };
  }

  /** The record a confirmed booking has once committed, and the notification that says so. */
  private confirmedRecord(job: ConfirmJob, createdAt: Date): BookingRecord {
    return {
      ...job.booking,
      seats: [...job.seats].sort(),
      general: job.general,
      waitlistSeq: null,
      createdAt: createdAt.toISOString(),
      updatedAt: createdAt.toISOString(),
    };
  }

  private confirmedMessage(job: ConfirmJob, record: BookingRecord) {
    return bookingMessage('booking_confirmed', job.event, record, {
      manageUrl: this.links.url(job.booking.id, job.manageToken),
    });
  }

  /**
   * One booking on its own: the path of a booking that commits alone, and of each booking of a
   * group commit PostgreSQL refused. The same single statement as a batch (one round trip, no
   * BEGIN/COMMIT); a refusal rolls Redis back and is the answer.
   */
  private async commitOne(job: ConfirmJob): Promise<BookingRecord> {
    const { event, booking, seats, general } = job;
    let record: BookingRecord;
    try {
      const message = this.confirmedMessage(job, this.confirmedRecord(job, new Date()));
      const [createdAt] = await this.bookings.insertConfirmedBatch([job], [message]);
      record = this.confirmedRecord(job, createdAt!);
    } catch (error) {
      const refusal = error instanceof SeatConflict ? await this.seatOwners(event.id, seats) : error;
      await this.rollBack(event.id, booking.id, seats, general, refusal);
      throw refusal;
    }
    job.watched = this.settleSoon(event.id, [booking.id]);
    return record;
  }

  /**
   * Many bookings in one statement, without an explicit transaction (bookings, history, seats,
   * capacity, outbox rows: see `insertConfirmedBatch`), then one `settle` per event, off the
   * response path. Throws, having committed nothing, when PostgreSQL refuses any of them; the
   * committer then runs each through `commitOne`.
   */
  private async commitBatch(jobs: ConfirmJob[]): Promise<BookingRecord[]> {
    // The notification carries no timestamp of the booking, so it is built before the commit
    // that stamps `createdAt` and travels in the same statement.
    const messages = jobs.map((job) => this.confirmedMessage(job, this.confirmedRecord(job, new Date())));
    const createdAt = await this.bookings.insertConfirmedBatch(jobs, messages);
    const records = jobs.map((job, index) => this.confirmedRecord(job, createdAt[index]!));
    const perEvent = new Map<string, ConfirmJob[]>();
    for (const job of jobs) {
      const ofEvent = perEvent.get(job.event.id);
      if (ofEvent) ofEvent.push(job);
      else perEvent.set(job.event.id, [job]);
    }
    for (const [eventId, ofEvent] of perEvent) {
      const watched = this.settleSoon(
        eventId,
        ofEvent.map((job) => job.booking.id),
      );
      for (const job of ofEvent) job.watched = watched;
    }
    return records;
  }

  /** Who PostgreSQL says holds `seats` (read after the refused transaction rolled back). */
  private async seatOwners(eventId: string, seats: string[]): Promise<SeatTakenError> {
    const { rows } = await this.pool.query<{ seat_id: string; booking_id: string }>(
      'SELECT seat_id, booking_id FROM booking_seats WHERE event_id = $1 AND seat_id = ANY($2) AND active',
      [eventId, seats],
    );
    return new SeatTakenError(Object.fromEntries(rows.map((row) => [row.seat_id, row.booking_id])));
  }

  /** Undoes Redis's part of a booking PostgreSQL refused, re-asserting PostgreSQL's owners. */
  private async rollBack(
    eventId: string,
    bookingId: string,
    seats: string[],
    general: GeneralQuantity[],
    error: unknown,
  ) {
    const truth = error instanceof SeatTakenError ? error.owners : {};
    const generalMap = Object.fromEntries(general.map((g) => [g.section, g.quantity]));
    await this.inventory
      .run(eventId, 'unbook', { bookingId, seats, general: generalMap, truth })
      .catch((undoError) => {
        // The healer will roll it back from the pending list; the client still gets the real error.
        this.log.error({ err: undoError, bookingId }, 'could not roll back a refused booking in Redis');
      });
    if (error instanceof SeatTakenError) {
      throw new AppError(409, 'SEAT_UNAVAILABLE', 'Some of the requested seats were just sold', {
        seats: Object.keys(error.owners),
      });
    }
    if (error instanceof CapacityError) {
      throw new AppError(409, 'SEAT_UNAVAILABLE', `Section ${error.section} is full`, {
        seats: [],
        sections: [error.section],
      });
    }
  }

  /**
   * Step 3 of a booking without the client waiting for it: the booking is committed, and the
   * settle only tells Redis it may stop watching it (`pending`). The script is queued on this
   * server's Redis connection before the 201 leaves, so this server's later scripts for the event
   * run after it; on another server a cancel may overtake it, which `settle` tolerates (it only
   * drops the id from `pending` and notes it in `settled`). A lost settle is the healer's.
   *
   * Its answer says whether a console watches the event: the news of these bookings is sent only
   * then (through the sharded adapter each is an `SPUBLISH` and its encoding, whether or not anyone
   * listens). It is read after the commit, so a console that starts watching later reads the
   * bookings list after they are in it. When the settle fails, the news goes anyway.
   */
  private settleSoon(eventId: string, bookingIds: string[]): Promise<boolean> {
    return this.settle(eventId, bookingIds);
  }

  /** Marks committed bookings of one event settled in Redis, in one script call. Never throws. */
  private async settle(eventId: string, bookingIds: string[]): Promise<boolean> {
    try {
      const settled = await this.inventory.run(eventId, 'settle', { bookingIds });
      return !settled.ok || settled.watched;
    } catch (error) {
      this.log.warn({ err: error, bookingIds }, 'settle failed; the healer will settle it');
      return true;
    }
  }

  private async joinWaitlist(
    event: Event,
    bookingId: string,
    quantity: number,
    section: string | null,
    attendee: Attendee,
    actor: string,
    waitlistSeq: number | undefined,
  ): Promise<{ booking: Booking; manageToken: string; status: 201 | 202 }> {
    const manageToken = this.links.tokenFor(bookingId);
    const record = await inTransaction(this.pool, async (client) => {
      await this.bookings.insert(
        {
          ...(waitlistSeq === undefined ? {} : { waitlistSeq }),
          id: bookingId,
          eventId: event.id,
          orgId: event.orgId,
          status: 'waitlisted',
          quantity,
          sectionId: section,
          attendee,
          manageTokenHash: hashManageToken(manageToken),
          createdBy: actor,
        },
        client,
      );
      const found = (await this.bookings.find(bookingId, client))!;
      await enqueueNotifications(client, [
        bookingMessage('booking_waitlisted', event, found, {
          manageUrl: this.links.url(bookingId, manageToken),
        }),
      ]);
      return found;
    });
    await this.inventory.run(event.id, 'wl_join', {
      bookingId,
      // PostgreSQL numbers every waitlisted booking as it is inserted (or the waiting room did).
      seq: record.waitlistSeq!,
      quantity,
      ...(section ? { section } : {}),
    });
    // Places may have freed between "nothing fits" and joining: serve the line now.
    await this.promote(event);
    this.listener.waitlistChanged(event.id);
    const current = (await this.bookings.find(bookingId))!;
    this.listener.bookingChanged(event, publicBooking(current));
    return {
      booking: publicBooking(current),
      manageToken,
      status: current.status === 'confirmed' ? 201 : 202,
    };
  }

  /** Serves the head of the waitlist while it fits (auto: confirmed; offer: seats held for a window). */
  async promote(event: Event): Promise<void> {
    if (!event.waitlistEnabled) return;
    for (;;) {
      const result = await this.inventory.run(event.id, 'promote', {
        mode: event.waitlistMode,
        offerTtl: event.offerWindowSeconds * 1_000,
        limit: 20,
      });
      const { promoted } = result;
      for (const entry of promoted) {
        await this.applyPromotion(event, entry).catch((error) =>
          this.log.error({ err: error, bookingId: entry.bookingId }, 'promotion failed'),
        );
      }
      if (promoted.length > 0) this.listener.waitlistChanged(event.id);
      if (promoted.length < 20) return;
    }
  }

  private async applyPromotion(
    event: Event,
    entry: { bookingId: string; seats: string[]; general: GeneralQuantity[]; token?: string; exp?: number },
  ) {
    const offer = entry.token !== undefined;
    let record: BookingRecord | null = null;
    try {
      record = await inTransaction(this.pool, async (client) => {
        const booking = await this.bookings.lock(entry.bookingId, client);
        if (booking?.status !== 'waitlisted') return null;
        if (offer) {
          const offerExpiresAt = new Date(entry.exp!);
          await this.bookings.setStatus(booking.id, 'offered', 'waitlist', null, client, {
            offerSeats: {
              seats: entry.seats,
              general: Object.fromEntries(entry.general.map((g) => [g.section, g.quantity])),
            },
            offerExpiresAt,
          });
        } else {
          await this.bookings.attachPlaces(booking.id, event.id, entry.seats, entry.general, client);
          await this.bookings.setStatus(booking.id, 'confirmed', 'waitlist', null, client);
        }
        const updated = (await this.bookings.find(booking.id, client))!;
        if (offer) updated.seats = entry.seats;
        await enqueueNotifications(client, [
          bookingMessage('waitlist_promoted', event, updated, {
            ...this.linkOf(updated),
            mode: offer ? 'offer' : 'auto',
            ...(offer ? { offerExpiresAt: new Date(entry.exp!).toISOString() } : {}),
          }),
        ]);
        return updated;
      });
    } catch (error) {
      await this.undoPromotion(event.id, entry, error);
      return;
    }
    if (!record) {
      // The booking left the line (cancelled) while it was being served: give the places back.
      await this.undoPromotion(event.id, entry, null);
      return;
    }
    if (!offer) await this.settle(event.id, [entry.bookingId]);
    this.listener.bookingChanged(event, publicBooking(record));
  }

  private async undoPromotion(
    eventId: string,
    entry: { bookingId: string; seats: string[]; general: GeneralQuantity[]; token?: string },
    error: unknown,
  ) {
    if (entry.token) {
      await this.inventory.run(eventId, 'release', { token: entry.token, offer: entry.bookingId, all: true });
    } else {
      const truth = error instanceof SeatTakenError ? error.owners : {};
      const general = Object.fromEntries(entry.general.map((g) => [g.section, g.quantity]));
      await this.inventory.run(eventId, 'unbook', {
        bookingId: entry.bookingId,
        seats: entry.seats,
        general,
        truth,
      });
    }
    if (error) this.log.error({ err: error, bookingId: entry.bookingId }, 'promotion refused by PostgreSQL');
  }

  /** An offer that was not claimed in time: the booking expires and the next in line is served. */
  async expireOffer(eventId: string, bookingId: string): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      const booking = await this.bookings.lock(bookingId, client);
      if (booking?.status === 'offered') {
        await this.bookings.setStatus(bookingId, 'expired', 'system', 'offer not claimed in time', client, {
          offerSeats: null,
          offerExpiresAt: null,
        });
      }
    });
    const event = await this.events.find(eventId);
    if (event) {
      const booking = await this.bookings.find(bookingId);
      if (booking) this.listener.bookingChanged(event, publicBooking(booking));
      await this.promote(event);
    }
  }

  /** The attendee takes an offered place: the offer's hold becomes a confirmed booking. */
  async claimOffer(booking: BookingRecord): Promise<Booking> {
    if (booking.status !== 'offered') {
      throw new AppError(409, 'OFFER_NOT_CLAIMABLE', `The booking is ${booking.status}, not offered`);
    }
    const event = (await this.events.find(booking.eventId))!;
    const result = await this.inventory.run(event.id, 'book_hold', {
      token: `offer_${booking.id}`,
      bookingId: booking.id,
      offerFor: booking.id,
    });
    if (!result.ok) throw new AppError(409, 'OFFER_NOT_CLAIMABLE', 'The offer expired');
    const { seats, general } = result;
    let record: BookingRecord;
    try {
      record = await inTransaction(this.pool, async (client) => {
        const locked = await this.bookings.lock(booking.id, client);
        if (locked?.status !== 'offered')
          throw new AppError(409, 'OFFER_NOT_CLAIMABLE', 'The offer is no longer open');
        await this.bookings.attachPlaces(booking.id, event.id, seats, general, client);
        await this.bookings.setStatus(booking.id, 'confirmed', 'attendee', 'offer claimed', client, {
          offerSeats: null,
          offerExpiresAt: null,
        });
        const updated = (await this.bookings.find(booking.id, client))!;
        await enqueueNotifications(client, [
          bookingMessage('booking_confirmed', event, updated, this.linkOf(updated)),
        ]);
        return updated;
      });
    } catch (error) {
      await this.rollBack(event.id, booking.id, seats, general, error);
      throw error;
    }
    await this.settle(event.id, [booking.id]);
    this.listener.bookingChanged(event, publicBooking(record));
    return publicBooking(record);
  }

  /** Cancels one booking: PostgreSQL first, then its places go back and the line moves. */
  async cancel(bookingId: string, actor: string, reason: string | null): Promise<Booking> {
    let previous: BookingRecord | null = null;
    const record = await inTransaction(this.pool, async (client) => {
      const booking = await this.bookings.lock(bookingId, client);
      if (!booking) throw new AppError(404, 'NOT_FOUND', 'Booking not found');
      if (booking.status === 'cancelled' || booking.status === 'expired') {
        throw new AppError(409, 'BOOKING_NOT_CANCELLABLE', `The booking is already ${booking.status}`);
      }
      previous = booking;
      if (booking.status === 'confirmed') await this.bookings.detachPlaces(booking, client);
      await this.bookings.setStatus(booking.id, 'cancelled', actor, reason, client);
      const event = (await this.events.find(booking.eventId, client))!;
      const updated = (await this.bookings.find(booking.id, client))!;
      await enqueueNotifications(client, [
        bookingMessage('booking_cancelled', event, updated, {
          ...this.linkOf(updated),
          ...(reason ? { reason } : {}),
        }),
      ]);
      return updated;
    });
    const before = previous as BookingRecord | null;
    const event = (await this.events.find(record.eventId))!;
    if (before?.status === 'confirmed') {
      const general = Object.fromEntries(before.general.map((g) => [g.section, g.quantity]));
      await this.inventory.run(event.id, 'unbook', { bookingId, seats: before.seats, general });
    } else if (before?.status === 'waitlisted') {
      await this.inventory.run(event.id, 'wl_leave', { bookingId });
      this.listener.waitlistChanged(event.id);
    } else if (before?.status === 'offered') {
      await this.inventory.run(event.id, 'release', {
        token: `offer_${bookingId}`,
        offer: bookingId,
        all: true,
      });
    }
    this.listener.bookingChanged(event, publicBooking(record));
    if (event.status === 'on_sale') await this.promote(event);
    return publicBooking(record);
  }

  /** Cancels the event: every open booking and waitlist entry, each notified. */
  async cancelEvent(eventId: string, actor: string, reason: string | null): Promise<Event> {
    const event = await inTransaction(this.pool, async (client) => {
      const locked = await this.events.findForUpdate(eventId, client);
      if (!locked) throw new AppError(404, 'NOT_FOUND', 'Event not found');
      if (locked.status === 'cancelled')
        throw new AppError(409, 'EVENT_CANCELLED', 'The event is already cancelled');
      const open = await this.bookings.openBookings(eventId, client);
      const messages = [];
      for (const booking of open) {
        if (booking.status === 'confirmed') await this.bookings.detachPlaces(booking, client);
        await this.bookings.setStatus(booking.id, 'cancelled', actor, reason ?? 'event cancelled', client);
        messages.push(
          bookingMessage('event_cancelled', locked, booking, {
            ...this.linkOf(booking),
            ...(reason ? { reason } : {}),
          }),
        );
      }
      await enqueueNotifications(client, messages);
      await this.events.markCancelled(eventId, client);
      return { ...locked, status: 'cancelled' as const, wasOnSale: locked.status === 'on_sale' };
    });
    const { wasOnSale, ...cancelled } = event;
    if (wasOnSale) await this.inventory.run(eventId, 'cancel_event', {});
    return cancelled;
  }
}
