/**
 * What every server does for the waiting rooms, leader-free: an admission tick of each live line
 * (queue.lua meters, so ticks of several servers together admit no more than one would), pushes
 * of followed tickets' changes to this server's own sockets, and the console's line statistics to
 * this server's own console watchers. Nothing here needs to know about the other servers.
 */
import type { RedisClient } from '@happening/runtime';
import { CONSOLE_NAMESPACE, type Event, type QueueTicketState, rooms, saleStateOf } from '@happening/shared';
import type { FastifyBaseLogger } from 'fastify';
import type { Server } from 'socket.io';
import { WAITING_ROOMS_KEY } from '../inventory/keys.js';
import { SocketFollowers, type WidgetFollower } from '../realtime/socket-followers.js';
import { eventIdOfTicket } from './tickets.js';
import type { WaitingRoom } from './waiting-room.js';

export interface TickerOptions {
  tickMs: number;
  pushMs: number;
  statsMs: number;
}

/**
 * What an attendee would notice of a state: the token is re-signed on every read and the estimate
 * moves every second, so neither alone is a change worth a message (the estimate in 10 s steps is).
 */
function noticed(state: QueueTicketState): string {
  const { admissionToken: _t, admissionExpiresAt: _x, etaSeconds, ...rest } = state;
  return JSON.stringify({ ...rest, eta: etaSeconds === null ? null : Math.round(etaSeconds / 10) });
}

/** Tickets one socket may follow at once (a page follows its one; past this the oldest goes). */
const TICKETS_PER_SOCKET = 4;
const consoleRoomPrefix = rooms.consoleEvent('');

export class WaitingRoomTicker {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly busy = new Set<string>();
  /** What this server last pushed to each followed ticket (JSON), to push changes only. */
  private readonly lastPushed = new Map<string, string>();
  /** The widget sockets of this server following each ticket. */
  private readonly followers = new SocketFollowers<WidgetFollower>(TICKETS_PER_SOCKET);

  constructor(
    private readonly room: WaitingRoom,
    private readonly redis: RedisClient,
    private readonly findEvent: (id: string) => Promise<Event | null>,
    private readonly ensureLoaded: (eventId: string) => Promise<void>,
    private readonly io: Server,
    private readonly options: TickerOptions,
    private readonly log: FastifyBaseLogger,
  ) {}

  start(): void {
    const every = (name: string, ms: number, run: () => Promise<void>) => {
      const timer = setInterval(() => {
        // One run of each kind at a time: a slow Redis must not pile ticks up.
        if (this.busy.has(name)) return;
        this.busy.add(name);
        run()
          .catch((error) => this.log.warn({ err: error }, `waiting room ${name} failed`))
          .finally(() => this.busy.delete(name));
      }, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every('admission', this.options.tickMs, () => this.admitAll());
    every('push', this.options.pushMs, () => this.pushFollowers());
    every('stats', this.options.statsMs, () => this.pushStats());
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers.length = 0;
    while (this.busy.size > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  /**
   * `socket` follows `ticket` from now on; `state` is what the follow's ack told it, so the next
   * push is only a change.
   */
  follow(ticket: string, socket: WidgetFollower, state: QueueTicketState): void {
    this.followers.follow(ticket, socket);
    this.lastPushed.set(ticket, noticed(state));
  }

  /** `socket` disconnected: it follows nothing any more. */
  forget(socket: WidgetFollower): void {
    this.followers.forget(socket);
  }

  async admitAll(): Promise<void> {
    const ids = await this.redis.smembers(WAITING_ROOMS_KEY);
    for (const id of ids) {
      const event = await this.findEvent(id);
      if (event?.status !== 'on_sale' || saleStateOf(event) === 'ended') {
        // Nothing to admit into any more; a join of a live room puts it back.
        await this.redis.srem(WAITING_ROOMS_KEY, id);
        continue;
      }
      if (!event.waitingRoom.enabled) continue;
      const ticked = await this.room.tick(event);
      // A long pre-queue leaves the inventory idle, and idle inventories are evicted: load it back
      // so the line can be admitted into it (the next tick admits).
      if (ticked.cold && ticked.waiting > 0) await this.ensureLoaded(event.id);
    }
  }

  async pushFollowers(): Promise<void> {
    const byEvent = new Map<string, string[]>();
    const present = new Set<string>();
    for (const ticket of this.followers.keys()) {
      const eventId = eventIdOfTicket(ticket);
      if (!eventId) continue;
      present.add(ticket);
      const tickets = byEvent.get(eventId);
      if (tickets) tickets.push(ticket);
      else byEvent.set(eventId, [ticket]);
    }
    for (const ticket of this.lastPushed.keys()) if (!present.has(ticket)) this.lastPushed.delete(ticket);
    for (const [eventId, tickets] of byEvent) {
      const event = await this.findEvent(eventId);
      if (!event) continue;
      const states = await this.room.statesOf(event, tickets);
      states.forEach((state, i) => {
        if (!state) return;
        const ticket = tickets[i]!;
        const json = noticed(state);
        if (this.lastPushed.get(ticket) === json) return;
        this.lastPushed.set(ticket, json);
        for (const socket of this.followers.followersOf(ticket)) socket.emit('queue', state);
      });
    }
  }

  async pushStats(): Promise<void> {
    const consoleNsp = this.io.of(CONSOLE_NAMESPACE);
    for (const room of consoleNsp.adapter.rooms.keys()) {
      if (!room.startsWith(consoleRoomPrefix)) continue;
      const event = await this.findEvent(room.slice(consoleRoomPrefix.length));
      if (!event?.waitingRoom.enabled || event.status !== 'on_sale') continue;
      const stats = await this.room.stats(event);
      consoleNsp.local.to(room).emit('queue-stats', stats);
    }
  }
}
