import { closeRedis, duplicateRedis, type RedisClient } from '@happening/runtime';
import {
  CONSOLE_NAMESPACE,
  type ConsoleServerToClient,
  type InAppNotification,
  rooms,
} from '@happening/shared';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import type { Logger } from 'pino';
import { Server } from 'socket.io';

/**
 * In-app messages to the console sockets of every server process. The servers' Socket.IO adapter
 * is the sharded one (SPUBLISH per room, `server/src/plugins/socketio.ts`), and
 * `@socket.io/redis-emitter` only speaks the classic adapter's PUBLISH, so the worker runs a
 * Socket.IO server of its own with the same adapter: no HTTP listener, no sockets, it only
 * broadcasts. A push is best effort: the notification is stored, and a console that missed it
 * reads it from the REST list.
 */
export class InAppPush {
  private readonly pub: RedisClient;
  private readonly sub: RedisClient;
  private readonly io: Server<Record<string, never>, ConsoleServerToClient>;

  constructor(redis: RedisClient, log: Logger) {
    this.pub = duplicateRedis(redis, `happening-worker-push-${process.pid}`);
    this.sub = duplicateRedis(redis, `happening-worker-push-sub-${process.pid}`);
    for (const client of [this.pub, this.sub]) {
      client.on('error', (error: Error) => log.debug({ err: error }, 'in-app push Redis error'));
    }
    this.io = new Server({ adapter: createShardedAdapter(this.pub, this.sub), serveClient: false });
  }

  push(notification: InAppNotification): void {
    // The adapter catches a failed publish itself (logged by socket.io's debug), so a Redis
    // outage costs this push and nothing else.
    this.io.of(CONSOLE_NAMESPACE).to(rooms.org(notification.orgId)).emit('notification', notification);
  }

  async close(): Promise<void> {
    // Not io.close(): with no engine attached it would throw. Closing the adapters unsubscribes.
    await Promise.allSettled([...this.io._nsps.values()].map(async (namespace) => namespace.adapter.close()));
    await Promise.all([this.pub, this.sub].map(closeRedis));
  }
}
