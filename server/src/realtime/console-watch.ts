/**
 * Who watches an event from a console, across every server, as one key in the event's slot
 * (`consoleWatchKey`): a server sets it when one of its console sockets starts watching the event
 * and sets it again every third of its lifetime while any of its sockets still does, so it lasts
 * as long as someone watches anywhere and lapses `ttlMs` after the last one left (or the last
 * server that had one died). Nothing deletes it: another server may still have a watcher.
 *
 * The inventory's `settle` reads it after a booking commits: booking news nobody can receive is
 * not broadcast. Through the sharded adapter every broadcast to a room is an `SPUBLISH` and its
 * encoding, whether or not any server has a member there, and an on-sale makes one per booking.
 */
import type { RedisClient } from '@happening/runtime';
import { rooms } from '@happening/shared';
import type { FastifyBaseLogger } from 'fastify';
import type { Namespace } from 'socket.io';
import { consoleWatchKey } from '../inventory/keys.js';

const ROOM_PREFIX = rooms.consoleEvent('');

export class ConsoleWatchMarks {
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly redis: RedisClient,
    /** The console namespace: its adapter's rooms are this server's watchers. */
    private readonly nsp: Namespace,
    private readonly ttlMs: number,
    private readonly log: FastifyBaseLogger,
  ) {
    this.timer = setInterval(() => void this.refresh(), Math.max(250, Math.floor(ttlMs / 3)));
    this.timer.unref();
  }

  /** Before a socket joins the event's console room: its news is sent from now on. */
  async mark(eventId: string): Promise<void> {
    await this.redis.set(consoleWatchKey(eventId), '1', 'PX', this.ttlMs);
  }

  /** Events this server's console sockets watch now. */
  watchedHere(): string[] {
    const events: string[] = [];
    for (const [room, members] of this.nsp.adapter.rooms) {
      if (members.size > 0 && room.startsWith(ROOM_PREFIX)) events.push(room.slice(ROOM_PREFIX.length));
    }
    return events;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async refresh(): Promise<void> {
    // One SET per event: on Redis Cluster the keys live in different slots.
    const outcomes = await Promise.allSettled(this.watchedHere().map((eventId) => this.mark(eventId)));
    const failed = outcomes.filter((outcome) => outcome.status === 'rejected').length;
    // A miss only lets a mark lapse early if the next refresh fails as well: logged, retried.
    if (failed > 0) this.log.warn({ failed }, 'could not refresh console watch marks');
  }
}
