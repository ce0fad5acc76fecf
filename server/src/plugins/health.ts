import fp from 'fastify-plugin';

type Check = () => Promise<unknown>;

export interface Readiness {
  ready: boolean;
  /** Dependencies that did not answer. */
  down: string[];
  /** Each dependency's state: `ok`, or `down: <why>` (error messages: for operators only). */
  checks: Record<string, string>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Asks every dependency, each with a timeout. The details are served on the ops port only. */
    readiness: () => Promise<Readiness>;
  }
}

function withTimeout(check: Check, ms: number): Promise<unknown> {
  const answer = check();
  // A check that fails after the timeout has already been reported; its late rejection is not news.
  answer.catch(() => {});
  return Promise.race([
    answer,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref()),
  ]);
}

/**
 * Public `/healthz` (the process answers) and `/readyz` (200 or 503, nothing more: which
 * dependency is down, and why, is for operators; the ops port serves that, see ops-server.ts).
 */
export default fp(
  async (app) => {
    const checks: Record<string, Check> = {
      redis: () => app.redis.ping(),
      postgres: () => app.pg.query('SELECT 1'),
      rabbitmq: async () => {
        if (!app.amqp.isConnected()) throw new Error('not connected');
      },
    };

    app.decorate('readiness', async (): Promise<Readiness> => {
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
      return { ready: down.length === 0, down, checks: Object.fromEntries(results) };
    });

    app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

    app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
      const { ready } = await app.readiness();
      reply.status(ready ? 200 : 503).header('cache-control', 'no-store');
      return { status: ready ? 'ready' : 'not ready' };
    });
  },
  { name: 'health', dependencies: ['redis', 'postgres', 'rabbitmq'] },
);
