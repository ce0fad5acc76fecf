import { createHash } from 'node:crypto';
import type { RedisClient } from '@happening/runtime';
import type { Event, GeneralQuantity, HoldNotificationMessage } from '@happening/shared';
import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import { INVENTORY_KEY_NAMES, inventoryKeys } from '../inventory/keys.js';
import { inTransaction } from '../lib/db.js';
import { enqueueNotificationsOnce } from '../lib/outbox.js';

/** Notices moved per transaction. */
const BATCH = 200;

/** A hold event as the inventory script queued it (lua/lib/core.lua `push_notice`). */
interface Notice {
  /** 'w' hold_expiring, 'x' hold_expired, 'e' hold_extended. */
  k: 'w' | 'x' | 'e';
  /** The hold token: only hashed into the message id, never written into the message. */
  t: string;
  /** The hold's expiry (ms) when it happened; `pe` the one before an extension. */
  exp: number;
  pe?: number;
  /** When it happened (ms, Redis's clock). */
  at: number;
  s: unknown;
  g: unknown;
  x?: string;
  r?: 'extend' | 'checkout';
  /** An extension's number (`c` for the checkout's), so each extension is one message. */
  n?: number | string;
}

const TYPES = { w: 'hold_expiring', x: 'hold_expired', e: 'hold_extended' } as const;

/**
 * The message id of one hold event: a UUID derived from the hold and what happened to it (a
 * warning per expiry time, one expiry, an extension by its number), so the same event moved twice
 * (two servers, or a crash between the outbox commit and the removal from Redis) is one outbox
 * row. The token is hashed, so the id reveals nothing of it.
 */
export function holdEventId(notice: Pick<Notice, 'k' | 't' | 'exp' | 'n'>): string {
  const which = notice.k === 'w' ? String(notice.exp) : notice.k === 'e' ? String(notice.n) : '';
  const hex = createHash('sha256')
    .update(`happening/hold-event/v1\n${notice.t}\n${notice.k}\n${which}`)
    .digest('hex');
  // RFC 9562 layout: version 5 (name-based, SHA), variant 10.
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
/** cjson writes an empty table as `{}` and a hold's places as `{section: quantity}`. */
function generalOf(value: unknown): GeneralQuantity[] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value as Record<string, unknown>).map(([section, quantity]) => ({
    section,
    quantity: Number(quantity),
  }));
}

export function holdEventMessage(event: Event, notice: Notice, holderId: string): HoldNotificationMessage {
  const base = {
    id: holdEventId(notice),
    occurredAt: new Date(notice.at).toISOString(),
    orgId: event.orgId,
    eventId: event.id,
    event: { id: event.id, name: event.name, startsAt: event.startsAt, venue: event.venue },
    holderId,
    ...(typeof notice.x === 'string' ? { externalId: notice.x } : {}),
    expiresAt: new Date(notice.exp).toISOString(),
    seats: list(notice.s).map(String),
    general: generalOf(notice.g),
  };
  if (notice.k === 'e') {
    return {
      type: 'hold_extended',
      ...base,
      reason: notice.r === 'checkout' ? 'checkout' : 'extend',
      previousExpiresAt: new Date(notice.pe ?? notice.exp).toISOString(),
    };
  }
  return { type: TYPES[notice.k], ...base };
}

const noticesKey = (eventId: string) => inventoryKeys(eventId)[INVENTORY_KEY_NAMES.indexOf('notices')]!;

/**
 * Moves the hold events the inventory script queued in Redis into the PostgreSQL outbox, from
 * where the relay publishes them like every notification. The script queues an event in the same
 * atomic call as the change it reports, so exactly the holds that expired (not those booked or
 * released) have a `hold_expired`; each server may move any event's notices, in any number at
 * once: the outbox insert is idempotent by the derived id, and a notice leaves Redis only after
 * its row committed. Called when a script says it queued one and by the sweeper for what is left.
 */
export class HoldNotices {
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();

  constructor(
    private readonly redis: RedisClient,
    private readonly pool: pg.Pool,
    private readonly findEvent: (id: string) => Promise<Event | null>,
    private readonly holderIdOf: (holdToken: string) => string,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Moves the event's notices now; a call while one runs makes it go round once more. */
  drain(eventId: string): Promise<void> {
    const running = this.running.get(eventId);
    if (running) {
      this.again.add(eventId);
      return running;
    }
    const run = (async () => {
      try {
        do {
          this.again.delete(eventId);
          await this.moveAll(eventId);
        } while (this.again.has(eventId));
      } catch (error) {
        // Left in Redis: the sweeper's next visit tries again.
        this.log.warn({ err: error, eventId }, 'could not move hold events into the outbox');
      } finally {
        this.running.delete(eventId);
      }
    })();
    this.running.set(eventId, run);
    return run;
  }

  private async moveAll(eventId: string): Promise<void> {
    const key = noticesKey(eventId);
    for (;;) {
      const members = await this.redis.zrange(key, 0, BATCH - 1);
      if (members.length === 0) return;
      const event = await this.findEvent(eventId);
      // Another deployment's event sharing this Redis: its own servers move its notices.
      if (!event) return;
      const messages: HoldNotificationMessage[] = [];
      for (const member of members) {
        try {
          const notice = JSON.parse(member) as Notice;
          messages.push(holdEventMessage(event, notice, this.holderIdOf(notice.t)));
        } catch (error) {
          this.log.error({ err: error, eventId }, 'dropped an unreadable hold event');
        }
      }
      await inTransaction(this.pool, (client) => enqueueNotificationsOnce(client, messages));
      await this.redis.zrem(key, ...members);
      if (members.length < BATCH) return;
    }
  }
}
