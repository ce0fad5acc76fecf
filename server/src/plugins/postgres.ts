import fp from 'fastify-plugin';
import pg from 'pg';

declare module 'fastify' {
  interface FastifyInstance {
    /** The primary: everything that writes or decides. */
    pg: pg.Pool;
    /**
     * `DATABASE_READ_URL` (a replica) when set, else the primary: only for reads that may lag a
     * little behind, such as console lists (`app.staleReads`).
     */
    pgRead: pg.Pool;
  }
}

// BIGINT counts come back as JS numbers: our counters stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number.parseInt(value, 10));

export default fp(
  async (app) => {
    const poolOf = (connectionString: string, role: string) => {
      const pool = new pg.Pool({
        connectionString,
        max: app.config.PG_POOL_SIZE,
        connectionTimeoutMillis: app.config.PG_POOL_TIMEOUT_MS,
        application_name: `happening-server${role}-${process.pid}`,
        idleTimeoutMillis: 30_000,
      });
      // An idle client losing its connection must not crash the process; the pool replaces it.
      pool.on('error', (error) => app.log.warn({ err: error }, 'idle PostgreSQL client error'));
      return pool;
    };
    const pool = poolOf(app.config.DATABASE_URL, '');
    const readPool = app.config.DATABASE_READ_URL ? poolOf(app.config.DATABASE_READ_URL, '-read') : pool;
    app.decorate('pg', pool);
    app.decorate('pgRead', readPool);
    app.addHook('onClose', async () => {
      await pool.end();
      if (readPool !== pool) await readPool.end();
    });
  },
  { name: 'postgres', dependencies: ['config'] },
);
