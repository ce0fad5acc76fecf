import {
  type Attendee,
  type Booking,
  type BookingStatus,
  type GeneralQuantity,
  isUuid,
  type NotificationMessage,
} from '@happening/shared';
import type pg from 'pg';

type Db = pg.Pool | pg.PoolClient;

export interface BookingRecord extends Booking {
  orgId: string;
  manageTokenHash: string;
  waitlistSeq: number | null;
  sectionId: string | null;
}

const select = `SELECT b.id, b.event_id AS "eventId", b.org_id AS "orgId", b.status, b.quantity, b.section_id AS "sectionId",
    b.general, b.attendee_email, b.attendee_name, b.attendee_external_id, b.manage_token_hash AS "manageTokenHash",
    b.waitlist_seq AS "waitlistSeq", b.offer_expires_at AS "offerExpiresAt", b.created_at AS "createdAt",
    CASE WHEN b.status = 'offered' THEN b.offer_seats END AS "offerSeats",
    b.updated_at AS "updatedAt",
    COALESCE((SELECT array_agg(s.seat_id ORDER BY s.seat_id) FROM booking_seats s WHERE s.booking_id = b.id), '{}') AS seats,
    CASE WHEN b.status = 'waitlisted' THEN (SELECT count(*) FROM bookings w WHERE w.event_id = b.event_id
      AND w.status = 'waitlisted' AND w.waitlist_seq <= b.waitlist_seq) END AS "waitlistPosition"
  FROM bookings b`;

interface Row {
  id: string;
  eventId: string;
  orgId: string;
  status: BookingStatus;
  quantity: number;
  sectionId: string | null;
  general: GeneralQuantity[];
  attendee_email: string;
  attendee_name: string;
  attendee_external_id: string | null;
  manageTokenHash: string;
  waitlistSeq: number | null;
  offerExpiresAt: Date | null;
  /** Only while `offered` (a cancelled or expired offer's row may keep its last places). */
  offerSeats: { seats: string[]; general: Record<string, number> } | null;
  createdAt: Date;
  updatedAt: Date;
  seats: string[];
  waitlistPosition: number | null;
}

function toRecord(row: Row): BookingRecord {
  const attendee: Attendee = { email: row.attendee_email, name: row.attendee_name };
  if (row.attendee_external_id) attendee.externalId = row.attendee_external_id;
  return {
    id: row.id,
    eventId: row.eventId,
    orgId: row.orgId,
    status: row.status,
    quantity: row.quantity,
    sectionId: row.sectionId,
    seats: row.seats,
    general: row.general,
    attendee,
    manageTokenHash: row.manageTokenHash,
    waitlistSeq: row.waitlistSeq,
    ...(row.waitlistPosition === null ? {} : { waitlistPosition: row.waitlistPosition }),
    ...(row.offerExpiresAt ? { offerExpiresAt: row.offerExpiresAt.toISOString() } : {}),
    ...(row.offerSeats && row.offerExpiresAt
      ? {
          offer: {
            seats: [...row.offerSeats.seats].sort(),
            general: Object.entries(row.offerSeats.general).map(([section, quantity]) => ({
              section,
              quantity,
            })),
            expiresAt: row.offerExpiresAt.toISOString(),
          },
        }
      : {}),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The public shape: no token hash, no internal ordering fields. */
export function publicBooking(record: BookingRecord): Booking {
  const { orgId: _o, manageTokenHash: _m, waitlistSeq: _w, sectionId: _s, ...booking } = record;
  return booking;
}

export class SeatTakenError extends Error {
  /** seat id → the booking PostgreSQL says holds it. */
  constructor(readonly owners: Record<string, string>) {
    super('seat already booked');
  }
}
/** A seat is already in another active booking; the caller looks the owners up after rolling back. */
export class SeatConflict extends Error {
  constructor() {
    super('seat already booked');
  }
}
export class CapacityError extends Error {
  constructor(readonly section: string) {
    super('general section full');
  }
}

export interface NewBooking {
  id: string;
  eventId: string;
  orgId: string;
  status: 'confirmed' | 'waitlisted';
  quantity: number;
  sectionId: string | null;
  attendee: Attendee;
  manageTokenHash: string;
  createdBy: string;
  /** A waitlisted booking's place in line when it is not "now" (the waiting room's, see there). */
  waitlistSeq?: number;
}

export function bookingsRepository(pool: pg.Pool) {
  const repo = {
    async find(id: string, db: Db = pool): Promise<BookingRecord | null> {
      // Not a UUID, so no such booking: asking PostgreSQL would fail the cast (a 500), not answer.
      if (!isUuid(id)) return null;
      const { rows } = await db.query<Row>(`${select} WHERE b.id = $1`, [id]);
      return rows[0] ? toRecord(rows[0]) : null;
    },

    async lock(id: string, db: pg.PoolClient): Promise<BookingRecord | null> {
      await db.query('SELECT 1 FROM bookings WHERE id = $1 FOR UPDATE', [id]);
      return repo.find(id, db);
    },

    /**
     * Inserts the booking, its first history row and its reserved seats in one statement (one
     * round trip, not five). Data-modifying CTEs all run, and the partial unique index on active
     * seats refuses a seat already sold: that surfaces as SeatConflict.
     */
    async insert(
      booking: NewBooking,
      db: pg.PoolClient,
      seats: string[] = [],
    ): Promise<{ createdAt: Date; waitlistSeq: number | null }> {
      try {
        const { rows } = await db.query<{ created_at: Date; waitlist_seq: number | null }>(
          `WITH inserted AS (
             INSERT INTO bookings (id, event_id, org_id, status, quantity, section_id, attendee_email, attendee_name,
               attendee_external_id, manage_token_hash, created_by, waitlist_seq)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,
               CASE WHEN $4 = 'waitlisted' THEN COALESCE($13::bigint, nextval('waitlist_seq')) END)
             RETURNING id, status, created_by, created_at, waitlist_seq
           ), history AS (
             INSERT INTO booking_history (booking_id, status, actor) SELECT id, status, created_by FROM inserted
           ), seated AS (
             INSERT INTO booking_seats (booking_id, event_id, seat_id)
             SELECT inserted.id, $2, seat FROM inserted, unnest($12::text[]) AS seat
           )
           SELECT created_at, waitlist_seq FROM inserted`,
          [
            booking.id,
            booking.eventId,
            booking.orgId,
            booking.status,
            booking.quantity,
            booking.sectionId,
            booking.attendee.email,
            booking.attendee.name,
            booking.attendee.externalId ?? null,
            booking.manageTokenHash,
            booking.createdBy,
            seats,
            booking.waitlistSeq ?? null,
          ],
        );
        return { createdAt: rows[0]!.created_at, waitlistSeq: rows[0]!.waitlist_seq };
      } catch (error) {
        if ((error as { constraint?: string }).constraint === 'booking_seats_one_active')
          throw new SeatConflict();
        throw error;
      }
    },

    /**
     * Group commit's write: many confirmed bookings with their history rows, seats,
     * general-admission places and outbox rows, in ONE statement and so one round trip, sent
     * without BEGIN/COMMIT: a single statement is atomic on its own (all its data-modifying CTEs
     * commit together or not at all). Each row is stamped with `clock_timestamp()` in arrival
     * order, so bookings committed together still list in the order they were made.
     *
     * It fails as a whole, keeping nothing, when a seat is already actively booked (the unique
     * index) or when a general-admission section cannot take the batch's total for it (the
     * capacity guard below raises CapacityError). The caller then commits each booking alone.
     */
    async insertConfirmedBatch(
      bookings: { booking: NewBooking; seats: string[]; general: GeneralQuantity[] }[],
      messages: NotificationMessage[],
      db: Db = pool,
    ): Promise<Date[]> {
      const input = bookings.map(({ booking, seats, general }, ord) => ({
        ord,
        id: booking.id,
        event_id: booking.eventId,
        org_id: booking.orgId,
        quantity: booking.quantity,
        general,
        attendee_email: booking.attendee.email,
        attendee_name: booking.attendee.name,
        attendee_external_id: booking.attendee.externalId ?? null,
        manage_token_hash: booking.manageTokenHash,
        created_by: booking.createdBy,
        seats,
      }));
      // General admission: the batch's total per section, in one order for every batch, so
      // concurrent batches touching the same sections lock them alike and queue, not deadlock.
      const perSection = new Map<string, { eventId: string; section: string; quantity: number }>();
      for (const { booking, general } of bookings) {
        for (const { section, quantity } of general) {
          const key = `${booking.eventId} ${section}`;
          const entry = perSection.get(key) ?? { eventId: booking.eventId, section, quantity: 0 };
          entry.quantity += quantity;
          perSection.set(key, entry);
        }
      }
      const wanted = [...perSection.values()].sort(
        (a, b) => a.eventId.localeCompare(b.eventId) || a.section.localeCompare(b.section),
      );
      try {
        // Named: each connection parses and plans this statement once, not on every booking.
        const { rows } = await db.query<{ id: string; created_at: Date }>({
          name: 'insert-confirmed-batch',
          text: `WITH input AS (
             SELECT * FROM jsonb_to_recordset($1::jsonb) AS j(ord int, id uuid, event_id uuid, org_id uuid,
               quantity int, general jsonb, attendee_email text, attendee_name text, attendee_external_id text,
               manage_token_hash text, created_by text, seats text[])
           ), stamped AS (
             SELECT input.*, clock_timestamp() AS at FROM input ORDER BY ord
           ), inserted AS (
             INSERT INTO bookings (id, event_id, org_id, status, quantity, general, attendee_email, attendee_name,
               attendee_external_id, manage_token_hash, created_by, created_at, updated_at)
             SELECT id, event_id, org_id, 'confirmed', quantity, general, attendee_email, attendee_name,
               attendee_external_id, manage_token_hash, created_by, at, at FROM stamped
             RETURNING id, status, created_by, created_at
           ), history AS (
             INSERT INTO booking_history (booking_id, status, actor, at)
             SELECT id, status, created_by, created_at FROM inserted
           ), seated AS (
             INSERT INTO booking_seats (booking_id, event_id, seat_id)
             SELECT input.id, input.event_id, seat FROM inserted JOIN input USING (id), unnest(input.seats) AS seat
           ), wanted AS (
             SELECT * FROM unnest($2::uuid[], $3::text[], $4::int[]) AS d(event_id, section_id, quantity)
           ), placed AS (
             UPDATE general_sections g SET booked = g.booked + d.quantity FROM wanted d
             WHERE g.event_id = d.event_id AND g.section_id = d.section_id AND g.booked + d.quantity <= g.capacity
             RETURNING g.section_id
           ), outboxed AS (
             INSERT INTO outbox (id, org_id, type, payload)
             SELECT (m->>'id')::uuid, (m->>'orgId')::uuid, m->>'type', m FROM jsonb_array_elements($5::jsonb) AS m
           ), capacity_guard AS (
             -- SQL has no RAISE: a section the guarded UPDATE skipped (full) makes this divide by
             -- zero, which fails the whole statement (SQLSTATE 22012, turned into CapacityError).
             -- The divisor comes from the data, so the planner cannot fold it in advance.
             SELECT 1 / (CASE WHEN (SELECT count(*) FROM placed) = (SELECT count(*) FROM wanted) THEN 1 ELSE 0 END) AS ok
           )
           SELECT id, created_at FROM inserted WHERE (SELECT ok FROM capacity_guard) = 1`,
          values: [
            JSON.stringify(input),
            wanted.map((w) => w.eventId),
            wanted.map((w) => w.section),
            wanted.map((w) => w.quantity),
            JSON.stringify(messages),
          ],
        });
        const createdAt = new Map(rows.map((row) => [row.id, row.created_at]));
        return bookings.map(({ booking }) => createdAt.get(booking.id)!);
      } catch (error) {
        if ((error as { constraint?: string }).constraint === 'booking_seats_one_active')
          throw new SeatConflict();
        if ((error as { code?: string }).code !== '22012') throw error;
        // The guard only says "some section": name the first one that lacks room (the refusal path
        // may pay a round trip), or the first wanted if a concurrent cancel made room meanwhile.
        const { rows } = await db.query<{ section_id: string }>(
          `SELECT g.section_id FROM general_sections g
           JOIN unnest($1::uuid[], $2::text[], $3::int[]) AS d(event_id, section_id, quantity)
             ON g.event_id = d.event_id AND g.section_id = d.section_id
           WHERE g.booked + d.quantity > g.capacity ORDER BY g.section_id LIMIT 1`,
          [wanted.map((w) => w.eventId), wanted.map((w) => w.section), wanted.map((w) => w.quantity)],
        );
        throw new CapacityError(rows[0]?.section_id ?? wanted[0]!.section);
      }
    },

    /**
     * Gives a booking its places. The partial unique index and the guarded capacity UPDATE are
     * PostgreSQL's own line of defence against oversell, whatever Redis said.
     */
    async attachPlaces(
      bookingId: string,
      eventId: string,
      seats: string[],
      general: GeneralQuantity[],
      db: pg.PoolClient,
    ): Promise<void> {
      if (seats.length > 0) {
        await db.query('SAVEPOINT attach_seats');
        try {
          await db.query(
            'INSERT INTO booking_seats (booking_id, event_id, seat_id) SELECT $1, $2, unnest($3::text[])',
            [bookingId, eventId, seats],
          );
          await db.query('RELEASE SAVEPOINT attach_seats');
        } catch (error) {
          if ((error as { code?: string }).code !== '23505') throw error;
          await db.query('ROLLBACK TO SAVEPOINT attach_seats');
          const { rows } = await db.query<{ seat_id: string; booking_id: string }>(
            'SELECT seat_id, booking_id FROM booking_seats WHERE event_id = $1 AND seat_id = ANY($2) AND active',
            [eventId, seats],
          );
          throw new SeatTakenError(Object.fromEntries(rows.map((row) => [row.seat_id, row.booking_id])));
        }
      }
      for (const { section, quantity } of general) {
        const { rowCount } = await db.query(
          `UPDATE general_sections SET booked = booked + $3
           WHERE event_id = $1 AND section_id = $2 AND booked + $3 <= capacity`,
          [eventId, section, quantity],
        );
        if (rowCount === 0) throw new CapacityError(section);
      }
      await db.query('UPDATE bookings SET general = $2 WHERE id = $1', [bookingId, JSON.stringify(general)]);
    },

    /** Takes a booking's places back (cancellation). */
    async detachPlaces(booking: BookingRecord, db: pg.PoolClient): Promise<void> {
      await db.query('UPDATE booking_seats SET active = false WHERE booking_id = $1', [booking.id]);
      for (const { section, quantity } of booking.general) {
        await db.query(
          'UPDATE general_sections SET booked = booked - $3 WHERE event_id = $1 AND section_id = $2',
          [booking.eventId, section, quantity],
        );
      }
    },

    async setStatus(
      id: string,
      status: BookingStatus,
      actor: string,
      reason: string | null,
      db: pg.PoolClient,
      extra: { offerSeats?: unknown; offerExpiresAt?: Date | null } = {},
    ): Promise<void> {
      await db.query(
        `UPDATE bookings SET status = $2, updated_at = now(),
           offer_seats = CASE WHEN $3::boolean THEN $4::jsonb ELSE offer_seats END,
           offer_expires_at = CASE WHEN $3::boolean THEN $5 ELSE offer_expires_at END
         WHERE id = $1`,
        [
          id,
          status,
          'offerSeats' in extra,
          extra.offerSeats === undefined ? null : JSON.stringify(extra.offerSeats),
          extra.offerExpiresAt ?? null,
        ],
      );
      await repo.history(id, status, actor, reason, db);
    },

    async history(id: string, status: BookingStatus, actor: string, reason: string | null, db: Db = pool) {
      await db.query(
        'INSERT INTO booking_history (booking_id, status, actor, reason) VALUES ($1, $2, $3, $4)',
        [id, status, actor, reason],
      );
    },

    /** Confirmed and cancelled bookings of an event (the console's counters). */
    async totals(eventId: string, db: Db = pool): Promise<{ confirmed: number; cancelled: number }> {
      const { rows } = await db.query<{ confirmed: number; cancelled: number }>(
        `SELECT count(*) FILTER (WHERE status = 'confirmed')::int AS confirmed,
                count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled FROM bookings WHERE event_id = $1`,
        [eventId],
      );
      return rows[0]!;
    },

    async historyOf(id: string, db: Db = pool) {
      const { rows } = await db.query<{
        status: BookingStatus;
        actor: string;
        reason: string | null;
        at: Date;
      }>('SELECT status, actor, reason, at FROM booking_history WHERE booking_id = $1 ORDER BY at, id', [id]);
      return rows.map((row) => ({ ...row, at: row.at.toISOString() }));
    },

    async list(
      eventId: string,
      filter: { status?: BookingStatus; q?: string; limit: number; offset: number },
      db: Db = pool,
    ): Promise<{ bookings: BookingRecord[]; total: number }> {
      const where = ['b.event_id = $1'];
      const values: unknown[] = [eventId];
      if (filter.status) {
        values.push(filter.status);
        where.push(`b.status = $${values.length}`);
      }
      if (filter.q) {
        values.push(`%${filter.q.toLowerCase()}%`);
        where.push(
          `(lower(b.attendee_email) LIKE $${values.length} OR lower(b.attendee_name) LIKE $${values.length})`,
        );
      }
      const total = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM bookings b WHERE ${where.join(' AND ')}`,
        values,
      );
      const { rows } = await db.query<Row>(
        `${select} WHERE ${where.join(' AND ')} ORDER BY b.created_at DESC, b.id LIMIT ${filter.limit} OFFSET ${filter.offset}`,
        values,
      );
      return { bookings: rows.map(toRecord), total: total.rows[0]!.n };
    },

    async waitlist(eventId: string, db: Db = pool): Promise<BookingRecord[]> {
      const { rows } = await db.query<Row>(
        `${select} WHERE b.event_id = $1 AND b.status = 'waitlisted' ORDER BY b.waitlist_seq`,
        [eventId],
      );
      return rows.map(toRecord);
    },

    async openBookings(eventId: string, db: pg.PoolClient): Promise<BookingRecord[]> {
      const { rows } = await db.query<Row>(
        `${select} WHERE b.event_id = $1 AND b.status IN ('confirmed', 'waitlisted', 'offered') FOR UPDATE OF b`,
        [eventId],
      );
      return rows.map(toRecord);
    },
  };
  return repo;
}

export type BookingsRepository = ReturnType<typeof bookingsRepository>;
