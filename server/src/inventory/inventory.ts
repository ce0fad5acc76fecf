import type { RedisClient } from '@happening/runtime';
import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import { AppError } from '../lib/errors.js';
import {
  type ArgsOf,
  type Cold,
  type Envelope,
  type ExpiredHold,
  isCold,
  type Operation,
  type ResultOf,
} from './contract.js';
import { ACTIVE_EVENTS_KEY } from './keys.js';
import { EventNotLoadable, rebuildInventory } from './loader.js';
import { defineInventoryCommands, runInventoryScript } from './redis-inventory.js';

export type ExpiredListener = (eventId: string, expired: ExpiredHold[]) => void;
export type VersionListener = (eventId: string, version: number) => void;
/** The event has hold events queued in Redis, to move into the outbox (hold-notices.ts). */
export type NoticeListener = (eventId: string) => void;

/**
 * The inventory of every event as seen by this server: runs the Lua script, rebuilds an event
 * from PostgreSQL when Redis does not have it (first use, or after Redis lost data), and reports
 * holds the script found expired so callers can tell their holders and pass offers on.
 */
export class Inventory {
  /** Rebuilds this process performed (exposed for tests and metrics). */
  rebuilds = 0;
  private readonly loading = new Map<string, Promise<void>>();
  private readonly expiredListeners: ExpiredListener[] = [];
  private readonly versionListeners: VersionListener[] = [];
  private readonly noticeListeners: NoticeListener[] = [];
  private readonly markedActive = new Map<string, number>();

  constructor(
    readonly redis: RedisClient,
    private readonly pool: pg.Pool,
    private readonly log: FastifyBaseLogger,
    /** How long after its start an event is over: rebuilt then, it sells nothing (see loader.ts). */
    private readonly overAfterMs?: number,
  ) {
    defineInventoryCommands(redis);
  }

  /**
   * Puts the event back on the sweeper's list after something that can expire or needs healing
   * was created. At most once a second per event and process: it sits on the hold path.
   */
  private markActive(eventId: string): void {
    const now = Date.now();
    if (now - (this.markedActive.get(eventId) ?? 0) < 1_000) return;
    if (this.markedActive.size > 10_000) this.markedActive.clear();
    this.markedActive.set(eventId, now);
    this.redis
      .sadd(ACTIVE_EVENTS_KEY, eventId)
      .catch((error) => this.log.warn({ err: error, eventId }, 'could not mark event active'));
  }

  onExpired(listener: ExpiredListener): void {
    this.expiredListeners.push(listener);
  }

  /** A script this process ran queued hold events, or the sweep found some still queued. */
  onNotices(listener: NoticeListener): void {
    this.noticeListeners.push(listener);
  }

  /** The event's version after each script this process ran (the availability cache's own writes). */
  onVersion(listener: VersionListener): void {
    this.versionListeners.push(listener);
  }

  /** One operation of the inventory script (see contract.ts), loading the event first if needed. */
  async run<Op extends Operation>(
    eventId: string,
    operation: Op,
    args: ArgsOf<Op>,
    /** A hold's proof-of-work solution, to mark spent if the hold needs it (keys.ts `proofKey`). */
    proofKey?: string,
  ): Promise<ResultOf<Op>> {
    let result = await runInventoryScript(this.redis, eventId, operation, args, proofKey);
    if (isCold(result)) {
      await this.ensureLoaded(eventId);
      result = await runInventoryScript(this.redis, eventId, operation, args, proofKey);
      if (isCold(result)) throw new Error(`inventory of ${eventId} vanished right after loading`);
    }
    if (result.ok && (operation === 'hold' || operation === 'promote' || operation.startsWith('book'))) {
      this.markActive(eventId);
    }
    this.reportVersion(eventId, result);
    this.reportExpired(eventId, result);
    this.reportNotices(eventId, result);
    return result;
  }

  /** Like `run`, but never loads: for the sweeper, which must not resurrect idle events. */
  async runIfLoaded<Op extends Operation>(
    eventId: string,
    operation: Op,
    args: ArgsOf<Op>,
  ): Promise<ResultOf<Op> | Cold> {
    const result = await runInventoryScript(this.redis, eventId, operation, args);
    if (!isCold(result)) {
      this.reportVersion(eventId, result);
      this.reportExpired(eventId, result);
      this.reportNotices(eventId, result);
    }
    return result;
  }

  private reportVersion(eventId: string, result: Envelope): void {
    if (typeof result.v !== 'number') return;
    for (const listener of this.versionListeners) {
      try {
        listener(eventId, result.v);
      } catch (error) {
        // Never in the way of the expired-hold report that follows, nor of the caller.
        this.log.error({ err: error, eventId }, 'version listener failed');
      }
    }
  }

  private reportExpired(eventId: string, result: Envelope): void {
    if (result.expired.length === 0) return;
    for (const listener of this.expiredListeners) {
      try {
        listener(eventId, result.expired);
      } catch (error) {
        this.log.error({ err: error, eventId }, 'expired-hold listener failed');
      }
    }
  }

  private reportNotices(eventId: string, result: Envelope & { notices?: number }): void {
    if (!result.noticed && !(result.notices && result.notices > 0)) return;
    for (const listener of this.noticeListeners) {
      try {
        listener(eventId);
      } catch (error) {
        this.log.error({ err: error, eventId }, 'hold-event listener failed');
      }
    }
  }

  /** One rebuild per process at a time per event; across processes the loader's lock decides. */
  ensureLoaded(eventId: string): Promise<void> {
    let pending = this.loading.get(eventId);
    if (!pending) {
      pending = rebuildInventory(this.redis, this.pool, eventId, this.overAfterMs)
        .then((rebuilt) => {
          if (rebuilt) {
            this.rebuilds++;
            this.log.info({ eventId }, 'inventory rebuilt from PostgreSQL');
          }
        })
        .catch((error: unknown) => {
          if (error instanceof EventNotLoadable) {
            throw error.reason === 'missing'
              ? new AppError(404, 'NOT_FOUND', 'Event not found')
              : new AppError(409, 'EVENT_NOT_ON_SALE', 'The event is not on sale yet');
          }
          throw error;
        })
        .finally(() => this.loading.delete(eventId));
      this.loading.set(eventId, pending);
    }
    return pending;
  }
}
