/**
 * What the worker records in PostgreSQL: one row per (message, channel, target), the inbox of
 * handled messages, and the console's in-app notifications.
 *
 * Nothing here is held while a remote peer is waited on. A message costs two short transactions,
 * each one round trip: the plan (BEGIN, the message's lock, create its delivery rows, claim the
 * pending ones with a token and a lease, COMMIT), then, after the worker has sent without any
 * lock, transaction or pool client, the record (BEGIN, the lock, the outcomes, COMMIT).
 * Both come in batches too (`planAndClaimBatch`, `recordOutcomeBatch`): many messages' statements
 * in one transaction and one round trip, which is how the processor's group commit writes them.
 * Statements sent together go as one simple query, which takes no parameters, so values are
 * inlined as quoted literals (`inline`); in READ COMMITTED each statement of it reads with a fresh
 * snapshot, so the claim sees the rows the plan just created, and both see what the lock waited for.
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
 * Serialises the short transactions of every worker handling the same message id; whoever waited
 * then reads, in its next statement, what the other planned or recorded. `id` is the placeholder
 * of the message id. Held for one round trip, never while a delivery is sent.
 */
const lockSql = (id: string) => `SELECT pg_advisory_xact_lock(hashtextextended('notification:' || ${id}, 0))`;

/** A replayed dead letter is handled again: failed deliveries get another chance, sent ones stay sent. */
const REOPEN_SQL = `WITH reopened AS (
    UPDATE notification_deliveries
    SET status = 'pending', updated_at = now(), claim_token = NULL, claimed_until = NULL, claimed_by = NULL
    WHERE message_id = $1 AND status = 'failed'
  )
  DELETE FROM notification_inbox WHERE message_id = $1`;

export interface MessagePlan {
  /** In the inbox already: handled before, nothing to do. */
  handled: boolean;
  /** The organization's webhook endpoints (empty when handled). */
  endpoints: WebhookTarget[];
  /** Every delivery row of the message (empty when handled); the pending ones are claimed by us. */
  rows: DeliveryRow[];
  /**
   * Set when another worker's claim on a pending delivery is still live: we claimed nothing, and
   * the message is to be tried again once that lease ends (at this time).
   */
  busyUntil: Date | null;
}

/** Who claims, for how long: a fresh token per attempt, and a lease longer than any send. */
export interface Claim {
  token: string;
  leaseMs: number;
  /**
   * The claiming worker, while it holds its liveness lock (`workerLivenessKey`): its claims end
   * the moment its PostgreSQL session does (a killed worker), not only when the lease runs out.
   * Null: the lease alone decides.
   */
  claimant?: string | null;
}

/** The session-level advisory lock a worker holds for as long as it lives. */
export const WORKER_LIVENESS_SQL = `SELECT pg_advisory_lock(hashtextextended('worker:' || $1, 0))`;

/**
 * The plan, creating the planned deliveries not seen before as pending: whether the message was
 * handled and the organization's endpoints subscribed to its type (a previous secret only while
 * its grace period lasts).
 */
const PLAN_SQL = `WITH inbox AS (
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
   )
   SELECT (SELECT handled FROM inbox) AS handled,
          (SELECT coalesce(jsonb_agg(jsonb_build_object('id', id, 'url', url, 'secret', secret,
                                                        'previousSecret', previous_secret)
                                     ORDER BY created_at), '[]')
           FROM endpoints) AS endpoints`;

/**
 * The claim, all or nothing: every pending delivery of the message gets our token and lease,
 * unless one of them is under another live claim (a copy of the message in flight elsewhere), in
 * which case nothing is claimed and that lease's end is returned. One claimant at a time sends a
 * message's deliveries, as the old per-message lock held across sending ensured.
 */
const CLAIM_SQL = `WITH handled AS (
     SELECT EXISTS (SELECT 1 FROM notification_inbox WHERE message_id = $1) AS done
   ),
   current AS (
     SELECT id, channel, target, status, attempts, claimed_until, claimed_by FROM notification_deliveries
     WHERE message_id = $1 AND NOT (SELECT done FROM handled)
   ),
   busy AS (
     SELECT max(claimed_until) AS until FROM current
     WHERE status = 'pending' AND claimed_until > now()
       AND (claimed_by IS NULL OR EXISTS (
         -- The claimant's liveness lock: a bigint advisory key shows as classid (high 32 bits)
         -- and objid (low 32 bits) in pg_locks.
         SELECT 1 FROM pg_locks l
         WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
           AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended('worker:' || claimed_by, 0)))
   ),
   claimed AS (
     UPDATE notification_deliveries d
     SET claim_token = $5::uuid, claimed_until = now() + $6::int * interval '1 millisecond',
         claimed_by = $7
     FROM current c
     WHERE d.id = c.id AND c.status = 'pending' AND (SELECT until FROM busy) IS NULL
   )
   SELECT (SELECT until FROM busy) AS "busyUntil",
          (SELECT coalesce(jsonb_agg(jsonb_build_object('id', id, 'channel', channel, 'target', target,
                                                        'status', status, 'attempts', attempts)), '[]')
           FROM current) AS rows`;

/** One message to plan and claim. */
export interface PlanRequest {
  message: NotificationMessage;
  planned: PlannedDelivery[];
  replay: boolean;
  claim: Claim;
}

/**
 * Plans the message and claims its pending deliveries in one short transaction (a replay also
 * reopens its failed deliveries first). The caller sends the claimed deliveries afterwards, with
 * nothing of PostgreSQL's held.
 */
export async function planAndClaim(
  pool: pg.Pool,
  message: NotificationMessage,
  planned: PlannedDelivery[],
  replay: boolean,
  claim: Claim,
): Promise<MessagePlan> {
  return (await planAndClaimBatch(pool, [{ message, planned, replay, claim }]))[0]!;
}

/**
 * Several messages planned and claimed in one transaction and one round trip: each message's
 * statements (its lock, its reopening, the plan, the claim) follow each other in message-id order,
 * so two workers batching the same messages take their locks in the same order and never
 * deadlock. Copies of one message in the same batch are fine: the lock is re-entrant, and the
 * second copy's claim sees the first's.
 */
export async function planAndClaimBatch(pool: pg.Pool, requests: PlanRequest[]): Promise<MessagePlan[]> {
  const order = sortedByMessageId(requests.map((request) => request.message.id));
  return inTransaction(pool, async (client) => {
    const statements: string[] = ['BEGIN'];
    const planIndex = new Map<number, number>();
    for (const index of order) {
      const { message, planned, replay, claim } = requests[index]!;
      const parts = [lockSql('$1'), ...(replay ? [REOPEN_SQL] : []), PLAN_SQL, CLAIM_SQL];
      const params = [
        message.id,
        message.orgId,
        message.type,
        JSON.stringify(planned),
        claim.token,
        String(claim.leaseMs),
        claim.claimant ?? null,
      ];
      statements.push(...parts.map((part) => inline(client, part, params)));
      planIndex.set(index, statements.length - 2);
    }
    statements.push('COMMIT');
    const results = (await client.query(statements.join(';\n'))) as unknown as pg.QueryResult[];
    return requests.map((_request, index) => {
      const at = planIndex.get(index)!;
      const plan = results[at]!.rows[0] as { handled: boolean; endpoints: WebhookTarget[] };
      const claimed = results[at + 1]!.rows[0] as { busyUntil: Date | null; rows: DeliveryRow[] };
      if (plan.handled) return { handled: true, endpoints: [], rows: [], busyUntil: null };
      return { handled: false, endpoints: plan.endpoints, rows: claimed.rows, busyUntil: claimed.busyUntil };
    });
  });
}

/** Indexes of `ids` in ascending id order: the order a batch takes its locks in. */
function sortedByMessageId(ids: string[]): number[] {
  return ids.map((_id, index) => index).sort((a, b) => (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : 0));
}

/** Runs statements that open and commit their own transaction on one client; rolls back on error. */
async function inTransaction<T>(pool: pg.Pool, run: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await run(client);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

export interface MessageOutcome {
  /** Each delivery attempted now, with its new status. */
  results: DeliveryResult[];
  /** Written to the inbox with the results: every delivery is sent or failed for good. */
  handled: boolean;
  /** The console notification to store, when its in-app delivery was sent now. */
  inApp: InAppContent | null;
}

/** One message's outcome to record. */
export interface RecordRequest {
  message: NotificationMessage;
  claimToken: string;
  outcome: MessageOutcome;
}

/**
 * What the worker records after sending: the attempts' outcomes, the console notification, and
 * the inbox row when the message is done. An outcome is recorded only on a delivery still
 * pending, and a failure only while our claim is still ours: if our lease ran out and another
 * worker took the delivery over, its outcome is the one that counts (a success of ours still is
 * recorded — it was sent).
 */
const RECORD_SQL = `WITH results AS (
     SELECT (r->>'id')::uuid AS id, r->>'status' AS status, r->>'error' AS error
     FROM jsonb_array_elements($1::jsonb) AS r
   ),
   recorded AS (
     UPDATE notification_deliveries d
     SET status = r.status, last_error = r.error, attempts = d.attempts + 1, updated_at = now(),
         sent_at = CASE WHEN r.status = 'sent' THEN now() ELSE d.sent_at END,
         claim_token = NULL, claimed_until = NULL, claimed_by = NULL
     FROM results r
     WHERE d.id = r.id AND d.status = 'pending' AND (d.claim_token = $10::uuid OR r.status = 'sent')
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

/**
 * Records one message's outcome in a short transaction. Returns the console notification to
 * push; null when none was stored now (none due, or stored by an earlier delivery).
 */
export async function recordOutcome(
  pool: pg.Pool,
  message: NotificationMessage,
  claimToken: string,
  outcome: MessageOutcome,
): Promise<InAppNotification | null> {
  return (await recordOutcomeBatch(pool, [{ message, claimToken, outcome }]))[0]!;
}

/** Several messages' outcomes in one transaction and one round trip, locks in message-id order. */
export async function recordOutcomeBatch(
  pool: pg.Pool,
  requests: RecordRequest[],
): Promise<(InAppNotification | null)[]> {
  const order = sortedByMessageId(requests.map((request) => request.message.id));
  return inTransaction(pool, async (client) => {
    const statements: string[] = ['BEGIN'];
    const recordIndex = new Map<number, number>();
    for (const index of order) {
      const { message, claimToken, outcome } = requests[index]!;
      const params = [
        JSON.stringify(outcome.results),
        message.id,
        message.orgId,
        message.type,
        outcome.handled,
        outcome.inApp?.title ?? null,
        outcome.inApp?.body ?? null,
        eventIdOf(message),
        bookingIdOf(message),
        claimToken,
      ];
      statements.push(inline(client, lockSql('$2'), params), inline(client, RECORD_SQL, params));
      recordIndex.set(index, statements.length - 1);
    }
    statements.push('COMMIT');
    const results = (await client.query(statements.join(';\n'))) as unknown as pg.QueryResult<{
      id: string;
      createdAt: Date;
    }>[];
    return requests.map(({ message, outcome }, index) => {
      const row = results[recordIndex.get(index)!]!.rows[0];
      return row && outcome.inApp ? inAppNotification(message, outcome.inApp, row) : null;
    });
  });
}

const eventIdOf = (message: NotificationMessage) => ('eventId' in message ? message.eventId : null);
const bookingIdOf = (message: NotificationMessage) => ('bookingId' in message ? message.bookingId : null);

function inAppNotification(
  message: NotificationMessage,
  content: InAppContent,
  row: { id: string; createdAt: Date },
): InAppNotification {
  const eventId = eventIdOf(message);
  const bookingId = bookingIdOf(message);
  return {
    id: row.id,
    orgId: message.orgId,
    type: message.type,
    title: content.title,
    body: content.body,
    ...(eventId ? { eventId } : {}),
    ...(bookingId ? { bookingId } : {}),
    createdAt: row.createdAt.toISOString(),
    readAt: null,
  };
}

/** After a dead letter is safely queued: the message counts as handled. */
export async function markHandled(pool: pg.Pool, message: NotificationMessage): Promise<void> {
  await pool.query(
    `INSERT INTO notification_inbox (message_id, org_id, type) VALUES ($1, $2, $3)
     ON CONFLICT (message_id) DO UPDATE SET completed_at = now()`,
    [message.id, message.orgId, message.type],
  );
}
