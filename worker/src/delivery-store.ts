/**
 * What the worker records in PostgreSQL: one row per (message, channel, target), the inbox of
 * handled messages, and the console's in-app notifications.
 *
 * Nothing here is held while a remote peer is waited on. A message costs two short transactions:
 * the plan (BEGIN, the message's lock, create its delivery rows, claim the pending ones with a
 * token and a lease, COMMIT), then, after the worker has sent without any lock, transaction or
 * pool client, the record (BEGIN, the lock, the outcomes, COMMIT). Both are written for a batch
 * of messages at once, the records of messages just sent and the plans of messages about to be
 * sharing one transaction (`bookkeepingBatch`, the processor's group commit): one round trip, and
 * set-based statements that read the whole batch from one JSON value.
 * Statements sent together go as one simple query, which takes no parameters, so values are
 * inlined as quoted literals (`inline`); in READ COMMITTED each statement of it reads with a fresh
 * snapshot, so the claim sees the rows the plan just created, and both see what the lock waited for.
 *
 * The statements are prepared once per connection (`PREPARE`, then `EXECUTE name('…')` in the
 * simple query) and run on one generic plan: planning these CTEs costs ~0.25 ms each, which per
 * batch was the largest share of PostgreSQL's CPU per notification. `PLANNER_SETTINGS` keeps that
 * plan to index probes by message id, right for any batch and any table size.
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
 * then reads, in its next statement, what the other planned or recorded. Takes the locks of a
 * whole batch in the order of `ids` (sorted by the caller, so two workers batching the same
 * messages never deadlock). Held for one round trip, never while a delivery is sent.
 */
const LOCKS_SQL = `SELECT pg_advisory_xact_lock(hashtextextended('notification:' || id, 0)) FROM unnest($1::text[]) AS id`;

/** Replayed dead letters are handled again: failed deliveries get another chance, sent ones stay sent. */
const REOPEN_SQL = `WITH m AS (SELECT unnest($1::uuid[]) AS id),
  reopened AS (
    UPDATE notification_deliveries
    SET status = 'pending', updated_at = now(), claim_token = NULL, claimed_until = NULL, claimed_by = NULL
    WHERE message_id IN (SELECT id FROM m) AND status = 'failed'
  )
  DELETE FROM notification_inbox WHERE message_id IN (SELECT id FROM m)`;

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

/*
 * The batch statements read their messages from a JSON literal with `LIMIT $2`, their number: the
 * limit only tells the planner how many rows come (it assumes 100 of a set-returning function, and
 * then hashes whole tables where a few index probes do).
 */

/**
 * The plan of a set of messages (`$1`, JSON rows {i, id, org, type, planned}), creating the planned
 * deliveries not seen before as pending: per message (`i`), whether it was handled and its
 * organization's endpoints subscribed to its type (a previous secret only while its grace period
 * lasts). One statement for the whole batch: PostgreSQL plans it once, however many messages.
 */
const PLAN_SQL = `WITH given AS (
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS m(i int, id uuid, org uuid, type text, planned jsonb)
     LIMIT $2
   ),
   m AS (
     SELECT m.*, EXISTS (SELECT 1 FROM notification_inbox n WHERE n.message_id = m.id) AS handled
     FROM given m
   ),
   endpoints AS (
     SELECT m.i, e.id, e.url, e.secret, e.created_at,
            CASE WHEN e.previous_secret_expires_at > now() THEN e.previous_secret END AS previous_secret
     FROM m JOIN webhook_endpoints e ON e.org_id = m.org AND ${subscribedTo('m.type')}
     WHERE NOT m.handled
   ),
   planned AS (
     SELECT m.id, m.org, m.type, d->>'channel' AS channel, d->>'target' AS target
     FROM m, jsonb_array_elements(m.planned) AS d WHERE NOT m.handled
     UNION ALL
     SELECT m.id, m.org, m.type, 'webhook', e.id::text FROM endpoints e JOIN m USING (i)
   ),
   inserted AS (
     INSERT INTO notification_deliveries (message_id, org_id, type, channel, target, status)
     SELECT id, org, type, channel, target, 'pending' FROM planned
     ON CONFLICT (message_id, channel, target) DO NOTHING
   )
   SELECT m.i, m.handled,
          (SELECT coalesce(jsonb_agg(jsonb_build_object('id', e.id, 'url', e.url, 'secret', e.secret,
                                                        'previousSecret', e.previous_secret)
                                     ORDER BY e.created_at), '[]')
           FROM endpoints e WHERE e.i = m.i) AS endpoints
   FROM m`;

/**
 * The claim of a set of messages (`$1`, JSON rows {i, id, token, lease, claimant}), each all or
 * nothing: every pending delivery of a message gets its token and lease, unless one of them is
 * under another live claim (a copy of the message in flight elsewhere), in which case nothing of
 * that message is claimed and that lease's end is returned. One claimant at a time sends a
 * message's deliveries, as the old per-message lock held across sending ensured.
 */
const CLAIM_SQL = `WITH m AS (
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS m(i int, id uuid, token uuid, lease int, claimant text)
     LIMIT $2
   ),
   current AS (
     SELECT m.i, d.id, d.channel, d.target, d.status, d.attempts, d.claimed_until, d.claimed_by
     FROM m JOIN notification_deliveries d ON d.message_id = m.id
     WHERE NOT EXISTS (SELECT 1 FROM notification_inbox n WHERE n.message_id = m.id)
   ),
   busy AS (
     SELECT i, max(claimed_until) AS until FROM current
     WHERE status = 'pending' AND claimed_until > now()
       AND (claimed_by IS NULL OR EXISTS (
         -- The claimant's liveness lock: a bigint advisory key shows as classid (high 32 bits)
         -- and objid (low 32 bits) in pg_locks.
         SELECT 1 FROM pg_locks l
         WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
           AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended('worker:' || claimed_by, 0)))
     GROUP BY i
   ),
   claimed AS (
     UPDATE notification_deliveries d
     SET claim_token = m.token, claimed_until = now() + m.lease * interval '1 millisecond',
         claimed_by = m.claimant
     FROM current c JOIN m USING (i)
     WHERE d.id = c.id AND c.status = 'pending' AND NOT EXISTS (SELECT 1 FROM busy b WHERE b.i = c.i)
   )
   SELECT m.i, (SELECT until FROM busy b WHERE b.i = m.i) AS "busyUntil",
          (SELECT coalesce(jsonb_agg(jsonb_build_object('id', id, 'channel', channel, 'target', target,
                                                        'status', status, 'attempts', attempts)), '[]')
           FROM current c WHERE c.i = m.i) AS rows
   FROM m`;

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

/** Several messages planned and claimed in one transaction and one round trip (`bookkeepingBatch`). */
export async function planAndClaimBatch(pool: pg.Pool, requests: PlanRequest[]): Promise<MessagePlan[]> {
  return (await bookkeepingBatch(pool, requests, [])).plans;
}

/** The statements answering what the caller asked, and how to read their answers. */
type Reader<T> = (results: pg.QueryResult[]) => T;

/**
 * Appends the plan and claim of `requests` to `statements`: one reopen (replays), one plan and one
 * claim statement for all of them. Copies of one message in the same batch go in rounds, one copy
 * of each message per round, so a later copy's claim sees the first's, as it would in a later batch.
 */
function planStatements(
  client: pg.PoolClient,
  requests: PlanRequest[],
  statements: string[],
): Reader<MessagePlan[]> {
  const order = sortedByMessageId(requests.map((request) => request.message.id));
  const planAt: number[] = [];
  for (const round of roundsOfCopies(order, (index) => requests[index]!.message.id)) {
    const replays = round.filter((index) => requests[index]!.replay);
    if (replays.length > 0) {
      statements.push(
        execute(client, 'reopen', [textArray(replays.map((index) => requests[index]!.message.id))]),
      );
    }
    const plans = round.map((i) => {
      const { message, planned } = requests[i]!;
      return { i, id: message.id, org: message.orgId, type: message.type, planned };
    });
    const claims = round.map((i) => {
      const { message, claim } = requests[i]!;
      return {
        i,
        id: message.id,
        token: claim.token,
        lease: claim.leaseMs,
        claimant: claim.claimant ?? null,
      };
    });
    statements.push(
      execute(client, 'plan', [JSON.stringify(plans), String(round.length)]),
      execute(client, 'claim', [JSON.stringify(claims), String(round.length)]),
    );
    planAt.push(statements.length - 2);
  }
  return (results) => {
    const answers = new Array<MessagePlan>(requests.length);
    for (const at of planAt) {
      const claimed = new Map(
        (results[at + 1]!.rows as { i: number; busyUntil: Date | null; rows: DeliveryRow[] }[]).map((row) => [
          row.i,
          row,
        ]),
      );
      for (const plan of results[at]!.rows as { i: number; handled: boolean; endpoints: WebhookTarget[] }[]) {
        const claim = claimed.get(plan.i)!;
        answers[plan.i] = plan.handled
          ? { handled: true, endpoints: [], rows: [], busyUntil: null }
          : { handled: false, endpoints: plan.endpoints, rows: claim.rows, busyUntil: claim.busyUntil };
      }
    }
    return answers;
  };
}

/**
 * The worker's bookkeeping for a batch, in one transaction and one round trip: the outcomes of
 * messages that were sent (`records`), then the plans and claims of messages about to be
 * (`plans`). The locks of every message in it come first, in message-id order, so two workers
 * batching the same messages never deadlock. Records go before plans: a copy planned in the same
 * batch as its sibling's record sees that record, as it would in a later batch. Either list may
 * be empty; a busy worker fills both, and pays one transaction for what used to take two.
 */
export async function bookkeepingBatch(
  pool: pg.Pool,
  plans: PlanRequest[],
  records: RecordRequest[],
): Promise<{ plans: MessagePlan[]; records: (InAppNotification | null)[] }> {
  const ids = [...new Set([...records, ...plans].map((request) => request.message.id))].sort();
  return inTransaction(pool, async (client) => {
    const statements = ['BEGIN', execute(client, 'locks', [textArray(ids)])];
    const readRecords = recordStatements(client, records, statements);
    const readPlans = planStatements(client, plans, statements);
    statements.push('COMMIT');
    const results = (await client.query(statements.join(';\n'))) as unknown as pg.QueryResult[];
    return { plans: readPlans(results), records: readRecords(results) };
  });
}

/** A PostgreSQL array literal of text values (inlined as one quoted literal, cast by the SQL). */
function textArray(values: string[]): string {
  return `{${values.map((value) => `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}

/**
 * `order` split into rounds holding one request per message id each (the first copies, then the
 * second copies, …), each round keeping `order`'s order.
 */
function roundsOfCopies(order: number[], idOf: (index: number) => string): number[][] {
  const rounds: number[][] = [];
  const seen = new Map<string, number>();
  for (const index of order) {
    const copy = seen.get(idOf(index)) ?? 0;
    seen.set(idOf(index), copy + 1);
    if (copy === rounds.length) rounds.push([]);
    rounds[copy]!.push(index);
  }
  return rounds;
}

/** Indexes of `ids` in ascending id order: the order a batch takes its locks in. */
function sortedByMessageId(ids: string[]): number[] {
  return ids.map((_id, index) => index).sort((a, b) => (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : 0));
}

/**
 * Runs statements that open and commit their own transaction on one client, with the prepared
 * statements ready on it; rolls back on error. A connection that could not prepare them is
 * closed rather than reused half prepared.
 */
async function inTransaction<T>(pool: pg.Pool, run: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await prepareStatements(client);
  } catch (error) {
    client.release(error as Error);
    throw error;
  }
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
 * What the worker records after sending, for a set of messages (`$1`, JSON rows {i, id, org, type,
 * handled, title, body, event, booking}; `$3`, their attempts {id, status, error, token}): the attempts' outcomes, the console
 * notification, and the inbox row when the message is done. An outcome is recorded only on a
 * delivery still pending, and a failure only while our claim is still ours: if our lease ran out
 * and another worker took the delivery over, its outcome is the one that counts (a success of ours
 * still is recorded — it was sent). Answers the console notifications stored now, by `i`.
 */
const RECORD_SQL = `WITH m AS (
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS m(i int, id uuid, org uuid, type text, handled boolean,
       title text, body text, event uuid, booking uuid)
     LIMIT $2
   ),
   results AS (
     SELECT * FROM jsonb_to_recordset($3::jsonb) AS r(id uuid, status text, error text, token uuid)
     LIMIT $4
   ),
   recorded AS (
     UPDATE notification_deliveries d
     SET status = r.status, last_error = r.error, attempts = d.attempts + 1, updated_at = now(),
         sent_at = CASE WHEN r.status = 'sent' THEN now() ELSE d.sent_at END,
         claim_token = NULL, claimed_until = NULL, claimed_by = NULL
     FROM results r
     WHERE d.id = r.id AND d.status = 'pending' AND (d.claim_token = r.token OR r.status = 'sent')
   ),
   inbox AS (
     INSERT INTO notification_inbox (message_id, org_id, type)
     SELECT id, org, type FROM m WHERE handled
     ON CONFLICT (message_id) DO UPDATE SET completed_at = now()
   ),
   stored AS (
     INSERT INTO in_app_notifications (org_id, message_id, type, title, body, event_id, booking_id)
     SELECT org, id, type, title, body, event, booking FROM m WHERE title IS NOT NULL
     ON CONFLICT (message_id) DO NOTHING
     RETURNING message_id, id, created_at
   )
   SELECT m.i, s.id, s.created_at AS "createdAt" FROM m JOIN stored s ON s.message_id = m.id`;

/** The statements a batch runs, prepared on each connection under these names. */
const STATEMENTS = {
  locks: { types: 'text[]', sql: LOCKS_SQL },
  reopen: { types: 'uuid[]', sql: REOPEN_SQL },
  plan: { types: 'jsonb, int', sql: PLAN_SQL },
  claim: { types: 'jsonb, int', sql: CLAIM_SQL },
  record: { types: 'jsonb, int, jsonb, int', sql: RECORD_SQL },
};
type Statement = keyof typeof STATEMENTS;
const preparedName = (statement: Statement) => `happening_worker_${statement}`;

/**
 * The worker's sessions plan for what its statements are: probes by key into tables of any size.
 * A generic plan is made once, at a connection's first batch, from the tables' size then; made on
 * near-empty tables (a fresh install, a test, the benchmark's truncated database) it hashes whole
 * tables, and keeps doing so as they grow until PostgreSQL happens to replan (measured: half the
 * worker's PostgreSQL CPU went to seq-scanning `notification_deliveries` that way). Without
 * sequential scans and hash or merge joins, each plan is nested loops over the batch with index
 * probes, whatever the tables held when it was made; the batch sides are a hundred rows at most.
 */
const PLANNER_SETTINGS = [
  'SET plan_cache_mode = force_generic_plan',
  'SET enable_seqscan = off',
  'SET enable_hashjoin = off',
  'SET enable_mergejoin = off',
];

/** Pool clients whose session has the statements prepared (a client is its connection). */
const prepared = new WeakSet<pg.PoolClient>();

/**
 * Prepares the statements on this client's session, once. Generic plans from the first
 * execution: the default would plan five executions anew before it settled on one.
 */
async function prepareStatements(client: pg.PoolClient): Promise<void> {
  if (prepared.has(client)) return;
  const statements = Object.entries(STATEMENTS).map(
    ([statement, { types, sql }]) => `PREPARE ${preparedName(statement as Statement)} (${types}) AS ${sql}`,
  );
  await client.query([...PLANNER_SETTINGS, ...statements].join(';\n'));
  prepared.add(client);
}

/** `EXECUTE` of a prepared statement, its values inlined as literals (`inline`). */
function execute(client: pg.PoolClient, statement: Statement, params: Literal[]): string {
  const placeholders = params.map((_value, index) => `$${index + 1}`).join(', ');
  return inline(client, `EXECUTE ${preparedName(statement)}(${placeholders})`, params);
}

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

/** Several messages' outcomes in one transaction and one round trip (`bookkeepingBatch`). */
export async function recordOutcomeBatch(
  pool: pg.Pool,
  requests: RecordRequest[],
): Promise<(InAppNotification | null)[]> {
  return (await bookkeepingBatch(pool, [], requests)).records;
}

/**
 * Appends the record of `requests` to `statements`: one statement per round of copies (one copy of
 * each message per round: a statement may not write one inbox row twice).
 */
function recordStatements(
  client: pg.PoolClient,
  requests: RecordRequest[],
  statements: string[],
): Reader<(InAppNotification | null)[]> {
  const order = sortedByMessageId(requests.map((request) => request.message.id));
  const recordAt: number[] = [];
  for (const round of roundsOfCopies(order, (index) => requests[index]!.message.id)) {
    const rows = round.map((i) => {
      const { message, outcome } = requests[i]!;
      return {
        i,
        id: message.id,
        org: message.orgId,
        type: message.type,
        handled: outcome.handled,
        title: outcome.inApp?.title ?? null,
        body: outcome.inApp?.body ?? null,
        event: eventIdOf(message),
        booking: bookingIdOf(message),
      };
    });
    const attempts = round.flatMap((i) =>
      requests[i]!.outcome.results.map((result) => ({ ...result, token: requests[i]!.claimToken })),
    );
    statements.push(
      execute(client, 'record', [
        JSON.stringify(rows),
        String(round.length),
        JSON.stringify(attempts),
        String(attempts.length),
      ]),
    );
    recordAt.push(statements.length - 1);
  }
  return (results) => {
    const stored = new Map(
      recordAt
        .flatMap((at) => results[at]!.rows as { i: number; id: string; createdAt: Date }[])
        .map((row) => [row.i, row]),
    );
    return requests.map(({ message, outcome }, index) => {
      const row = stored.get(index);
      return row && outcome.inApp ? inAppNotification(message, outcome.inApp, row) : null;
    });
  };
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
