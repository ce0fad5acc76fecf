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
        params: OrgParams,
        querystring: DeliveriesQuery,
        response: withErrors({ 200: DeliveriesResponse }),
      },
      preHandler: asUser,
    },
    async (request) => {
      const { orgId } = request.params;
      await app.requireRole(request, orgId, 'viewer', 'Organization');
      return { deliveries: await notifications.deliveries(orgId, request.query) };
    },
  );

  app.get(
    '/orgs/:orgId/notifications/:messageId',
    {
      schema: {
        tags,
        summary: 'One notification from outbox to person: publishing state and every delivery',
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
      schema: { tags, summary: 'Mark every in-app notification read', params: OrgParams },
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
