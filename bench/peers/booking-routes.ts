/**
 * The booking peers of suite 2 as routes of the real server: mounted by `server-with-peers.ts`
 * after the application (server `startServer(plugins)`), so each request pays what ours pays
 * (HTTP, the global rate limit, authentication, schema validation, JSON serialisation) and each
 * booking writes the rows ours writes (booking, its history row, its seat rows in `booking_seats`,
 * its outbox row). They never ship in the product: only the benchmark's server entry mounts them.
 *
 * - `for-update`, peer (a): the classic design. One transaction: lock the event row
 *   (`SELECT … FOR UPDATE`), pick the first free seats, write everything, commit: five round trips
 *   with the event's lock held across three of them.
 * - `one-statement`, peer (a'): the strongest plain-PostgreSQL design we could write. One
 *   autocommit statement per booking: free seat rows taken with `FOR UPDATE SKIP LOCKED` (so
 *   concurrent bookings take different seats instead of queueing on one), marked with
 *   `UPDATE … RETURNING`, and every row inserted in the same statement's CTEs.
 * - `null`: authentication and validation, then a canned 201: the floor of what HTTP costs here.
 *
 * The peers' free seats live in `bench_seats` (bench/lib/db.ts), filled from the product's `seats`
 * table by `POST /bench/peers/events/:id/seats` once the event is published.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
// For the server's Fastify decorations (pg, authenticate, principal): types only.
import type {} from '@happening/server';
import { BookingBody, CreatedBookingResponse, EventParams, withErrors } from '@happening/shared';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';

const Design = Type.Union([Type.Literal('for-update'), Type.Literal('one-statement'), Type.Literal('null')]);
type Design = 'for-update' | 'one-statement' | 'null';

interface Booked {
  bookingId: string;
  seats: string[];
  createdAt: Date;
}

const soldOut = { error: { code: 'SOLD_OUT', message: 'Not enough places are left for this booking' } };

/** The outbox row's body: the same fields as the product's `booking_confirmed` message. */
const OUTBOX_BODY = `jsonb_build_object(
  'id', $9::uuid, 'type', 'booking_confirmed', 'occurredAt', now(), 'orgId', ev.org_id, 'eventId', ev.id,
  'bookingId', $4::uuid,
  'event', jsonb_build_object('id', ev.id, 'name', ev.name, 'startsAt', ev.starts_at, 'venue', ev.venue),
  'attendee', jsonb_build_object('email', $5::text, 'name', $6::text),
  'seats', (SELECT jsonb_agg(seat_id) FROM taken), 'general', '[]'::jsonb, 'quantity', $3::int,
  'manageUrl', $8::text)`;

/** Writes booking, history, seats and outbox from `taken` (seat ids) and `ev` (the event). */
const WRITES = `
  inserted AS (
    INSERT INTO bookings (id, event_id, org_id, status, quantity, general, attendee_email, attendee_name,
      manage_token_hash, created_by)
    SELECT $4, ev.id, ev.org_id, 'confirmed', $3, '[]', $5, $6, $7, $10 FROM ev
    WHERE (SELECT count(*) FROM taken) > 0
    RETURNING id, status, created_by, created_at
  ), history AS (
    INSERT INTO booking_history (booking_id, status, actor, at)
    SELECT id, status, created_by, created_at FROM inserted
  ), seated AS (
    INSERT INTO booking_seats (booking_id, event_id, seat_id)
    SELECT inserted.id, $1, taken.seat_id FROM inserted, taken
  ), outboxed AS (
    INSERT INTO outbox (id, org_id, type, payload)
    SELECT $9, ev.org_id, 'booking_confirmed', ${OUTBOX_BODY} FROM ev, inserted
  )`;

/** Peer (a'): one statement. Parameters as `values()` below; $2 is the caller's organization. */
const ONE_STATEMENT = `
  WITH ev AS (
    SELECT id, org_id, name, starts_at, venue FROM events WHERE id = $1 AND org_id = $2 AND status = 'on_sale'
  ), free AS (
    SELECT s.seat_id FROM bench_seats s WHERE s.event_id = $1 AND s.booking_id IS NULL
      AND EXISTS (SELECT 1 FROM ev)
    ORDER BY s.ord LIMIT $3 FOR UPDATE SKIP LOCKED
  ), taken AS (
    UPDATE bench_seats s SET booking_id = $4 FROM free
    WHERE s.event_id = $1 AND s.seat_id = free.seat_id
    RETURNING s.seat_id
  ), guard AS (
    -- Fewer seats than asked for (but some): fail the whole statement, so nothing is half taken.
    SELECT 1 / (CASE WHEN (SELECT count(*) FROM taken) IN (0, $3) THEN 1 ELSE 0 END) AS ok
  ), ${WRITES}
  SELECT (SELECT created_at FROM inserted) AS created_at, (SELECT array_agg(seat_id) FROM taken) AS seats
  FROM guard`;

/** Peer (a), inside its transaction once the event row is locked and the seats chosen ($11). */
const FOR_UPDATE_WRITES = `
  WITH ev AS (SELECT id, org_id, name, starts_at, venue FROM events WHERE id = $1 AND org_id = $2),
  taken AS (
    UPDATE bench_seats s SET booking_id = $4 WHERE s.event_id = $1 AND s.seat_id = ANY($11::text[])
    RETURNING s.seat_id
  ), ${WRITES}
  SELECT (SELECT created_at FROM inserted) AS created_at`;

function values(
  eventId: string,
  orgId: string,
  quantity: number,
  attendee: { email: string; name: string },
  actor: string,
) {
  const bookingId = randomUUID();
  const manageToken = `mt_${randomBytes(32).toString('base64url')}`;
  return {
    bookingId,
    manageToken,
    params: [
      eventId,
      orgId,
      quantity,
      bookingId,
      attendee.email,
      attendee.name,
      createHash('sha256').update(manageToken).digest('hex'),
      `https://bench.invalid/bookings/${bookingId}#${manageToken}`,
      randomUUID(),
      actor,
    ] as unknown[],
  };
}

async function oneStatement(app: FastifyInstance, v: ReturnType<typeof values>): Promise<Booked | null> {
  // Bounded: an event off sale (or of another organization) takes nothing however often asked.
  for (let attempt = 0; attempt < 10; attempt++) {
    const { rows } = await app.pg.query<{ created_at: Date | null; seats: string[] | null }>({
      name: 'bench-peer-one-statement',
      text: ONE_STATEMENT,
      values: v.params,
    });
    const row = rows[0];
    if (row?.created_at) return { bookingId: v.bookingId, seats: row.seats ?? [], createdAt: row.created_at };
    // Nothing taken: sold out, or every free seat was locked by bookings in flight (SKIP LOCKED
    // skips them). Only the first is an answer; near the end of a sale, ask again.
    const free = await app.pg.query(
      'SELECT 1 FROM bench_seats WHERE event_id = $1 AND booking_id IS NULL LIMIT 1',
      [v.params[0]],
    );
    if (free.rowCount === 0) return null;
  }
  return null;
}

async function forUpdate(app: FastifyInstance, v: ReturnType<typeof values>): Promise<Booked | null> {
  const [eventId, orgId, quantity] = v.params as [string, string, number];
  const client = await app.pg.connect();
  try {
    await client.query('BEGIN');
    const event = await client.query(
      "SELECT 1 FROM events WHERE id = $1 AND org_id = $2 AND status = 'on_sale' FOR UPDATE",
      [eventId, orgId],
    );
    const free =
      event.rowCount === 0
        ? []
        : (
            await client.query<{ seat_id: string }>(
              'SELECT seat_id FROM bench_seats WHERE event_id = $1 AND booking_id IS NULL ORDER BY ord LIMIT $2',
              [eventId, quantity],
            )
          ).rows.map((row) => row.seat_id);
    if (free.length < quantity) {
      await client.query('ROLLBACK');
      return null;
    }
    const { rows } = await client.query<{ created_at: Date }>({
      name: 'bench-peer-for-update',
      text: FOR_UPDATE_WRITES,
      values: [...v.params, free],
    });
    await client.query('COMMIT');
    return { bookingId: v.bookingId, seats: free, createdAt: rows[0]!.created_at };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/bench/peers/:design/events/:id/bookings',
    {
      schema: {
        tags: ['bench'],
        summary: 'Benchmark peer: a booking by a plain-PostgreSQL design (bench only)',
        description: 'Mounted by the benchmark server alone; see bench/peers/booking-routes.ts.',
        params: Type.Object({ design: Design, id: EventParams.properties.id }),
        body: BookingBody,
        response: withErrors({ 201: CreatedBookingResponse }),
      },
      preHandler: app.authenticate('secret', 'user', 'publishable'),
    },
    async (request, reply) => {
      const principal = request.principal!;
      const orgId = principal.kind === 'user' ? '' : principal.orgId;
      const { quantity = 1, attendee } = request.body;
      const design = request.params.design as Design;
      const v = values(request.params.id, orgId, quantity, attendee, `${principal.kind}-key`);
      const now = new Date();
      const booked =
        design === 'null'
          ? { bookingId: v.bookingId, seats: ['main-R1-1'], createdAt: now }
          : design === 'for-update'
            ? await forUpdate(app, v)
            : await oneStatement(app, v);
      if (!booked) return reply.code(409).send(soldOut as never);
      const at = booked.createdAt.toISOString();
      return reply.code(201).send({
        booking: {
          id: booked.bookingId,
          eventId: request.params.id,
          status: 'confirmed',
          quantity,
          seats: booked.seats,
          general: [],
          attendee,
          createdAt: at,
          updatedAt: at,
        },
        manageToken: v.manageToken,
      });
    },
  );

  app.post(
    '/bench/peers/events/:id/seats',
    {
      schema: {
        tags: ['bench'],
        summary: "Benchmark peer: copy an event's seats into the peers' inventory (bench only)",
        description: 'Mounted by the benchmark server alone; see bench/peers/booking-routes.ts.',
        params: EventParams,
      },
      preHandler: app.authenticate('secret'),
    },
    async (request, reply) => {
      // Seat ids are `<section>-<row>-<n>`: front rows first, then by number, as best available.
      await app.pg.query(
        `INSERT INTO bench_seats (event_id, seat_id, ord)
         SELECT s.event_id, s.seat_id, row_number() OVER (ORDER BY
           (regexp_match(s.seat_id, '-R(\\d+)-'))[1]::int, (regexp_match(s.seat_id, '-(\\d+)$'))[1]::int)
         FROM seats s JOIN events e ON e.id = s.event_id
         WHERE s.event_id = $1 AND e.org_id = $2 AND s.blocked_reason IS NULL
         ON CONFLICT DO NOTHING`,
        [request.params.id, request.principal!.kind === 'secret' ? request.principal!.orgId : ''],
      );
      return reply.code(204).send();
    },
  );
};

/** Under the API's prefix, like every product route. */
export const bookingPeerRoutes: FastifyPluginAsync = async (app) => {
  await app.register(routes, { prefix: '/api/v1' });
};
