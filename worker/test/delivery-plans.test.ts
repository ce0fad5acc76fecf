/**
 * The worker's bookkeeping statements are prepared once per connection and keep one plan. A plan
 * made while the tables were empty (a fresh install, a truncated benchmark database) must still
 * be index probes once the tables hold many rows: a plan that hashed whole tables then costs more
 * with every row, on every batch, for as long as the connection lives.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { scratchDatabase } from '@happening/testing/scratch-database';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planAndClaimBatch, recordOutcomeBatch } from '../src/delivery-store.js';
import { confirmedMessage } from './fixtures.js';

let database: Awaited<ReturnType<typeof scratchDatabase>>;
let pool: pg.Pool;
let orgId: string;

beforeAll(async () => {
  database = await scratchDatabase('happening_worker_plans');
  // One connection: the statements prepared by the first batch are the ones explained below.
  pool = new pg.Pool({ connectionString: database.url, max: 1 });
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO organizations (name, publishable_key, secret_key_hash, secret_key_hint)
     VALUES ('Plans test org', $1, $2, 'sk_…test') RETURNING id`,
    [`pk_${randomBytes(12).toString('hex')}`, randomBytes(32).toString('hex')],
  );
  orgId = rows[0]!.id;
}, 60_000);

afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

/** Every plan node of an `EXPLAIN (FORMAT JSON)`, flattened. */
function nodesOf(plan: { Plans?: unknown[] } & Record<string, unknown>): Record<string, unknown>[] {
  return [plan, ...((plan.Plans ?? []) as (typeof plan)[]).flatMap(nodesOf)];
}

describe('prepared bookkeeping plans', () => {
  it('stay index probes after the tables grow from empty', async () => {
    // The first batch prepares the statements, on empty tables.
    const first = confirmedMessage(orgId);
    const claim = { token: randomUUID(), leaseMs: 60_000, claimant: null };
    const [plan] = await planAndClaimBatch(pool, [
      { message: first, planned: [{ channel: 'email', target: first.attendee.email }], replay: false, claim },
    ]);
    await recordOutcomeBatch(pool, [
      {
        message: first,
        claimToken: claim.token,
        outcome: {
          results: plan!.rows.map((row) => ({ id: row.id, status: 'sent' as const, error: null })),
          handled: true,
          inApp: null,
        },
      },
    ]);

    // Then the tables grow, as they do in production and in a benchmark run.
    await pool.query(
      `WITH ids AS (SELECT gen_random_uuid() AS id FROM generate_series(1, 20000)),
       inbox AS (INSERT INTO notification_inbox (message_id, org_id, type) SELECT id, $1, 'booking_confirmed' FROM ids)
       INSERT INTO notification_deliveries (message_id, org_id, type, channel, target, status)
       SELECT id, $1, 'booking_confirmed', 'email', 'x@example.test', 'sent' FROM ids`,
      [orgId],
    );

    const message = confirmedMessage(orgId);
    const client = await pool.connect();
    const json = (value: unknown) => client.escapeLiteral(JSON.stringify(value));
    const explained: Record<string, string> = {
      plan: `${json([{ i: 0, id: message.id, org: orgId, type: message.type, planned: [] }])}, 1`,
      claim: `${json([{ i: 0, id: message.id, token: randomUUID(), lease: 1000, claimant: null }])}, 1`,
      record: `${json([{ i: 0, id: message.id, org: orgId, type: message.type, handled: true }])}, 1, ${json([
        { id: randomUUID(), status: 'sent', error: null, token: randomUUID() },
      ])}, 1`,
    };
    try {
      for (const [statement, args] of Object.entries(explained)) {
        const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: Record<string, unknown> }] }>(
          `EXPLAIN (FORMAT JSON) EXECUTE happening_worker_${statement}(${args})`,
        );
        const nodes = nodesOf(rows[0]!['QUERY PLAN'][0].Plan);
        const scans = nodes
          .filter((node) => node['Node Type'] === 'Seq Scan')
          .map((node) => node['Relation Name']);
        expect(scans, `${statement}: sequential scans`).not.toContain('notification_deliveries');
        expect(scans, `${statement}: sequential scans`).not.toContain('notification_inbox');
        expect(
          nodes.filter((node) => node['Node Type'] === 'Hash Join' || node['Node Type'] === 'Hash'),
          `${statement}: hashes`,
        ).toEqual([]);
      }
    } finally {
      client.release();
    }
  }, 60_000);
});
