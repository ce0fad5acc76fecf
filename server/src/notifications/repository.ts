import type {
  DeliveriesQuery,
  Delivery,
  InAppNotificationSchema,
  NotificationStatus,
} from '@happening/shared';
import type pg from 'pg';
import type { Static } from 'typebox';
import { isoTimestamp, isoTimestampOrNull } from '../lib/db.js';

type Db = pg.Pool | pg.PoolClient;

export type InAppNotification = Static<typeof InAppNotificationSchema>;
export type DeliveryFilter = Static<typeof DeliveriesQuery>;

const deliveryColumns = `id, message_id AS "messageId", type, channel, target, status, attempts,
  last_error AS "lastError", created_at AS "createdAt", updated_at AS "updatedAt", sent_at AS "sentAt"`;

interface DeliveryRow extends Omit<Delivery, 'createdAt' | 'updatedAt' | 'sentAt'> {
  createdAt: Date;
  updatedAt: Date;
  sentAt: Date | null;
}

const toDelivery = (row: DeliveryRow): Delivery => ({
  ...row,
  createdAt: isoTimestamp(row.createdAt),
  updatedAt: isoTimestamp(row.updatedAt),
  sentAt: isoTimestampOrNull(row.sentAt),
});

interface InAppRow extends Omit<InAppNotification, 'eventId' | 'bookingId' | 'createdAt' | 'readAt'> {
  eventId: string | null;
  bookingId: string | null;
  createdAt: Date;
  readAt: Date | null;
}

/** What happened to an organization's notifications: deliveries, outbox state, the in-app inbox. */
export function notificationsRepository(pool: pg.Pool) {
  return {
    /** Newest first, at most `limit` (100 unless asked). */
    async deliveries(orgId: string, filter: DeliveryFilter, db: Db = pool): Promise<Delivery[]> {
      const { rows } = await db.query<DeliveryRow>(
        `SELECT ${deliveryColumns} FROM notification_deliveries
         WHERE org_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::uuid IS NULL OR message_id = $3)
           AND ($5::text IS NULL OR channel = $5)
         ORDER BY created_at DESC LIMIT $4`,
        [orgId, filter.status ?? null, filter.messageId ?? null, filter.limit ?? 100, filter.channel ?? null],
      );
      return rows.map(toDelivery);
    },

    /** One notification from outbox to person, or null when the organization has no such message. */
    async status(
      orgId: string,
      messageId: string,
      db: Db = pool,
    ): Promise<Static<typeof NotificationStatus> | null> {
      const [outbox, deliveries, inbox] = await Promise.all([
        db.query<{
          type: string;
          createdAt: Date;
          publishedAt: Date | null;
          publishAttempts: number;
          lastPublishError: string | null;
        }>(
          `SELECT type, created_at AS "createdAt", published_at AS "publishedAt",
                  publish_attempts AS "publishAttempts", last_error AS "lastPublishError"
           FROM outbox WHERE id = $1 AND org_id = $2`,
          [messageId, orgId],
        ),
        db.query<DeliveryRow>(
          `SELECT ${deliveryColumns} FROM notification_deliveries WHERE message_id = $1 AND org_id = $2 ORDER BY channel`,
          [messageId, orgId],
        ),
        db.query('SELECT 1 FROM notification_inbox WHERE message_id = $1', [messageId]),
      ]);
      const row = outbox.rows[0];
      if (!row) return null;
      return {
        messageId,
        ...row,
        createdAt: isoTimestamp(row.createdAt),
        publishedAt: isoTimestampOrNull(row.publishedAt),
        handled: (inbox.rowCount ?? 0) > 0,
        deliveries: deliveries.rows.map(toDelivery),
      };
    },

    /** The newest 100 in-app notifications. */
    async inApp(orgId: string, db: Db = pool): Promise<InAppNotification[]> {
      const { rows } = await db.query<InAppRow>(
        `SELECT id, org_id AS "orgId", type, title, body, event_id AS "eventId", booking_id AS "bookingId",
                created_at AS "createdAt", read_at AS "readAt"
         FROM in_app_notifications WHERE org_id = $1 ORDER BY created_at DESC LIMIT 100`,
        [orgId],
      );
      return rows.map(({ eventId, bookingId, createdAt, readAt, ...row }) => ({
        ...row,
        ...(eventId ? { eventId } : {}),
        ...(bookingId ? { bookingId } : {}),
        createdAt: isoTimestamp(createdAt),
        readAt: isoTimestampOrNull(readAt),
      }));
    },

    async markAllRead(orgId: string, db: Db = pool): Promise<void> {
      await db.query(
        'UPDATE in_app_notifications SET read_at = now() WHERE org_id = $1 AND read_at IS NULL',
        [orgId],
      );
    },

    /** Rows not yet published, and how old the oldest is (seconds; null when none wait). */
    async outboxBacklog(db: Db = pool): Promise<{ backlog: number; age: number | null }> {
      const { rows } = await db.query<{ backlog: number; age: number | null }>(
        `SELECT count(*)::int AS backlog, extract(epoch FROM now() - min(created_at))::float8 AS age
         FROM outbox WHERE published_at IS NULL`,
      );
      return rows[0]!;
    },

    /** Deliveries that ended, sent or failed, per minute of the last 15. */
    async finishedPerMinute(db: Db = pool): Promise<{ minute: string; delivered: number; failed: number }[]> {
      const { rows } = await db.query<{ minute: Date; delivered: number; failed: number }>(
        `SELECT date_trunc('minute', updated_at) AS minute,
                count(*) FILTER (WHERE status = 'sent')::int AS delivered,
                count(*) FILTER (WHERE status = 'failed')::int AS failed
         FROM notification_deliveries
         WHERE status <> 'pending' AND updated_at > now() - interval '15 minutes'
         GROUP BY 1 ORDER BY 1`,
      );
      return rows.map((row) => ({ ...row, minute: isoTimestamp(row.minute) }));
    },
  };
}

export type NotificationsRepository = ReturnType<typeof notificationsRepository>;
