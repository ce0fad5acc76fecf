import fp from 'fastify-plugin';

type Check = () => Promise<unknown>;

function withTimeout(check: Check, ms: number): Promise<unknown> {
  const answer = check();
  // A check that fails after the timeout has already been reported; its late rejection is not news.
  answer.catch(() => {});
  return Promise.race([
    answer,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref()),
  ]);
}

/** `/healthz`: the process answers. `/readyz`: each dependency answers, else 503 naming the ones that do not. */
export default fp(
  async (app) => {
    const checks: Record<string, Check> = {
      redis: () => app.redis.ping(),
      postgres: () => app.pg.query('SELECT 1'),
      rabbitmq: async () => {
        if (!app.amqp.isConnected()) throw new Error('not connected');
      },
    };

    app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

    app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
      const results = await Promise.all(
        Object.entries(checks).map(async ([name, check]) => {
          try {
            await withTimeout(check, 1_500);
            return [name, 'ok'] as const;
          } catch (error) {
            return [name, `down: ${(error as Error).message}`] as const;
          }
        }),
      );
      const down = results.filter(([, state]) => state !== 'ok').map(([name]) => name);
      reply.status(down.length === 0 ? 200 : 503);
      return { status: down.length === 0 ? 'ready' : 'not ready', down, checks: Object.fromEntries(results) };
    });
  },
  { name: 'health', dependencies: ['redis', 'postgres', 'rabbitmq'] },
);
