import { closeRedis, duplicateRedis, type RedisClient } from '@happening/runtime';
import {
  CONSOLE_NAMESPACE,
  type ConsoleSeatChange,
  type CountsMessage,
  type Event,
  type InventoryChangeMessage,
  rooms,
  type SeatChange,
  WIDGET_NAMESPACE,
} from '@happening/shared';
import type { FastifyBaseLogger } from 'fastify';
import type { Server } from 'socket.io';
import { INVENTORY_CHANNEL, inventoryKeys } from '../inventory/keys.js';
import { sectionCounts, statsFrom } from '../modules/events/availability.js';
import type { HolderIds } from './holder-ids.js';
import type { SocketFollowers, WidgetFollower } from './socket-followers.js';

/** One seat's latest change in a window, as the script published it (state: h:<token>, b:<id>, x or ''). */
interface RawChange {
  status: SeatChange['status'];
  state: string;
  holdExp: number | undefined;
}

interface Pending {
  fromVersion: number;
  version: number;
  /** By seat id, in the order of each seat's latest change. */
  changes: Map<string, RawChange>;
  timer: NodeJS.Timeout;
}

/** Who else wants to hear every version (the availability cache), and whether the channel is live. */
export interface VersionFollower {
  versionSeen(eventId: string, version: number): void;
  follow(live: boolean): void;
}

const NO_FOLLOWER: VersionFollower = { versionSeen: () => {}, follow: () => {} };

/**
 * Section counts go out at most this often per event (the latest, read when sent), stretched in
 * big rooms like the coalescing window (`windowFor`): they follow every seat change, and at
 * 10,000 watchers each broadcast is 10,000 socket writes.
 */
const COUNTS_INTERVAL_MS = 250;
/** Watchers per room at which the coalescing window starts to grow (see `windowFor`). */
const LARGE_ROOM = 1_000;
const MAX_WINDOW_FACTOR = 4;

/** 1 up to LARGE_ROOM watchers, then the square root of the room's size in thousands, at most 4. */
const roomFactor = (watchers: number) =>
  Math.min(MAX_WINDOW_FACTOR, Math.max(1, Math.sqrt(watchers / LARGE_ROOM)));

/**
 * Seat changes reach watchers through Redis pub/sub, not the Socket.IO adapter: every server sees
 * every change of an event in version order (scripts are atomic and publish as they commit), so
 * each server can coalesce a contiguous range of versions and serialise it once per room for its
 * own sockets. A client that sees `fromVersion` differ from its version refetches the snapshot.
 */
export class SeatFanout {
  private readonly pending = new Map<string, Pending>();
  /** Events whose counts went out in the last COUNTS_INTERVAL_MS (see `scheduleCounts`). */
  private readonly counts = new Map<
    string,
    { version: number; dirty: boolean; timer: NodeJS.Timeout | null }
  >();
  private readonly subscriber: RedisClient;
  private readonly statsSentAt = new Map<string, number>();

  constructor(
    private readonly redis: RedisClient,
    private readonly io: Server,
    private readonly findEvent: (id: string) => Promise<Event | null>,
    private readonly bookingTotals: (eventId: string) => Promise<{ confirmed: number; cancelled: number }>,
    private readonly flushMs: number,
    private readonly log: FastifyBaseLogger,
    /** Console changes name a hold by its holder id: the token itself is a credential. */
    private readonly holderIds: HolderIds,
    /** The widget sockets of this server that made each hold: told when it expires. */
    private readonly holdFollowers: SocketFollowers<WidgetFollower>,
    private readonly versions: VersionFollower = NO_FOLLOWER,
  ) {
    // Classic pub/sub, also on a cluster: every node forwards a PUBLISH to its subscribers, and
    // each server follows every event's changes on its one channel (docs/inventory.md).
    this.subscriber = duplicateRedis(redis, `happening-fanout-${process.pid}`);
    this.subscriber.on('error', () => {}); // the main client reports Redis trouble
    // Followed from the moment Redis confirms the subscription (again after every reconnect:
    // ioredis resubscribes on its own, this confirms it); messages of a gap are lost, so the
    // follower forgets what it knew when the connection closes.
    const followOnceSubscribed = () =>
      this.subscriber
        .subscribe(INVENTORY_CHANNEL)
        .then(() => this.versions.follow(true))
        .catch(() => {});
    void followOnceSubscribed();
    this.subscriber.on('ready', followOnceSubscribed);
    this.subscriber.on('close', () => this.versions.follow(false));
    this.subscriber.on('message', (_channel: string, raw: string) => this.receive(raw));
  }

  private watchers(eventId: string): number {
    return (
      (this.io.of(WIDGET_NAMESPACE).adapter.rooms.get(rooms.widgetEvent(eventId))?.size ?? 0) +
      (this.io.of(CONSOLE_NAMESPACE).adapter.rooms.get(rooms.consoleEvent(eventId))?.size ?? 0)
    );
  }

  /**
   * The coalescing window: `flushMs` up to 1,000 watchers, then growing with the square root of
   * the room (2× at 4,000, about 3× at 10,000, at most 4×). Each flush costs one write per socket,
   * so in a big room the window, not the rate of changes, bounds the writes per second; waiting a
   * little longer costs less latency than a backlog of writes does.
   */
  private windowFor(watchers: number): number {
    return this.flushMs * roomFactor(watchers);
  }

  private receive(raw: string): void {
    let message: InventoryChangeMessage;
    try {
      message = JSON.parse(raw) as InventoryChangeMessage;
    } catch {
      return;
    }
    // Before anything is sent to a room (see AvailabilityCache for why the order matters).
    this.versions.versionSeen(message.e, message.v);
    if (Array.isArray(message.x)) {
      for (const [token, seats] of message.x) {
        for (const socket of this.holdFollowers.followersOf(token))
          socket.emit('hold-expired', { holdToken: token, seatIds: Array.isArray(seats) ? seats : [] });
      }
    }
    const watchers = this.watchers(message.e);
    if (watchers === 0) return;
    let pending = this.pending.get(message.e);
    // A hole in the sequence (a lost pub/sub message): send what we have so clients see the gap.
    if (pending && message.v - 1 !== pending.version) {
      this.flush(message.e);
      pending = undefined;
    }
    if (!pending) {
      pending = {
        fromVersion: message.v - 1,
        version: message.v,
        changes: new Map(),
        timer: setTimeout(() => this.flush(message.e), this.windowFor(watchers)),
      };
      this.pending.set(message.e, pending);
    }
    pending.version = message.v;
    if (Array.isArray(message.c)) {
      for (const [seatId, status, state, holdExp] of message.c) {
        // Later changes of the same seat in this window replace earlier ones.
        pending.changes.delete(seatId);
        pending.changes.set(seatId, { status, state, holdExp });
      }
    }
  }

  /**
   * A change as a console sees it: a hold by its holder id (an HMAC, see holder-ids.ts) and expiry,
   * a sale by its booking id. Built at flush and only for a console room with someone in it: a
   * sale watched by widgets alone pays no HMAC per hold.
   */
  private consoleChange(seatId: string, { status, state, holdExp }: RawChange): ConsoleSeatChange {
    const change: ConsoleSeatChange = { seatId, status };
    if (state.startsWith('h:')) {
      change.holderId = this.holderIds.of(state.slice(2));
      if (typeof holdExp === 'number') change.holdExpiresAt = new Date(holdExp).toISOString();
    } else if (state.startsWith('b:')) change.bookingId = state.slice(2);
    return change;
  }

  private flush(eventId: string): void {
    const pending = this.pending.get(eventId);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.pending.delete(eventId);
    const base = { eventId, version: pending.version, fromVersion: pending.fromVersion };
    // Serialised once per room; widgets never see holders or booking ids, consoles never a hold
    // token (only its holder id, see holder-ids.ts).
    const widgetChanges: SeatChange[] = [];
    for (const [seatId, { status }] of pending.changes) widgetChanges.push({ seatId, status });
    this.io
      .of(WIDGET_NAMESPACE)
      .local.to(rooms.widgetEvent(eventId))
      .emit('seats', { ...base, changes: widgetChanges });
    const consoles = this.io.of(CONSOLE_NAMESPACE);
    if ((consoles.adapter.rooms.get(rooms.consoleEvent(eventId))?.size ?? 0) > 0) {
      const consoleChanges: ConsoleSeatChange[] = [];
      for (const [seatId, change] of pending.changes) consoleChanges.push(this.consoleChange(seatId, change));
      consoles.local.to(rooms.consoleEvent(eventId)).emit('seats', { ...base, changes: consoleChanges });
    }
    this.scheduleCounts(eventId, pending.version);
  }

  /**
   * Counts now, then a cool-down of COUNTS_INTERVAL_MS: changes during it are sent once at its end
   * (with the latest counts, never dropped); a quiet cool-down forgets the event.
   */
  private scheduleCounts(eventId: string, version: number): void {
    const cooling = this.counts.get(eventId);
    if (cooling) {
      cooling.version = Math.max(cooling.version, version);
      cooling.dirty = true;
      return;
    }
    const state = { version, dirty: false, timer: null as NodeJS.Timeout | null };
    const send = () => {
      state.dirty = false;
      void this.sendCounts(eventId, state.version);
      state.timer = setTimeout(
        () => {
          if (state.dirty) send();
          else this.counts.delete(eventId);
        },
        COUNTS_INTERVAL_MS * roomFactor(this.watchers(eventId)),
      );
    };
    this.counts.set(eventId, state);
    send();
  }

  private async sendCounts(eventId: string, version: number): Promise<void> {
    try {
      const event = await this.findEvent(eventId);
      if (!event) return;
      const keys = inventoryKeys(eventId);
      const results = await this.redis.pipeline().hgetall(keys[5]!).zcard(keys[7]!).zcard(keys[4]!).exec();
      const counts = (results?.[0]?.[1] ?? {}) as Record<string, string>;
      const message: CountsMessage = {
        eventId,
        version,
        sections: sectionCounts(event, counts),
        waitlistLength: Number(results?.[1]?.[1] ?? 0),
      };
      this.io.of(WIDGET_NAMESPACE).local.to(rooms.widgetEvent(eventId)).emit('counts', message);
      this.io.of(CONSOLE_NAMESPACE).local.to(rooms.consoleEvent(eventId)).emit('counts', message);
      await this.sendStats(eventId, message, Number(results?.[2]?.[1] ?? 0));
    } catch (error) {
      this.log.debug({ err: error, eventId }, 'could not send counts');
    }
  }

  /**
   * Console watchers also get the event's counters with booking totals, at most once a second
   * per event (the totals come from PostgreSQL).
   */
  private async sendStats(eventId: string, counts: CountsMessage, activeHolds: number): Promise<void> {
    const room = rooms.consoleEvent(eventId);
    if ((this.io.of(CONSOLE_NAMESPACE).adapter.rooms.get(room)?.size ?? 0) === 0) return;
    const now = Date.now();
    if (now - (this.statsSentAt.get(eventId) ?? 0) < 1_000) return;
    this.statsSentAt.set(eventId, now);
    const totals = await this.bookingTotals(eventId);
    const stats = statsFrom({ ...counts, seats: {}, holds: activeHolds }, totals);
    this.io.of(CONSOLE_NAMESPACE).local.to(room).emit('stats', stats);
  }

  async close(): Promise<void> {
    this.versions.follow(false);
    for (const eventId of [...this.pending.keys()]) this.flush(eventId);
    for (const state of this.counts.values()) if (state.timer) clearTimeout(state.timer);
    this.counts.clear();
    await closeRedis(this.subscriber);
  }
}
