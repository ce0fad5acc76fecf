import fp from 'fastify-plugin';
import { OutboxRelay } from '../notifications/relay.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** This process's outbox relay, or null when `OUTBOX_RELAY_ENABLED` is false. */
    outboxRelay: OutboxRelay | null;
  }
}

/**
 * Runs an outbox relay in every server process (they share the work through row locks). It
 * starts once the app is ready and stops before the PostgreSQL pool closes.
 */
export default fp(
  async (app) => {
    const config = app.config;
    const orgIds = config.OUTBOX_RELAY_ORG_IDS.split(',')
      .map((id) => id.trim())
      .filter(Boolean);
    const relay = config.OUTBOX_RELAY_ENABLED
      ? new OutboxRelay({
          pool: app.pg,
          databaseUrl: config.DATABASE_URL,
          rabbitmqUrl: config.RABBITMQ_URL,
          queue: config.NOTIFICATIONS_QUEUE,
          batchSize: config.OUTBOX_RELAY_BATCH_SIZE,
          maxInFlightBatches: config.OUTBOX_RELAY_MAX_IN_FLIGHT,
          pollIntervalMs: config.OUTBOX_RELAY_POLL_MS,
          retentionMs: config.OUTBOX_RETENTION_HOURS * 3_600_000,
          ...(orgIds.length > 0 ? { orgIds } : {}),
          log: app.log.child({ component: 'outbox-relay' }),
        })
      : null;
    app.decorate('outboxRelay', relay);
    if (!relay) return;
    app.addHook('onReady', async () => {
      await relay.start();
    });
    app.addHook('preClose', async () => {
      await relay.stop();
    });
  },
  { name: 'outbox-relay', dependencies: ['config', 'postgres'] },
);
