/**
 * What the bookings suite reads back after each run, from PostgreSQL (and Redis through the
 * server's availability answer), so "0 oversold, 0 lost" are findings, not assumptions.
 */
import type pg from 'pg';
import type { Acknowledged } from '../load/booking-clients.js';

type Pool = pg.Pool;

/**
 * Seats confirmed beyond an event's capacity, plus seats in two active bookings. The unique index
 * on active seats already rules out the second; the first counts a design that sells too many.
 */
export async function oversoldSeats(pool: Pool, eventIds: string[]): Promise<number> {
  const { rows } = await pool.query<{ over: number }>(
    `SELECT coalesce(sum(greatest(0, sold - capacity) + (sold - distinct_seats)), 0)::int AS over FROM (
       SELECT e.capacity, count(bs.seat_id)::int AS sold, count(DISTINCT bs.seat_id)::int AS distinct_seats
       FROM events e
       LEFT JOIN booking_seats bs ON bs.event_id = e.id AND bs.active
       WHERE e.id = ANY($1::uuid[])
       GROUP BY e.id) per_event`,
    [eventIds],
  );
  return rows[0]!.over;
}

/** 201s the client got whose booking is not confirmed in PostgreSQL with exactly those seats. */
export async function lostAcknowledged(pool: Pool, acknowledged: Acknowledged[]): Promise<number> {
  if (acknowledged.length === 0) return 0;
  const { rows } = await pool.query<{ lost: number }>(
    `WITH ack AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS a(id uuid, seats text[])
     )
     SELECT count(*)::int AS lost FROM ack
     LEFT JOIN bookings b ON b.id = ack.id AND b.status = 'confirmed'
     WHERE b.id IS NULL
        OR (SELECT array_agg(seat_id ORDER BY seat_id) FROM booking_seats WHERE booking_id = ack.id AND active)
           IS DISTINCT FROM (SELECT array_agg(s ORDER BY s) FROM unnest(ack.seats) AS s)`,
    [JSON.stringify(acknowledged)],
  );
  return rows[0]!.lost;
}

/** Confirmed bookings whose active seat rows do not add up to their quantity (all seats reserved). */
export async function bookingsWithoutSeats(pool: Pool, eventIds: string[]): Promise<number> {
  const { rows } = await pool.query<{ bad: number }>(
    `SELECT count(*)::int AS bad FROM bookings b
     WHERE b.event_id = ANY($1::uuid[]) AND b.status = 'confirmed'
       AND b.quantity <> (SELECT count(*) FROM booking_seats bs WHERE bs.booking_id = b.id AND bs.active)`,
    [eventIds],
  );
  return rows[0]!.bad;
}

/**
 * Seats Redis and PostgreSQL disagree on once the run is over: the server's availability answer
 * (Redis) against PostgreSQL's active seat rows, per event, as the fault-drill tests compare them.
 * Settles run just after the 201s, so a difference is given a few seconds to go away.
 */
export async function redisDisagreements(pool: Pool, url: string, eventIds: string[]): Promise<number> {
  let differing = 0;
  for (const eventId of eventIds) {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const { rows } = await pool.query<{ seat_id: string }>(
        'SELECT seat_id FROM booking_seats WHERE event_id = $1 AND active',
        [eventId],
      );
      const response = await fetch(`${url}/api/v1/events/${eventId}/availability`);
      if (!response.ok) throw new Error(`availability of ${eventId}: ${response.status}`);
      const { seats } = (await response.json()) as { seats: Record<string, string> };
      const inPostgres = new Set(rows.map((row) => row.seat_id));
      const notAvailable = Object.entries(seats).filter(([, status]) => status !== 'available');
      const wrong =
        notAvailable.filter(([seat, status]) => status !== 'booked' || !inPostgres.has(seat)).length +
        [...inPostgres].filter((seat) => seats[seat] !== 'booked').length;
      if (wrong === 0 || Date.now() > deadline) {
        differing += wrong;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return differing;
}

/** The seed peer's oversell: bookings past each event's capacity (its seat numbers are invented). */
export async function seedOversold(pool: Pool, eventIds: string[]): Promise<number> {
  const { rows } = await pool.query<{ over: number }>(
    `SELECT coalesce(sum(greatest(0, sold - capacity)), 0)::int AS over FROM (
       SELECT e.capacity, count(b.id)::int AS sold
       FROM bench_peer_events e
       LEFT JOIN bench_peer_bookings b ON b.event_id = e.id
       WHERE e.id = ANY($1::bigint[])
       GROUP BY e.id) per_event`,
    [eventIds],
  );
  return rows[0]!.over;
}
