import {
  type CreateEventBody,
  type Event,
  isUuid,
  reservedSeats,
  type SeatMap,
  saleStateOf,
  totalCapacity,
  type WaitingRoomPatch,
} from '@happening/shared';
import type pg from 'pg';

type Db = pg.Pool | pg.PoolClient;

const columns = `id, org_id AS "orgId", name, starts_at AS "startsAt", venue, status, seat_map AS "seatMap",
  capacity, hold_ttl_seconds AS "holdTtlSeconds", max_seats_per_booking AS "maxSeatsPerBooking",
  direct_booking AS "directBooking", waitlist_enabled AS "waitlistEnabled", waitlist_mode AS "waitlistMode",
  offer_window_seconds AS "offerWindowSeconds", max_seats_per_address AS "maxSeatsPerAddress",
  max_holds_per_address AS "maxHoldsPerAddress", proof_of_work AS "proofOfWork", created_at AS "createdAt",
  on_sale_at AS "onSaleAt", off_sale_at AS "offSaleAt", sale_paused AS "salePaused",
  waiting_room_enabled AS "waitingRoomEnabled", admit_per_minute AS "admitPerMinute",
  max_active_shoppers AS "maxActiveShoppers"`;

interface EventRow
  extends Omit<Event, 'startsAt' | 'createdAt' | 'onSaleAt' | 'offSaleAt' | 'waitingRoom' | 'saleState'> {
  startsAt: Date;
  createdAt: Date;
  onSaleAt: Date | null;
  offSaleAt: Date | null;
  waitingRoomEnabled: boolean;
  admitPerMinute: number | null;
  maxActiveShoppers: number | null;
}

const toEvent = ({ waitingRoomEnabled, admitPerMinute, maxActiveShoppers, ...row }: EventRow): Event => {
  const event = {
    ...row,
    startsAt: row.startsAt.toISOString(),
    createdAt: row.createdAt.toISOString(),
    onSaleAt: row.onSaleAt?.toISOString() ?? null,
    offSaleAt: row.offSaleAt?.toISOString() ?? null,
    waitingRoom: { enabled: waitingRoomEnabled, admitPerMinute, maxActiveShoppers },
  };
  return { ...event, saleState: saleStateOf(event) };
};

/** The waiting room's settings as columns (one object in the API). */
const waitingRoomColumns: Record<keyof WaitingRoomPatch, string> = {
  enabled: 'waiting_room_enabled',
  admitPerMinute: 'admit_per_minute',
  maxActiveShoppers: 'max_active_shoppers',
};

const settingColumns: Record<string, string> = {
  name: 'name',
  startsAt: 'starts_at',
  venue: 'venue',
  seatMap: 'seat_map',
  holdTtlSeconds: 'hold_ttl_seconds',
  maxSeatsPerBooking: 'max_seats_per_booking',
  directBooking: 'direct_booking',
  waitlistEnabled: 'waitlist_enabled',
  waitlistMode: 'waitlist_mode',
  offerWindowSeconds: 'offer_window_seconds',
  maxSeatsPerAddress: 'max_seats_per_address',
  maxHoldsPerAddress: 'max_holds_per_address',
  proofOfWork: 'proof_of_work',
  onSaleAt: 'on_sale_at',
  offSaleAt: 'off_sale_at',
};

export function eventsRepository(pool: pg.Pool) {
  return {
    async insert(orgId: string, body: CreateEventBody, db: Db = pool): Promise<Event> {
      const { rows } = await db.query<EventRow>(
        `INSERT INTO events (org_id, name, starts_at, venue, seat_map, capacity, hold_ttl_seconds, max_seats_per_booking,
           direct_booking, waitlist_enabled, waitlist_mode, offer_window_seconds, max_seats_per_address,
           max_holds_per_address, proof_of_work, on_sale_at, off_sale_at, waiting_room_enabled, admit_per_minute,
           max_active_shoppers)
         VALUES ($1, $2, $3, $4, $5, $6, COALESCE($7, 600), COALESCE($8, 10), COALESCE($9, false), COALESCE($10, true),
           COALESCE($11, 'auto'), COALESCE($12, 900), $13, COALESCE($14, 4), COALESCE($15, false), $16, $17,
           COALESCE($18, false), $19, $20)
         RETURNING ${columns}`,
        [
          orgId,
          body.name,
          body.startsAt,
          body.venue,
          JSON.stringify(body.seatMap),
          totalCapacity(body.seatMap),
          body.holdTtlSeconds ?? null,
          body.maxSeatsPerBooking ?? null,
          body.directBooking ?? null,
          body.waitlistEnabled ?? null,
          body.waitlistMode ?? null,
          body.offerWindowSeconds ?? null,
          body.maxSeatsPerAddress ?? null,
          body.maxHoldsPerAddress ?? null,
          body.proofOfWork ?? null,
          body.onSaleAt ?? null,
          body.offSaleAt ?? null,
          body.waitingRoom?.enabled ?? null,
          body.waitingRoom?.admitPerMinute ?? null,
          body.waitingRoom?.maxActiveShoppers ?? null,
        ],
      );
      return toEvent(rows[0]!);
    },

    async find(id: string, db: Db = pool): Promise<Event | null> {
      // Not a UUID, so no such event: asking PostgreSQL would fail the cast (a 500), not answer.
      if (!isUuid(id)) return null;
      const { rows } = await db.query<EventRow>(`SELECT ${columns} FROM events WHERE id = $1`, [id]);
      return rows[0] ? toEvent(rows[0]) : null;
    },

    async findForUpdate(id: string, db: pg.PoolClient): Promise<Event | null> {
      const { rows } = await db.query<EventRow>(`SELECT ${columns} FROM events WHERE id = $1 FOR UPDATE`, [
        id,
      ]);
      return rows[0] ? toEvent(rows[0]) : null;
    },

    async listByOrg(orgId: string, db: Db = pool): Promise<Event[]> {
      const { rows } = await db.query<EventRow>(
        `SELECT ${columns} FROM events WHERE org_id = $1 ORDER BY starts_at DESC, created_at DESC`,
        [orgId],
      );
      return rows.map(toEvent);
    },

    /**
     * Locks the organization's row until the transaction ends, so quota checks of its events take
     * turns (quotas.ts).
     */
    async lockOrganizationForQuotas(orgId: string, db: pg.PoolClient): Promise<void> {
      await db.query('SELECT 1 FROM organizations WHERE id = $1 FOR UPDATE', [orgId]);
    },

    /** What the event takes from its organization's quotas now; null for no such event. */
    async usageOf(eventId: string, db: Db = pool): Promise<{ startsAt: Date; capacity: number } | null> {
      const { rows } = await db.query<{ startsAt: Date; capacity: number }>(
        'SELECT starts_at AS "startsAt", capacity FROM events WHERE id = $1',
        [eventId],
      );
      return rows[0] ?? null;
    },

    /**
     * The organization's events that count against its quotas (neither cancelled nor over), except
     * `exceptEventId`, with their seats; and whether an event starting at `nextStartsAt`, or at
     * `previousStartsAt`, would count.
     */
    async countedByQuotas(
      query: {
        orgId: string;
        overAfterHours: number;
        nextStartsAt: string | Date;
        previousStartsAt: string | Date | null;
        exceptEventId: string | null;
      },
      db: Db = pool,
    ): Promise<{ events: number; seats: number; nextCounts: boolean; previousCounts: boolean }> {
      const { rows } = await db.query<{
        events: number;
        seats: string;
        nextCounts: boolean;
        previousCounts: boolean;
      }>(
        `SELECT count(*)::int AS events, coalesce(sum(capacity), 0)::bigint AS seats,
                $3::timestamptz > now() - make_interval(hours => $2) AS "nextCounts",
                coalesce($4::timestamptz > now() - make_interval(hours => $2), false) AS "previousCounts"
         FROM events
         WHERE org_id = $1 AND status <> 'cancelled' AND starts_at > now() - make_interval(hours => $2)
           AND ($5::uuid IS NULL OR id <> $5)`,
        [query.orgId, query.overAfterHours, query.nextStartsAt, query.previousStartsAt, query.exceptEventId],
      );
      const counted = rows[0]!;
      return { ...counted, seats: Number(counted.seats) };
    },

    /** The ids of every event of the organization, whatever its status. */
    async idsOfOrg(orgId: string, db: Db = pool): Promise<string[]> {
      const { rows } = await db.query<{ id: string }>('SELECT id FROM events WHERE org_id = $1', [orgId]);
      return rows.map((row) => row.id);
    },

    /** Updates a draft; returns null when the event is no longer a draft. */
    async updateDraft(id: string, patch: Partial<CreateEventBody>, db: Db = pool): Promise<Event | null> {
      const sets: string[] = [];
      const values: unknown[] = [id];
      for (const [key, value] of Object.entries(patch.waitingRoom ?? {})) {
        const column = waitingRoomColumns[key as keyof WaitingRoomPatch];
        if (!column || value === undefined) continue;
        values.push(value);
        sets.push(`${column} = $${values.length}`);
      }
      for (const [key, value] of Object.entries(patch)) {
        const column = settingColumns[key];
        if (!column || value === undefined) continue;
        values.push(key === 'seatMap' ? JSON.stringify(value) : value);
        sets.push(`${column} = $${values.length}`);
        if (key === 'seatMap') {
          values.push(totalCapacity(value as SeatMap));
          sets.push(`capacity = $${values.length}`);
        }
      }
      sets.push('updated_at = now()');
      const { rows } = await db.query<EventRow>(
        `UPDATE events SET ${sets.join(', ')} WHERE id = $1 AND status = 'draft' RETURNING ${columns}`,
        values,
      );
      return rows[0] ? toEvent(rows[0]) : null;
    },

    /** Freezes the map: one row per reserved seat and per general section, then on sale. */
    /** Marks the event cancelled inside the caller's transaction (the bookings' cancellation). */
    async markCancelled(eventId: string, db: pg.PoolClient): Promise<void> {
      await db.query(`UPDATE events SET status = 'cancelled', updated_at = now() WHERE id = $1`, [eventId]);
    },

    async publish(event: Event, db: pg.PoolClient): Promise<void> {
      const ids: string[] = [];
      const sections: string[] = [];
      for (const seat of reservedSeats(event.seatMap)) {
        ids.push(seat.id);
        sections.push(seat.section);
      }
      await db.query(
        `INSERT INTO seats (event_id, seat_id, section_id) SELECT $1, * FROM unnest($2::text[], $3::text[])`,
        [event.id, ids, sections],
      );
      for (const section of event.seatMap.sections) {
        if (section.kind !== 'general') continue;
        await db.query('INSERT INTO general_sections (event_id, section_id, capacity) VALUES ($1, $2, $3)', [
          event.id,
          section.id,
          section.capacity,
        ]);
      }
      await db.query(`UPDATE events SET status = 'on_sale', updated_at = now() WHERE id = $1`, [event.id]);
    },

    /**
     * The sale controls of a published event: open now (`onSaleAt` = now, unpaused), pause, resume,
     * and the waiting room's settings. Null when there is no such published event.
     */
    async updateSale(
      id: string,
      change: { openNow?: boolean; paused?: boolean; waitingRoom?: WaitingRoomPatch },
      db: Db = pool,
    ): Promise<Event | null> {
      const sets: string[] = ['updated_at = now()'];
      const values: unknown[] = [id];
      if (change.openNow) {
        // Opening keeps an end that is still ahead, and drops one that would end the sale at once.
        sets.push('on_sale_at = now()', 'sale_paused = false');
        sets.push('off_sale_at = CASE WHEN off_sale_at > now() THEN off_sale_at END');
      }
      if (change.paused !== undefined) {
        values.push(change.paused);
        sets.push(`sale_paused = $${values.length}`);
      }
      for (const [key, value] of Object.entries(change.waitingRoom ?? {})) {
        const column = waitingRoomColumns[key as keyof WaitingRoomPatch];
        if (!column || value === undefined) continue;
        values.push(value);
        sets.push(`${column} = $${values.length}`);
      }
      const { rows } = await db.query<EventRow>(
        `UPDATE events SET ${sets.join(', ')} WHERE id = $1 AND status = 'on_sale' RETURNING ${columns}`,
        values,
      );
      return rows[0] ? toEvent(rows[0]) : null;
    },

    async setBlocked(eventId: string, seats: string[], reason: string | null, db: Db = pool): Promise<void> {
      await db.query('UPDATE seats SET blocked_reason = $3 WHERE event_id = $1 AND seat_id = ANY($2)', [
        eventId,
        seats,
        reason,
      ]);
    },

    async blockedSeats(eventId: string, db: Db = pool): Promise<Record<string, string>> {
      const { rows } = await db.query<{ seat_id: string; blocked_reason: string }>(
        'SELECT seat_id, blocked_reason FROM seats WHERE event_id = $1 AND blocked_reason IS NOT NULL',
        [eventId],
      );
      return Object.fromEntries(rows.map((row) => [row.seat_id, row.blocked_reason]));
    },
  };
}

export type EventsRepository = ReturnType<typeof eventsRepository>;
