/**
 * What the worker records in PostgreSQL: one row per (message, channel, target), the inbox of
 * handled messages, and the console's in-app notifications. A message costs two round trips to
 * PostgreSQL: BEGIN, its lock and the plan in one; the outcome and COMMIT in the other (the email
 * is sent between). Statements sent together go as one simple query, which takes no parameters,
 * so values are inlined as quoted literals (`inline`); in READ COMMITTED each statement of it
 * still reads with a fresh snapshot, so the plan sees what the lock waited for.
 */

import type { WebhookTarget } from '@happening/delivery';
import type { InAppNotification, NotificationMessage } from '@happening/shared';
import type pg from 'pg';
import { subscribedTo } from './routing.js';
import type { InAppContent } from './templates/index.js';

export type Channel = 'email' | 'webhook' | 'in_app';
export type DeliveryStatus = 'pending' | 'sent' | 'failed';

export interface PlannedDelivery {
  channel: Channel;
  target: string;
}

export interface DeliveryRow extends PlannedDelivery {
  id: string;
  status: DeliveryStatus;
  attempts: number;
}

export interface DeliveryResult {
  id: string;
  status: DeliveryStatus;
  error: string | null;
}

type Literal = string | boolean | null;

/** `sql` with `$1`, `$2`, … replaced by `params` as quoted literals, for a multi-statement query. */
export function inline(client: pg.PoolClient, sql: string, params: Literal[]): string {
  return sql.replace(/\$(\d+)/g, (_match, index: string) => {
    const value = params[Number(index) - 1];
    if (value === undefined) throw new Error(`no value for $${index}`);
    if (value === null) return 'NULL';
    return typeof value === 'boolean' ? String(value) : client.escapeLiteral(value);
  });
}

/**
 * Serialises every worker handling the same message id until the transaction ends; whoever
 * waited then reads, in its next statement, what the other recorded.
 */
const LOCK_SQL = `SELECT pg_advisory_xact_lock(hashtextextended('notification:' || $1, 0))`;

/** A replayed dead letter is handled again: failed deliveries get another chance, sent ones stay sent. */
const REOPEN_SQL = `WITH reopened AS (
    UPDATE notification_deliveries SET status = 'pending', updated_at = now()
    WHERE message_id = $1 AND status = 'failed'
  )
  DELETE FROM notification_inbox WHERE message_id = $1`;

export interface MessagePlan {
  /** In the inbox already: handled before, nothing to do. */
  handled: boolean;
  /** The organization's webhook endpoints (empty when handled). */
  endpoints: WebhookTarget[];
  /** Every delivery row of the message, the new ones pending (empty when handled). */
  rows: DeliveryRow[];
}

/**
 * Opens the message's transaction, takes its lock (a replay also reopens its failed deliveries)
 * and plans, in one round trip. The plan is one statement: whether the message was handled, the
 * organization's endpoints subscribed to its type (a previous secret only while its grace period lasts), and every
 * delivery row, creating the planned ones not seen before as pending. The rows a statement
 * inserts are invisible to its own reads, so the new rows (RETURNING) and the existing ones (the
 * snapshot) are disjoint.
 */
export async function beginAndPlan(
  client: pg.PoolClient,
  message: NotificationMessage,
  planned: PlannedDelivery[],
  replay: boolean,
): Promise<MessagePlan> {
  const plan = `WITH inbox AS (
       SELECT EXISTS (SELECT 1 FROM notification_inbox WHERE message_id = $1) AS handled
     ),
     endpoints AS (
       SELECT id, url, secret, created_at,
              CASE WHEN previous_secret_expires_at > now() THEN previous_secret END AS previous_secret
       FROM webhook_endpoints WHERE org_id = $2 AND ${subscribedTo('$3')} AND NOT (SELECT handled FROM inbox)
     ),
     planned AS (
       SELECT d->>'channel' AS channel, d->>'target' AS target FROM jsonb_array_elements($4::jsonb) AS d
       UNION ALL
       SELECT 'webhook', id::text FROM endpoints
     ),
     inserted AS (
       INSERT INTO notification_deliveries (message_id, org_id, type, channel, target, status)
       SELECT $1, $2, $3, channel, target, 'pending' FROM planned WHERE NOT (SELECT handled FROM inbox)
       ON CONFLICT (message_id, channel, target) DO NOTHING
       RETURNING id, channel, target, status, attempts
     ),
     deliveries AS (
       SELECT id, channel, target, status, attempts FROM inserted
       UNION ALL
       SELECT id, channel, target, status, attempts FROM notification_deliveries
       WHERE message_id = $1 AND NOT (SELECT handled FROM inbox)
     )
     SELECT (SELECT handled FROM inbox) AS handled,
            (SELECT coalesce(jsonb_agg(jsonb_build_object('id', id, 'url', url, 'secret', secret,
                                                          'previousSecret', previous_secret)
                                       ORDER BY created_at), '[]')
             FROM endpoints) AS endpoints,
            (SELECT coalesce(jsonb_agg(d), '[]') FROM deliveries d) AS rows`;
  const statements = ['BEGIN', LOCK_SQL, ...(replay ? [REOPEN_SQL] : []), plan].join(';\n');
  const results = (await client.query(
    inline(client, statements, [message.id, message.orgId, message.type, JSON.stringify(planned)]),
  )) as unknown as pg.QueryResult<MessagePlan>[];
  return results.at(-1)!.rows[0]!;
}

export interface MessageOutcome {
  /** Each delivery attempted now, with its new status. */
  results: DeliveryResult[];
  /** Written to the inbox with the results: every delivery is sent or failed for good. */
  handled: boolean;
  /** The console notification to store, when its in-app delivery was sent now. */
  inApp: InAppContent | null;
}

/**
 * One statement for what the worker records after sending (the attempts' outcomes, the console
 * notification, and the inbox row when the message is done), then COMMIT, in one round trip.
 * Returns the console notification to push; null when none was stored now (none due, or stored
 * by an earlier delivery).
 */
export async function recordAndCommit(
  client: pg.PoolClient,
  message: NotificationMessage,
  outcome: MessageOutcome,
): Promise<InAppNotification | null> {
  const eventId = 'eventId' in message ? message.eventId : null;
  const bookingId = 'bookingId' in message ? message.bookingId : null;
  const record = `WITH results AS (
       SELECT (r->>'id')::uuid AS id, r->>'status' AS status, r->>'error' AS error
       FROM jsonb_array_elements($1::jsonb) AS r
     ),
     recorded AS (
       UPDATE notification_deliveries d
       SET status = r.status, last_error = r.error, attempts = d.attempts + 1, updated_at = now(),
           sent_at = CASE WHEN r.status = 'sent' THEN now() ELSE d.sent_at END
       FROM results r WHERE d.id = r.id
     ),
     inbox AS (
       INSERT INTO notification_inbox (message_id, org_id, type)
       SELECT $2, $3, $4 WHERE $5::boolean
       ON CONFLICT (message_id) DO UPDATE SET completed_at = now()
     )
     INSERT INTO in_app_notifications (org_id, message_id, type, title, body, event_id, booking_id)
     SELECT $3, $2, $4, $6, $7, $8, $9 WHERE $6::text IS NOT NULL
     ON CONFLICT (message_id) DO NOTHING
     RETURNING id, created_at AS "createdAt"`;
  const results = (await client.query(
    inline(client, `${record};\nCOMMIT`, [
      JSON.stringify(outcome.results),
      message.id,
      message.orgId,
      message.type,
      outcome.handled,
      outcome.inApp?.title ?? null,
      outcome.inApp?.body ?? null,
      eventId,
      bookingId,
    ]),
  )) as unknown as pg.QueryResult<{ id: string; createdAt: Date }>[];
  const row = results[0]!.rows[0];
  if (!row || !outcome.inApp) return null;
  return {
    id: row.id,
    orgId: message.orgId,
    type: message.type,
    title: outcome.inApp.title,
    body: outcome.inApp.body,
    ...(eventId ? { eventId } : {}),
    ...(bookingId ? { bookingId } : {}),
    createdAt: row.createdAt.toISOString(),
    readAt: null,
  };
}

/** After a dead letter is safely queued: the message counts as handled. */
export async function markHandled(client: pg.PoolClient, message: NotificationMessage): Promise<void> {
  await client.query(
    `INSERT INTO notification_inbox (message_id, org_id, type) VALUES ($1, $2, $3)
     ON CONFLICT (message_id) DO UPDATE SET completed_at = now()`,
    [message.id, message.orgId, message.type],
  );
}
