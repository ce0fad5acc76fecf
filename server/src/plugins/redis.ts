import { closeRedis, createRedisClient, type RedisClient } from '@happening/runtime';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** One Redis node (`REDIS_URL`) or a Redis Cluster (`REDIS_CLUSTER_NODES`). */
    redis: RedisClient;
  }
}

export default fp(
  async (app) => {
    // Commands issued in the same tick (many requests' rate-limit counters and inventory scripts
    // under load) leave in one write, and Redis answers them in one read. Order per connection is
    // unchanged. Subscribers get their own connections (duplicateRedis turns it off).
    const redis = createRedisClient(app.config, {
      name: `happening-server-${process.pid}`,
      autoPipelining: true,
    });
    let lastError = '';
    redis.on('error', (error: Error) => {
      // ioredis reports every failed reconnect; log each distinct failure once.
      if (error.message !== lastError) app.log.warn({ err: error }, 'Redis connection error');
      lastError = error.message;
    });
    redis.on('ready', () => {
      lastError = '';
    });
    app.decorate<RedisClient>('redis', redis);
    app.addHook('onClose', async () => {
      await closeRedis(redis);
    });
  },
  { name: 'redis', dependencies: ['config'] },
);
