import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import { purgeIdempotencyKeys } from '../modules/bookings/idempotency.js';
import type { BookingService } from '../modules/bookings/service.js';
import type { Inventory } from './inventory.js';
import { ACTIVE_EVENTS_KEY } from './keys.js';
import { asList } from './redis-inventory.js';

const PENDING_GRACE_MS = 30_000;
/** Events swept concurrently: one Redis round trip each, pipelined by ioredis. */
const SWEEP_BATCH = 50;
/** An event unchanged this long, with no holds and nothing in flight, is no longer swept. */
const IDLE_MS = 10 * 60_000;

/**
 * Background upkeep, run by every server (each step is safe to run concurrently):
 * - every tick: expire holds of live events (invariant 4, docs/architecture.md: no keyspace notifications);
 *   an event idle for 10 minutes (no holds, nothing in flight) leaves the list until it changes;
 * - every 10 s: heal bookings left pending by a crash between Redis and PostgreSQL;
 * - every 60 s: reconcile Redis against PostgreSQL (one server per event, under a lock);
 * - every hour: forget idempotency keys older than 24 h.
 */
export class Sweeper {
  private timer: NodeJS.Timeout | null = null;
  private ticks = 0;
  private running = false;

  constructor(
    private readonly inventory: Inventory,
    private readonly pool: pg.Pool,
    private readonly bookings: BookingService,
    private readonly intervalMs: number,
    private readonly log: FastifyBaseLogger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    while (this.running) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.ticks++;
    try {
      const redis = this.inventory.redis;
      if (redis.status !== 'ready') return;
      const eventIds = await redis.smembers(ACTIVE_EVENTS_KEY);
      const perSecond = Math.max(1, Math.round(1_000 / this.intervalMs));
      const heal = this.ticks % (10 * perSecond) === 0;
      const reconcileNow = this.ticks % (60 * perSecond) === 0;
      for (let i = 0; i < eventIds.length && this.timer; i += SWEEP_BATCH) {
        await Promise.all(
          eventIds.slice(i, i + SWEEP_BATCH).map((eventId) => this.sweepEvent(eventId, heal, reconcileNow)),
        );
      }
      if (this.ticks % (3_600 * perSecond) === 0) await purgeIdempotencyKeys(this.pool);
    } catch (error) {
      this.log.warn({ err: error }, 'sweep failed; retrying next tick');
    } finally {
      this.running = false;
    }
  }

  private async sweepEvent(eventId: string, heal: boolean, reconcileNow: boolean): Promise<void> {
    const redis = this.inventory.redis;
    const result = await this.inventory.runIfLoaded(eventId, 'sweep', { idleMs: IDLE_MS });
    if (result.code === 'COLD') {
      await redis.srem(ACTIVE_EVENTS_KEY, eventId);
      return;
    }
    if (heal) await this.healPending(eventId);
    if (reconcileNow) await this.reconcileOnce(eventId);
    if (result.idle === true) {
      // Take it off the list, then look again: a hold made in between puts it back.
      await redis.srem(ACTIVE_EVENTS_KEY, eventId);
      const again = await this.inventory.runIfLoaded(eventId, 'sweep', { idleMs: IDLE_MS });
      if (again.code !== 'COLD' && again.idle !== true) await redis.sadd(ACTIVE_EVENTS_KEY, eventId);
    }
  }

  /** Bookings Redis marked but PostgreSQL never confirmed: settle the committed, undo the rest. */
  async healPending(eventId: string): Promise<number> {
    if (!(await eventInDatabase(this.pool, eventId))) return 0;
    const result = await this.inventory.run(eventId, 'pending_stale', { graceMs: PENDING_GRACE_MS });
    let healed = 0;
    for (const bookingId of asList<string>(result.ids)) {
      const { rows } = await this.pool.query<{ status: string }>(
        'SELECT status FROM bookings WHERE id = $1',
        [bookingId],
      );
      if (rows[0]?.status === 'confirmed') {
        await this.inventory.run(eventId, 'settle', { bookingId });
      } else {
        await this.inventory.run(eventId, 'unbook', { bookingId, seats: [], general: {}, fromPending: true });
        healed++;
        this.log.warn({ eventId, bookingId }, 'rolled back a booking PostgreSQL never committed');
      }
    }
    return healed;
  }

  private async reconcileOnce(eventId: string): Promise<void> {
    const lock = await this.inventory.redis.set(`inv:{${eventId}}:reconciling`, '1', 'PX', 50_000, 'NX');
    if (lock === 'OK') await reconcile(this.inventory, this.pool, eventId, this.log);
  }

  /** For the expired-hold listener: offers that ran out move the line on. */
  offerExpired(eventId: string, bookingId: string): void {
    this.bookings
      .expireOffer(eventId, bookingId)
      .catch((error) => this.log.error({ err: error, bookingId }, 'could not expire an offer'));
  }
}

/**
 * Whether this server's PostgreSQL knows the event. A Redis database shared by deployments with
 * different PostgreSQL databases (a development server next to a test run, say) lists events this
 * server must not judge: to its database they have no bookings, and "repairing" them would free
 * seats someone else sold.
 */
async function eventInDatabase(pool: pg.Pool, eventId: string): Promise<boolean> {
  const { rowCount } = await pool.query('SELECT 1 FROM events WHERE id = $1', [eventId]);
  return rowCount === 1;
}

/**
 * Drift detection and repair: compares Redis with PostgreSQL and makes Redis agree (Postgres
 * wins). Returns what was repaired.
 */
export async function reconcile(
  inventory: Inventory,
  pool: pg.Pool,
  eventId: string,
  log?: FastifyBaseLogger,
): Promise<string[]> {
  if (!(await eventInDatabase(pool, eventId))) return [];
  const [seconds] = await inventory.redis.time();
  // Anything settled in Redis after this moment may be newer than the read below.
  const readAt = Number(seconds) * 1_000 - 1_000;
  const client = await pool.connect();
  let booked: Record<string, string>;
  let blocked: string[];
  let general: Record<string, number>;
  let waitlist: { id: string; seq: number; q: number; s?: string }[];
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    booked = Object.fromEntries(
      (
        await client.query<{ seat_id: string; booking_id: string }>(
          'SELECT seat_id, booking_id FROM booking_seats WHERE event_id = $1 AND active',
          [eventId],
        )
      ).rows.map((row) => [row.seat_id, row.booking_id]),
    );
    blocked = (
      await client.query<{ seat_id: string }>(
        'SELECT seat_id FROM seats WHERE event_id = $1 AND blocked_reason IS NOT NULL',
        [eventId],
      )
    ).rows.map((row) => row.seat_id);
    general = Object.fromEntries(
      (
        await client.query<{ section_id: string; booked: number }>(
          'SELECT section_id, booked FROM general_sections WHERE event_id = $1',
          [eventId],
        )
      ).rows.map((row) => [row.section_id, row.booked]),
    );
    waitlist = (
      await client.query<{ id: string; seq: number; q: number; s: string | null }>(
        `SELECT id, waitlist_seq AS seq, quantity AS q, section_id AS s FROM bookings
         WHERE event_id = $1 AND status = 'waitlisted' ORDER BY waitlist_seq`,
        [eventId],
      )
    ).rows.map((row) => ({ id: row.id, seq: row.seq, q: row.q, ...(row.s ? { s: row.s } : {}) }));
    await client.query('COMMIT');
  } finally {
    client.release();
  }
  const result = await inventory.run(eventId, 'reconcile', { booked, blocked, general, waitlist, readAt });
  const repaired = asList<string>(result.repaired);
  if (repaired.length > 0) log?.warn({ eventId, repaired }, 'repaired drift between Redis and PostgreSQL');
  return repaired;
}
