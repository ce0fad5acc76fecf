import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import { purgeIdempotencyKeys } from '../modules/bookings/idempotency.js';
import type { BookingService } from '../modules/bookings/service.js';
import { isCold } from './contract.js';
import type { Inventory } from './inventory.js';
import { ACTIVE_EVENTS_KEY } from './keys.js';
import { type EvictOutcome, evictInventory } from './redis-inventory.js';

const PENDING_GRACE_MS = 30_000;
/** Events swept concurrently: one Redis round trip each, pipelined by ioredis. */
const SWEEP_BATCH = 50;

export interface SweeperOptions {
  intervalMs: number;
  /** An inventory unchanged (and not rebuilt) this long, with no holds and nothing pending, leaves Redis. */
  idleMs: number;
  /** An event is over this long after its start: its inventory leaves Redis once its holds are gone. */
  overAfterMs: number;
}

/**
 * Background upkeep, run by every server (each step is safe to run concurrently):
 * - every tick: expire holds of live events (invariant 4, docs/architecture.md: no keyspace notifications);
 * - every 10 s: heal bookings left pending by a crash between Redis and PostgreSQL; take events
 *   that are over out of sale and, once their last holds are gone, out of Redis; and delete the
 *   inventory of an event idle for `idleMs` (no holds, nothing pending, no change): the next use
 *   rebuilds it from PostgreSQL, so Redis memory follows live sales, and the list follows Redis;
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
    private readonly options: SweeperOptions,
    private readonly log: FastifyBaseLogger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
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
      const perSecond = Math.max(1, Math.round(1_000 / this.options.intervalMs));
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
    const result = await this.inventory.runIfLoaded(eventId, 'sweep', { idleMs: this.options.idleMs });
    if (isCold(result)) {
      await redis.srem(ACTIVE_EVENTS_KEY, eventId);
      return;
    }
    if (heal) {
      await this.healPending(eventId);
      const retired = await this.retireIfOver(eventId);
      if (retired === 'evicted' || retired === 'cold') return;
      // Not urgent (idleMs is minutes), so at this pace rather than every tick; and only for
      // events of this server's database, like healing.
      if (retired === 'live' && result.ok && result.idle && (await this.evict(eventId, false)) === 'evicted')
        return;
    }
    if (reconcileNow) await this.reconcileOnce(eventId);
  }

  /** The 10-second upkeep of one event, now: what an operator's script or a test waits for. */
  async upkeep(eventId: string): Promise<void> {
    await this.sweepEvent(eventId, true, false);
  }

  /**
   * Off the list first, then evict: a rebuild after the eviction puts the event back on the list
   * itself, and an eviction refused (a hold made in between, or a recent rebuild) puts it back here.
   */
  private async evict(eventId: string, over: boolean): Promise<EvictOutcome> {
    const redis = this.inventory.redis;
    await redis.srem(ACTIVE_EVENTS_KEY, eventId);
    const outcome = await evictInventory(redis, eventId, { idleMs: over ? 0 : this.options.idleMs, over });
    if (outcome !== 'evicted' && outcome !== 'cold') await redis.sadd(ACTIVE_EVENTS_KEY, eventId);
    return outcome;
  }

  /**
   * An event of this server's database that is over: its sale stops, and its inventory leaves
   * Redis as soon as no hold or pending booking lives in it. Answers `live` for an event that is
   * not over and `foreign` for one this database does not know (another deployment's events
   * sharing this Redis are not judged). A later read rebuilds it.
   */
  async retireIfOver(eventId: string): Promise<EvictOutcome | 'live' | 'foreign'> {
    const { rows } = await this.pool.query<{ over: boolean }>(
      `SELECT starts_at + make_interval(secs => $2::double precision / 1000) <= now() AS over
       FROM events WHERE id = $1`,
      [eventId, this.options.overAfterMs],
    );
    if (!rows[0]) return 'foreign';
    if (!rows[0].over) return 'live';
    return this.evict(eventId, true);
  }

  /**
   * Bookings Redis marked but PostgreSQL never confirmed: settle the committed, undo the rest.
   * `graceMs`: how old a pending entry must be, so that a commit still in flight is left alone.
   */
  async healPending(eventId: string, graceMs = PENDING_GRACE_MS): Promise<number> {
    if (!(await eventInDatabase(this.pool, eventId))) return 0;
    const result = await this.inventory.run(eventId, 'pending_stale', { graceMs });
    let healed = 0;
    for (const bookingId of result.ids) {
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
  const { repaired } = result;
  if (repaired.length > 0) log?.warn({ eventId, repaired }, 'repaired drift between Redis and PostgreSQL');
  return repaired;
}
