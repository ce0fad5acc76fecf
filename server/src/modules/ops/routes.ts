import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  CONSOLE_NAMESPACE,
  DeadLettersQuery,
  DeadLettersResponse,
  declareTopology,
  notificationTopology,
  OrgParams,
  QueueStats,
  ReplayDeadLettersBody,
  ReplayDeadLettersResponse,
  withErrors,
} from '@happening/shared';
import type { Channel } from 'amqplib';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../lib/errors.js';
import { withDeadLetterLock } from './dead-letter-lock.js';
import { noSuchRoute, OPERATORS_ROOM } from './operators.js';
import { listOrgDeadLetters, replayOrgDeadLetters } from './org-dead-letters.js';
import { readQueueStats } from './queue-stats.js';
import { replayDeadLetters } from './replay.js';

const NOT_OPERATOR =
  'Only the deployment operators named in `OPERATOR_EMAILS` may call this; for anyone else, signed in or not, it answers 404 `NOT_FOUND` exactly as an unknown route does.';

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

  /**
   * The queues and their dead letters are the whole deployment's, every organization's at once:
   * only its operators may look. Anyone else learns nothing, not even that the route exists, so a
   * bad or missing credential gets the same 404 as a good one that is not an operator's.
   */
  async function requireOperator(request: FastifyRequest): Promise<void> {
    const [scheme, credential] = (request.headers.authorization ?? '').split(' ');
    const session =
      scheme?.toLowerCase() === 'bearer' && credential ? await app.verifySessionToken(credential) : null;
    if (!session || !(await app.operators.isOperator(session.userId))) throw noSuchRoute(request);
  }

  async function connected() {
    if (!app.amqp.isConnected()) throw new AppError(503, 'SERVICE_UNAVAILABLE', 'RabbitMQ is not reachable');
    await channel.waitForConnect();
  }

  async function stats() {
    await connected();
    return readQueueStats({ channel, notifications: app.notificationsRepo, redis: app.redis, queue });
  }

  app.get(
    '/ops/queues',
    {
      schema: {
        tags: ['operations'],
        summary: 'Notification queue depths, consumers, outbox backlog and delivery rates (operators)',
        description: `The deployment's notification pipeline: every organization's messages. ${NOT_OPERATOR} An organization's admin reads its own failed deliveries at \`GET /orgs/:orgId/dead-letters\`.`,
        response: withErrors({ 200: QueueStats }),
      },
      preHandler: requireOperator,
    },
    () => stats(),
  );

  app.post(
    '/ops/dead-letters/replay',
    {
      schema: {
        tags: ['operations'],
        summary: 'Put every dead letter back on the notifications queue (operators)',
        description: `Moves up to \`limit\` dead letters present now, of every organization, back to the work queue; sent deliveries are not repeated. ${NOT_OPERATOR} An organization's admin replays its own with \`POST /orgs/:orgId/dead-letters/replay\`.`,
        body: ReplayDeadLettersBody,
        response: withErrors({ 200: ReplayDeadLettersResponse }),
      },
      preHandler: requireOperator,
    },
    async (request) => {
      await connected();
      const limit = request.body?.limit ?? 1_000;
      const replayed = await withDeadLetterLock(app.redis, queue, () =>
        replayDeadLetters(channel, queue, limit),
      );
      return { replayed };
    },
  );

  app.get(
    '/orgs/:orgId/dead-letters',
    {
      schema: {
        tags: ['operations'],
        summary: "The organization's dead letters: notifications that failed for good, and why",
        description:
          "Admins of the organization. Oldest first (at most `limit`, default 100) with `total`: each letter's message id, type, the reason it failed (the SMTP or webhook answer) and when, never its body. Only this organization's letters: the dead-letter queue is shared by the deployment and is read letter by letter (the first 10,000), the others put back in their order. 404 for a non-member, 403 `FORBIDDEN` below admin.",
        params: OrgParams,
        querystring: DeadLettersQuery,
        response: withErrors({ 200: DeadLettersResponse }),
      },
      preHandler: asUser,
    },
    async (request) => {
      const { orgId } = request.params;
      await app.requireRole(request, orgId, 'admin', 'Organization');
      await connected();
      return withDeadLetterLock(app.redis, queue, () =>
        listOrgDeadLetters(channel, queue, orgId, request.query.limit ?? 100),
      );
    },
  );

  app.post(
    '/orgs/:orgId/dead-letters/replay',
    {
      schema: {
        tags: ['operations'],
        summary: "Put the organization's dead letters back on the notifications queue",
        description:
          "Admins of the organization. Moves up to `limit` (default 1,000) of this organization's dead letters back to the work queue; their failed deliveries are tried again, sent ones are not repeated. Every other organization's letters stay in the dead-letter queue, in their order. 404 for a non-member, 403 `FORBIDDEN` below admin.",
        params: OrgParams,
        body: ReplayDeadLettersBody,
        response: withErrors({ 200: ReplayDeadLettersResponse }),
      },
      preHandler: asUser,
    },
    async (request) => {
      const { orgId } = request.params;
      await app.requireRole(request, orgId, 'admin', 'Organization');
      await connected();
      const limit = request.body?.limit ?? 1_000;
      const replayed = await withDeadLetterLock(app.redis, queue, () =>
        replayOrgDeadLetters(channel, queue, orgId, limit),
      );
      return { replayed };
    },
  );

  // Live queue stats for operators' consoles, only while one is connected to this server (each
  // server pushes to its own sockets; console-namespace.ts puts operators in OPERATORS_ROOM).
  const pusher = setInterval(() => {
    const consoles = app.io.of(CONSOLE_NAMESPACE);
    if ((consoles.adapter.rooms.get(OPERATORS_ROOM)?.size ?? 0) === 0) return;
    stats()
      .then((current) => consoles.local.to(OPERATORS_ROOM).emit('queues', current))
      .catch((err) => app.log.debug({ err }, 'queue stats push skipped'));
  }, app.config.QUEUE_STATS_PUSH_MS);
  pusher.unref();
};

export default opsRoutes;
