import fp from 'fastify-plugin';
import { Redis } from 'ioredis';

declare module 'fastify' {
  interface FastifyInstance {
    redis: Redis;
  }
}

export function createRedis(url: string, name: string, options: { autoPipelining?: boolean } = {}): Redis {
  return new Redis(url, {
    connectionName: name,
    // Commands issued in the same tick (many requests' rate-limit counters and inventory scripts
    // under load) leave in one write, and Redis answers them in one read. Order per connection is
    // unchanged. Only for the main client: subscribers get their own connections (the
    // duplicates turn it off), and nothing blocking (BLPOP, XREAD BLOCK) runs on it.
    enableAutoPipelining: options.autoPipelining ?? false,
    // Fail a command after two reconnect attempts instead of queueing it for ever:
    // a request must answer, not hang, while Redis is away.
    maxRetriesPerRequest: 2,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
}

/** QUIT lets pending replies arrive; resolve only once the socket is really closed. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status !== 'ready') {
    // Between reconnect attempts there is no socket to close, and ioredis emits no 'end'.
    redis.disconnect();
    return;
  }
  // Not events.once: it would reject on an 'error' event.
  const ended = new Promise<void>((resolve) => redis.once('end', () => resolve()));
  await redis.quit().catch(() => redis.disconnect());
  await ended;
}

export default fp(
  async (app) => {
    const redis = createRedis(app.config.REDIS_URL, `happening-server-${process.pid}`, {
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
    app.decorate('redis', redis);
    app.addHook('onClose', async () => {
      await closeRedis(redis);
    });
  },
  { name: 'redis', dependencies: ['config'] },
);
