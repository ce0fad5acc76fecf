import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  CONSOLE_NAMESPACE,
  declareTopology,
  notificationTopology,
  QueueStats,
  ReplayDeadLettersBody,
  ReplayDeadLettersResponse,
  withErrors,
} from '@happening/shared';
import type { Channel } from 'amqplib';
import type { FastifyRequest } from 'fastify';
import { AppError, forbidden } from '../../lib/errors.js';
import { readQueueStats } from './queue-stats.js';
import { replayDeadLetters } from './replay.js';

const opsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const asUser = app.authenticate('user');
  const queue = app.config.NOTIFICATIONS_QUEUE;
  const topology = notificationTopology(queue);
  const channel = app.amqp.createChannel({
    name: 'ops',
    confirm: true,
    setup: (ch: Channel) => declareTopology(ch, topology),
  });
  channel.on('error', (err) => app.log.warn({ err }, 'ops channel setup failed'));
  app.addHook('onClose', async () => {
    clearInterval(pusher);
    await channel.close().catch(() => {});
  });

  /** Queues are shared by every organization: organizers (and admins) of any of them may look. */
  async function requireOperator(request: FastifyRequest, minimum: 'organizer' | 'admin') {
    if (request.principal?.kind !== 'user') throw forbidden();
    const roles = minimum === 'admin' ? ['admin'] : ['admin', 'organizer'];
    const { rowCount } = await app.pg.query(
      'SELECT 1 FROM memberships WHERE user_id = $1 AND role = ANY($2) LIMIT 1',
      [request.principal.userId, roles],
    );
    if (!rowCount) throw forbidden(`This needs the ${minimum} role in an organization`);
  }

  async function stats() {
    if (!app.amqp.isConnected()) throw new AppError(503, 'SERVICE_UNAVAILABLE', 'RabbitMQ is not reachable');
    await channel.waitForConnect();
    return readQueueStats({ channel, pg: app.pg, redis: app.redis, queue });
  }

  app.get(
    '/ops/queues',
    {
      schema: {
        tags: ['operations'],
        summary: 'Notification queue depths, consumers, outbox backlog and delivery rates',
        response: withErrors({ 200: QueueStats }),
      },
      preHandler: asUser,
    },
    async (request) => {
      await requireOperator(request, 'organizer');
      return stats();
    },
  );

  app.post(
    '/ops/dead-letters/replay',
    {
      schema: {
        tags: ['operations'],
        summary: 'Put dead letters back on the notifications queue (sent deliveries are not repeated)',
        body: ReplayDeadLettersBody,
        response: withErrors({ 200: ReplayDeadLettersResponse }),
      },
      preHandler: asUser,
    },
    async (request) => {
      await requireOperator(request, 'admin');
      if (!app.amqp.isConnected())
        throw new AppError(503, 'SERVICE_UNAVAILABLE', 'RabbitMQ is not reachable');
      await channel.waitForConnect();
      return { replayed: await replayDeadLetters(channel, queue, request.body?.limit ?? 1_000) };
    },
  );

  // Live queue stats for the console, only while any console is connected (each server pushes to
  // its own sockets).
  const pusher = setInterval(() => {
    const consoles = app.io.of(CONSOLE_NAMESPACE);
    if (consoles.sockets.size === 0) return;
    stats()
      .then((current) => consoles.local.emit('queues', current))
      .catch((err) => app.log.debug({ err }, 'queue stats push skipped'));
  }, app.config.QUEUE_STATS_PUSH_MS);
  pusher.unref();
};

export default opsRoutes;
