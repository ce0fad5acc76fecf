import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  DeliveriesQuery,
  DeliveriesResponse,
  InAppNotificationsResponse,
  NotificationParams,
  NotificationStatus,
  OrgParams,
  withErrors,
} from '@happening/shared';
import { notFound } from '../lib/errors.js';

/** Delivery status and the console's inbox, per organization (viewers may read). */
const notificationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const asUser = app.authenticate('user');
  const tags = ['notifications'];
  const notifications = app.notificationsRepo;

  app.get(
    '/orgs/:orgId/deliveries',
    {
      schema: {
        tags,
        summary:
          'Deliveries (email, webhook, in-app; `channel` picks one) with status pending, sent or failed and the last error',
        description:
          'Newest first, at most `limit` (1–500, default 100); `status`, `channel` and `messageId` ' +
          'filter them. For members (viewer or above). `lastError` says why a delivery that is retried ' +
          'or failed did not go through.',
        params: OrgParams,
        querystring: DeliveriesQuery,
        response: withErrors({ 200: DeliveriesResponse }),
      },
      preHandler: asUser,
    },
    async (request) => {
      const { orgId } = request.params;
      await app.requireRole(request, orgId, 'viewer', 'Organization');
      return { deliveries: await app.staleReads.notifications.deliveries(orgId, request.query) };
    },
  );

  app.get(
    '/orgs/:orgId/notifications/:messageId',
    {
      schema: {
        tags,
        summary: 'One notification from outbox to person: publishing state and every delivery',
        description:
          'For a `messageId` from a delivery or an in-app notification: when it entered the outbox, ' +
          'when it was published to RabbitMQ (with attempts and the last publishing error), whether the ' +
          "worker has handled it, and each channel's delivery. For members (viewer or above); 404 for " +
          "another organization's message.",
        params: NotificationParams,
        response: withErrors({ 200: NotificationStatus }),
      },
      preHandler: asUser,
    },
    async (request) => {
      const { orgId, messageId } = request.params;
      await app.requireRole(request, orgId, 'viewer', 'Organization');
      const status = await notifications.status(orgId, messageId);
      if (!status) throw notFound('Notification');
      return status;
    },
  );

  app.get(
    '/orgs/:orgId/notifications',
    {
      schema: {
        tags,
        summary: "The organization's in-app notifications, newest first",
        description:
          'The latest 100, each with `readAt` (null while unread) and, when it concerns one, `eventId` ' +
          'and `bookingId`. Consoles also receive new ones live on the `/console` socket after ' +
          '`org:watch`. For members (viewer or above).',
        params: OrgParams,
        response: withErrors({ 200: InAppNotificationsResponse }),
      },
      preHandler: asUser,
    },
    async (request) => {
      const { orgId } = request.params;
      await app.requireRole(request, orgId, 'viewer', 'Organization');
      return { notifications: await notifications.inApp(orgId) };
    },
  );

  app.post(
    '/orgs/:orgId/notifications/read',
    {
      schema: {
        tags,
        summary: 'Mark every in-app notification read',
        description:
          'Sets `readAt` on every unread notification of the organization: the inbox is the ' +
          "organization's, so it is read for every member. Any member (viewer or above) may do it. " +
          'Answers 204.',
        params: OrgParams,
      },
      preHandler: asUser,
    },
    async (request, reply) => {
      const { orgId } = request.params;
      await app.requireRole(request, orgId, 'viewer', 'Organization');
      await notifications.markAllRead(orgId);
      return reply.status(204).send();
    },
  );
};

export default notificationRoutes;
