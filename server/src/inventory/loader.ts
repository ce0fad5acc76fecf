import { randomUUID } from 'node:crypto';
import type { RedisClient } from '@happening/runtime';
import { reservedSeats, type SeatMap, seatId } from '@happening/shared';
import type pg from 'pg';
import {
  ACTIVE_EVENTS_KEY,
  INVENTORY_KEY_NAMES,
  inventoryKeys,
  loadLockKey,
  scriptKeys,
  stagingKeys,
} from './keys.js';

export const VERSION_EPOCH_SIZE = 1_000_000_000;
const LOCK_MS = 20_000;
const CHUNK = 5_000;

export class EventNotLoadable extends Error {
  constructor(readonly reason: 'missing' | 'draft') {
    super(reason === 'missing' ? 'no such event' : 'event is a draft');
  }
}

interface EventRow {
  status: 'draft' | 'on_sale' | 'cancelled';
  seatMap: SeatMap;
  /** Per-address allowances the hold script enforces (events.max_seats_per_address, …). */
  capSeats: number;
  capHolds: number;
  startsAt: Date;
}

/**
 * The status the inventory script sees: an on-sale event whose start lies more than `overAfterMs`
 * back is `over`, and the script sells nothing for it (holds, bookings, extensions answer
 * EVENT_NOT_ON_SALE), so an event long past cannot fill Redis with holds again.
 */
export function inventoryStatus(event: EventRow, overAfterMs: number | undefined, now = Date.now()): string {
  if (
    event.status === 'on_sale' &&
    overAfterMs !== undefined &&
    event.startsAt.getTime() + overAfterMs <= now
  )
    return 'over';
  return event.status;
}

/** A row whose seats are numbered 1..n in drawing order: best available needs no list of its numbers. */
function numberedInOrder(numbers: number[]): boolean {
  return numbers.every((n, index) => n === index + 1);
}

/**
 * A row's occupancy string (set_state in lua/lib/core.lua keeps it): byte n is '1' when seat n is
 * taken in `state`, '0' when free, '.' when the row has no seat n. Only for a row whose highest
 * number is small beside its size (at most 4 bytes a seat), so a sparse numbering cannot make it
 * large; best available reads such a row seat by seat instead.
 */
function occupancyString(
  section: string,
  label: string,
  numbers: number[],
  state: Map<string, string>,
): string | undefined {
  const highest = Math.max(0, ...numbers);
  if (highest > 4 * numbers.length + 16) return undefined;
  const bytes = Array.from({ length: highest }, () => '.');
  for (const n of numbers) bytes[n - 1] = state.has(seatId(section, label, n)) ? '1' : '0';
  return bytes.join('');
}

/**
 * Rebuilds an event's Redis inventory from PostgreSQL (invariant 2, docs/architecture.md). Race-free: a Redis
 * lock lets one server read and stage while the others wait for the result, and the final
 * install is one script that refuses to overwrite a live inventory. Returns true when this call
 * did the rebuild.
 */
export async function rebuildInventory(
  redis: RedisClient,
  pool: pg.Pool,
  eventId: string,
  overAfterMs?: number,
): Promise<boolean> {
  const [meta] = inventoryKeys(eventId);
  const loaderId = randomUUID();
  const deadline = Date.now() + LOCK_MS;
  while (Date.now() < deadline) {
    if ((await redis.exists(meta!)) === 1) return false;
    const locked = await redis.set(loadLockKey(eventId), loaderId, 'PX', LOCK_MS, 'NX');
    if (locked === 'OK') {
      try {
        if ((await redis.exists(meta!)) === 1) return false;
        return await stageAndInstall(redis, pool, eventId, loaderId, overAfterMs);
      } finally {
        // Only our own lock: compare-and-delete.
        await redis.eval(
          "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
          1,
          ...scriptKeys.unlock(eventId),
          loaderId,
        );
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`inventory of event ${eventId} was not rebuilt within ${LOCK_MS} ms`);
}

async function stageAndInstall(
  redis: RedisClient,
  pool: pg.Pool,
  eventId: string,
  loaderId: string,
  overAfterMs: number | undefined,
): Promise<boolean> {
  const client = await pool.connect();
  let event: EventRow;
  let epoch: number;
  let booked: { seat_id: string; booking_id: string }[];
  let blocked: string[];
  let general: { section_id: string; capacity: number; booked: number }[];
  let waitlist: { id: string; waitlist_seq: number; quantity: number; section_id: string | null }[];
  let offers: {
    id: string;
    offer_seats: { seats: string[]; general: Record<string, number> };
    exp: number;
  }[];
  try {
    // One snapshot of the truth: everything below is read in a single REPEATABLE READ transaction.
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    const found = await client.query<EventRow & { inventory_epoch: number }>(
      `UPDATE events SET inventory_epoch = inventory_epoch + 1 WHERE id = $1
       RETURNING status, seat_map AS "seatMap", starts_at AS "startsAt", inventory_epoch,
         COALESCE(max_seats_per_address, 2 * max_seats_per_booking) AS "capSeats",
         max_holds_per_address AS "capHolds"`,
      [eventId],
    );
    if (!found.rows[0]) throw new EventNotLoadable('missing');
    if (found.rows[0].status === 'draft') throw new EventNotLoadable('draft');
    event = found.rows[0];
    epoch = found.rows[0].inventory_epoch;
    booked = (
      await client.query('SELECT seat_id, booking_id FROM booking_seats WHERE event_id = $1 AND active', [
        eventId,
      ])
    ).rows;
    blocked = (
      await client.query<{ seat_id: string }>(
        'SELECT seat_id FROM seats WHERE event_id = $1 AND blocked_reason IS NOT NULL',
        [eventId],
      )
    ).rows.map((row) => row.seat_id);
    general = (
      await client.query('SELECT section_id, capacity, booked FROM general_sections WHERE event_id = $1', [
        eventId,
      ])
    ).rows;
    waitlist = (
      await client.query(
        `SELECT id, waitlist_seq, quantity, section_id FROM bookings
         WHERE event_id = $1 AND status = 'waitlisted' ORDER BY waitlist_seq`,
        [eventId],
      )
    ).rows;
    offers = (
      await client.query(
        `SELECT id, offer_seats, (extract(epoch FROM offer_expires_at) * 1000)::bigint AS exp FROM bookings
         WHERE event_id = $1 AND status = 'offered' AND offer_expires_at > now()`,
        [eventId],
      )
    ).rows;
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }

  const stage = stagingKeys(eventId, loaderId);
  const [sMeta, sIds, sState, sHolds, sHexp, sCounts, sLayout, sWl, sWlq] = stage as [string, ...string[]];
  const sOccupancy = stage[INVENTORY_KEY_NAMES.indexOf('occupancy')]!;
  const pipeline = redis.pipeline();
  pipeline.del(...stage);

  const counts = new Map<string, number>();
  const bump = (key: string, by: number) => counts.set(key, (counts.get(key) ?? 0) + by);
  const sections: string[] = [];
  const rows = new Map<string, [string, number[]][]>();
  for (const section of event.seatMap.sections) {
    sections.push(section.id);
    if (section.kind === 'general') {
      pipeline.hset(sLayout!, section.id, JSON.stringify({ k: 'g' }));
      const row = general.find((g) => g.section_id === section.id);
      bump(`${section.id}:cap`, row?.capacity ?? section.capacity);
      bump(`${section.id}:booked`, row?.booked ?? 0);
    } else {
      rows.set(section.id, []);
      bump(`${section.id}:cap`, 0);
    }
  }
  let ids: string[] = [];
  /** Seat id → its per-row occupancy counter (see set_state in lua/lib/core.lua). */
  const rowCounter = new Map<string, string>();
  for (const seat of reservedSeats(event.seatMap)) {
    rowCounter.set(seat.id, `${seat.section}:row:${seat.row}`);
    const sectionRows = rows.get(seat.section)!;
    const last = sectionRows[sectionRows.length - 1];
    if (last && last[0] === seat.row) last[1].push(seat.n);
    else sectionRows.push([seat.row, [seat.n]]);
    bump(`${seat.section}:cap`, 1);
    ids.push(seat.id);
    if (ids.length === CHUNK) {
      pipeline.sadd(sIds!, ...ids);
      ids = [];
    }
  }
  if (ids.length > 0) pipeline.sadd(sIds!, ...ids);
  for (const [section, sectionRows] of rows) {
    pipeline.hset(sLayout!, section, JSON.stringify({ k: 'r', r: sectionRows }));
    // Best available reads these instead (lua/lib/pick.lua): the row labels with their sizes, and
    // each row's numbers on its own, so a booking decodes the rows it scans, not the whole map.
    const rowFields: string[] = [
      `${section}:rows`,
      JSON.stringify(
        sectionRows.map(([label, numbers]) =>
          numberedInOrder(numbers) ? [label, numbers.length, 1] : [label, numbers.length],
        ),
      ),
    ];
    for (const [label, numbers] of sectionRows)
      rowFields.push(`${section}:row:${label}`, JSON.stringify(numbers));
    pipeline.hset(sLayout!, ...rowFields);
  }

  const state = new Map<string, string>();
  for (const seat of blocked) state.set(seat, 'x');
  for (const { seat_id, booking_id } of booked) state.set(seat_id, `b:${booking_id}`);
  for (const offer of offers) {
    const token = `offer_${offer.id}`;
    const seats = offer.offer_seats.seats.filter((seat) => !state.has(seat));
    for (const seat of seats) state.set(seat, `h:${token}`);
    for (const [section, quantity] of Object.entries(offer.offer_seats.general))
      bump(`${section}:held`, quantity);
    pipeline.hset(
      sHolds!,
      token,
      JSON.stringify({
        s: seats,
        g: offer.offer_seats.general,
        exp: Number(offer.exp),
        ext: 0,
        born: Date.now(),
        o: offer.id,
      }),
    );
    pipeline.zadd(sHexp!, Number(offer.exp), token);
  }
  const statePairs: string[] = [];
  for (const [seat, value] of state) {
    const section = seat.slice(0, seat.indexOf('-'));
    bump(`${section}:${value === 'x' ? 'blocked' : value.startsWith('b:') ? 'booked' : 'held'}`, 1);
    const row = rowCounter.get(seat);
    if (row) bump(row, 1);
    statePairs.push(seat, value);
    if (statePairs.length >= CHUNK * 2) pipeline.hset(sState!, ...statePairs.splice(0));
  }
  if (statePairs.length > 0) pipeline.hset(sState!, ...statePairs);
  const occupancyFields: string[] = [];
  for (const [section, sectionRows] of rows)
    for (const [label, numbers] of sectionRows) {
      const occupancy = occupancyString(section, label, numbers, state);
      if (occupancy) occupancyFields.push(`${section}:${label}`, occupancy);
    }
  if (occupancyFields.length > 0) pipeline.hset(sOccupancy, ...occupancyFields);
  if (counts.size > 0) pipeline.hset(sCounts!, ...[...counts].flat().map(String));
  for (const entry of waitlist) {
    pipeline.zadd(sWl!, entry.waitlist_seq, entry.id);
    pipeline.hset(sWlq!, entry.id, JSON.stringify({ q: entry.quantity, s: entry.section_id ?? undefined }));
  }
  pipeline.hset(sMeta, {
    status: inventoryStatus(event, overAfterMs),
    v: String(epoch * VERSION_EPOCH_SIZE),
    sections: JSON.stringify(sections),
    loadedAt: String(Date.now()),
    capSeats: String(event.capSeats),
    capHolds: String(event.capHolds),
  });
  await pipeline.exec();
  const installKeys = scriptKeys.install(eventId, loaderId);
  const installed = (await redis.happeningLoad(installKeys.length, ...installKeys)) === 1;
  if (installed) await redis.sadd(ACTIVE_EVENTS_KEY, eventId);
  return installed;
}
