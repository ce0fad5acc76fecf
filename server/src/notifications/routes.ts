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

const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const deliveryColumns = `id, message_id AS "messageId", type, channel, target, status, attempts,
  last_error AS "lastError", ${iso('created_at')} AS "createdAt", ${iso('updated_at')} AS "updatedAt",
  ${iso('sent_at')} AS "sentAt"`;

/** Delivery status and the console's inbox, per organization (viewers may read). */
const notificationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const asUser = app.authenticate('user');
  const tags = ['notifications'];

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
      const { status, channel, messageId, limit = 100 } = request.query;
      const { rows } = await app.pg.query(
        `SELECT ${deliveryColumns} FROM notification_deliveries
         WHERE org_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::uuid IS NULL OR message_id = $3)
           AND ($5::text IS NULL OR channel = $5)
         ORDER BY created_at DESC LIMIT $4`,
        [orgId, status ?? null, messageId ?? null, limit, channel ?? null],
      );
      return { deliveries: rows };
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
      const [outbox, deliveries, inbox] = await Promise.all([
        app.pg.query(
          `SELECT type, ${iso('created_at')} AS "createdAt", ${iso('published_at')} AS "publishedAt",
                  publish_attempts AS "publishAttempts", last_error AS "lastPublishError"
           FROM outbox WHERE id = $1 AND org_id = $2`,
          [messageId, orgId],
        ),
        app.pg.query(
          `SELECT ${deliveryColumns} FROM notification_deliveries WHERE message_id = $1 AND org_id = $2 ORDER BY channel`,
          [messageId, orgId],
        ),
        app.pg.query('SELECT 1 FROM notification_inbox WHERE message_id = $1', [messageId]),
      ]);
      const row = outbox.rows[0];
      if (!row) throw notFound('Notification');
      return { messageId, ...row, handled: (inbox.rowCount ?? 0) > 0, deliveries: deliveries.rows };
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
      const { rows } = await app.pg.query(
        `SELECT id, org_id AS "orgId", type, title, body, event_id AS "eventId", booking_id AS "bookingId",
                ${iso('created_at')} AS "createdAt", ${iso('read_at')} AS "readAt"
         FROM in_app_notifications WHERE org_id = $1 ORDER BY created_at DESC LIMIT 100`,
        [orgId],
      );
      return {
        notifications: rows.map(({ eventId, bookingId, ...row }) => ({
          ...row,
          ...(eventId ? { eventId } : {}),
          ...(bookingId ? { bookingId } : {}),
        })),
      };
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
      await app.pg.query(
        'UPDATE in_app_notifications SET read_at = now() WHERE org_id = $1 AND read_at IS NULL',
        [orgId],
      );
      return reply.status(204).send();
    },
  );
};

export default notificationRoutes;
