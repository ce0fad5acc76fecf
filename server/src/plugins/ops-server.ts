import Fastify from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * The operations listener: `/metrics`, `/readyz` with details, `/healthz`. A server of its own,
     * so it can listen on an interface the public never reaches (OPS_HOST:OPS_PORT, loopback by
     * default); server.ts starts it, tests `inject` into it.
     */
    ops: FastifyInstance;
  }
}

export default fp(
  async (app) => {
    const ops = Fastify({ logger: false });
    ops.addHook('onSend', async (_request, reply) => {
      reply.header('cache-control', 'no-store');
    });
    ops.get('/healthz', async () => ({ status: 'ok' }));
    ops.get('/readyz', async (_request, reply) => {
      const { ready, down, checks } = await app.readiness();
      reply.status(ready ? 200 : 503);
      return { status: ready ? 'ready' : 'not ready', down, checks };
    });
    ops.get('/metrics', async (_request, reply) => {
      reply.type(app.metrics.contentType);
      return app.metrics.metrics();
    });
    app.decorate('ops', ops);
    app.addHook('onClose', async () => {
      await ops.close();
    });
  },
  { name: 'ops-server', dependencies: ['health', 'metrics'] },
);
