import { closeRedis, duplicateRedis, type RedisClient } from '@happening/runtime';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import fp from 'fastify-plugin';
import { Server } from 'socket.io';
import { proxyTrustOf, trustProxiesFor } from '../lib/client-address.js';

/**
 * The Redis adapter (un)subscribes without handling the promise, so when Redis is down at start
 * and the app closes, ioredis rejects those queued subscriptions as unhandled. Re-subscribing
 * on reconnect is ioredis's job; the failure itself is reported by the main client's health.
 */
function handleSubscribeFailures(client: RedisClient): RedisClient {
  for (const name of ['ssubscribe', 'sunsubscribe'] as const) {
    const original = client[name].bind(client) as (...args: unknown[]) => Promise<unknown>;
    Object.assign(client, {
      [name]: (...args: unknown[]) => {
        const pending = original(...args);
        pending.catch(() => {});
        return pending;
      },
    });
  }
  return client;
}

declare module 'fastify' {
  interface FastifyInstance {
    io: Server;
  }
}

/**
 * Socket.IO on the same HTTP server. The Redis adapter carries broadcasts to the clients of every
 * server process, which is what lets servers scale out behind any load balancer. It is the sharded
 * adapter (Redis 7 sharded pub/sub, SPUBLISH/SSUBSCRIBE): a room has a channel of its own, so on a
 * Redis Cluster a broadcast goes to the one shard owning that channel, not to every node, and only
 * servers with a member in the room receive it. The worker publishes in-app messages the same way.
 */
export default fp(
  async (app) => {
    const pub = duplicateRedis(app.redis, 'happening-io-pub');
    const sub = handleSubscribeFailures(duplicateRedis(app.redis, 'happening-io-sub'));
    for (const client of [pub, sub]) client.on('error', () => {}); // reported by the main client
    const io = new Server(app.server, {
      adapter: createShardedAdapter(pub, sub),
      // Origins are checked per namespace against each organization's allowed origins.
      cors: { origin: true, credentials: false },
      serveClient: false,
      pingInterval: 10_000,
      pingTimeout: 8_000,
      connectionStateRecovery: undefined,
    });
    // Sockets name their client by the same TRUST_PROXY rule as REST's request.ip.
    trustProxiesFor(io, proxyTrustOf(app.config.TRUST_PROXY));
    app.decorate('io', io);
    app.addHook('preClose', async () => {
      // Tell clients to reconnect elsewhere instead of waiting for a ping timeout.
      for (const namespace of io._nsps.values()) namespace.local.disconnectSockets(true);
    });
    app.addHook('onClose', async () => {
      // With Redis away the adapter's UNSUBSCRIBE would wait for a reconnect that never comes.
      if (sub.status !== 'ready') await Promise.all([pub, sub].map(closeRedis));
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await Promise.all([pub, sub].map(closeRedis));
    });
  },
  { name: 'socketio', dependencies: ['config', 'redis'] },
);
