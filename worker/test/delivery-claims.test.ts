/**
 * Claims on a message's deliveries (`planAndClaim`, `recordOutcome`) against real PostgreSQL: one
 * claimant at a time, a claim that outlives its lease (its worker died mid-send) is taken over,
 * and a late outcome from a claimant that lost its claim does not overwrite the new claimant's.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  planAndClaim,
  planAndClaimBatch,
  recordOutcome,
  recordOutcomeBatch,
  WORKER_LIVENESS_SQL,
} from '../src/delivery-store.js';
import { confirmedMessage } from './fixtures.js';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/happening_test';
const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 3 });
let orgId: string;

beforeAll(async () => {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO organizations (name, publishable_key, secret_key_hash, secret_key_hint)
     VALUES ('Claims test org', $1, $2, 'sk_…test') RETURNING id`,
    [`pk_${randomBytes(12).toString('hex')}`, randomBytes(32).toString('hex')],
  );
  orgId = rows[0]!.id;
});

afterAll(async () => {
  await pool.query('DELETE FROM organizations WHERE id = $1', [orgId]);
  await pool.end();
});

const planned = (email: string) => [
  { channel: 'email' as const, target: email },
  { channel: 'in_app' as const, target: orgId },
];
const claim = (leaseMs = 60_000) => ({ token: randomUUID(), leaseMs });

describe('delivery claims', () => {
  it('gives a message to one claimant at a time; a copy meanwhile is told when the lease ends', async () => {
    const message = confirmedMessage(orgId);
    const first = await planAndClaim(pool, message, planned(message.attendee.email), false, claim());
    expect(first.busyUntil).toBeNull();
    expect(first.rows.map((row) => row.status)).toEqual(['pending', 'pending']);

    const copy = await planAndClaim(pool, message, planned(message.attendee.email), false, claim());
    expect(copy.busyUntil).toBeInstanceOf(Date);
    expect(copy.busyUntil!.getTime()).toBeGreaterThan(Date.now() + 50_000);
  });

  it("takes over a claim whose lease ran out, and ignores the old claimant's late failure", async () => {
    const message = confirmedMessage(orgId);
    const dead = claim();
    const first = await planAndClaim(pool, message, planned(message.attendee.email), false, dead);
    // The first worker hangs past its lease.
    await pool.query(
      `UPDATE notification_deliveries SET claimed_until = now() - interval '1 second' WHERE message_id = $1`,
      [message.id],
    );
    const taker = claim();
    const second = await planAndClaim(pool, message, planned(message.attendee.email), false, taker);
    expect(second.busyUntil).toBeNull();
    expect(second.rows.filter((row) => row.status === 'pending')).toHaveLength(2);

    // The old claimant wakes up and reports a failure: it no longer owns the claim.
    await recordOutcome(pool, message, dead.token, {
      results: first.rows.map((row) => ({ id: row.id, status: 'pending', error: 'too late' })),
      handled: false,
      inApp: null,
    });
    const { rows: untouched } = await pool.query(
      'SELECT status, attempts, last_error FROM notification_deliveries WHERE message_id = $1',
      [message.id],
    );
    expect(untouched.every((row) => row.attempts === 0 && row.last_error === null)).toBe(true);

    // The new claimant's outcome counts, and the message is handled.
    await recordOutcome(pool, message, taker.token, {
      results: second.rows.map((row) => ({ id: row.id, status: 'sent', error: null })),
      handled: true,
      inApp: null,
    });
    const { rows } = await pool.query(
      'SELECT status, attempts, claim_token FROM notification_deliveries WHERE message_id = $1',
      [message.id],
    );
    expect(rows).toEqual([
      { status: 'sent', attempts: 1, claim_token: null },
      { status: 'sent', attempts: 1, claim_token: null },
    ]);
    const again = await planAndClaim(pool, message, planned(message.attendee.email), false, claim());
    expect(again.handled).toBe(true);
  });

  it('plans a batch in one transaction: copies of one message in it get one claim between them', async () => {
    const [one, other] = [confirmedMessage(orgId), confirmedMessage(orgId)];
    const request = (message: typeof one) => ({
      message,
      planned: planned(message.attendee.email),
      replay: false,
      claim: claim(),
    });
    const plans = await planAndClaimBatch(pool, [request(other), request(one), request(other)]);
    expect(plans.map((plan) => plan.busyUntil === null)).toEqual(
      // Locks go in message-id order; copies of one id keep their order (a stable sort), so the
      // first copy of `other` claims and the second finds that claim live.
      [true, true, false],
    );
    expect(plans[1]!.rows.filter((row) => row.status === 'pending')).toHaveLength(2);
  });

  it('records a batch in one transaction: each message its own outcome, its notification, its inbox row', async () => {
    const [sent, retrying] = [confirmedMessage(orgId), confirmedMessage(orgId)];
    const requests = [sent, retrying].map((message) => ({
      message,
      planned: planned(message.attendee.email),
      replay: false,
      claim: claim(),
    }));
    const plans = await planAndClaimBatch(pool, requests);
    const stale = claim();
    const inApp = { title: 'Booking confirmed', body: 'Linus booked balc-C-3 for Harbour Lights' };
    const pushed = await recordOutcomeBatch(pool, [
      {
        message: sent,
        claimToken: requests[0]!.claim.token,
        outcome: {
          results: plans[0]!.rows.map((row) => ({ id: row.id, status: 'sent', error: null })),
          handled: true,
          inApp,
        },
      },
      {
        message: retrying,
        claimToken: requests[1]!.claim.token,
        outcome: {
          results: plans[1]!.rows.map((row) => ({ id: row.id, status: 'pending', error: 'try later' })),
          handled: false,
          inApp: null,
        },
      },
      // A copy of the first whose claim is not the current one: its failure must not count, and
      // its round of the batch comes after the first copy's.
      {
        message: sent,
        claimToken: stale.token,
        outcome: {
          results: plans[0]!.rows.map((row) => ({ id: row.id, status: 'failed', error: 'late' })),
          // One statement may not write one inbox row twice: this copy goes in a second round.
          handled: true,
          inApp,
        },
      },
    ]);
    expect(pushed[0]).toMatchObject({ orgId, title: inApp.title, bookingId: sent.bookingId });
    expect(pushed.slice(1)).toEqual([null, null]);
    const { rows } = await pool.query<{
      message_id: string;
      status: string;
      attempts: number;
      last_error: string | null;
    }>(
      `SELECT message_id, status, attempts, last_error FROM notification_deliveries
       WHERE message_id = ANY ($1::uuid[]) ORDER BY message_id, channel`,
      [[sent.id, retrying.id]],
    );
    const byMessage = (id: string) =>
      rows.filter((row) => row.message_id === id).map(({ message_id: _m, ...row }) => row);
    expect(byMessage(sent.id)).toEqual([
      { status: 'sent', attempts: 1, last_error: null },
      { status: 'sent', attempts: 1, last_error: null },
    ]);
    expect(byMessage(retrying.id)).toEqual([
      { status: 'pending', attempts: 1, last_error: 'try later' },
      { status: 'pending', attempts: 1, last_error: 'try later' },
    ]);
    const inbox = await pool.query(
      'SELECT message_id FROM notification_inbox WHERE message_id = ANY ($1::uuid[])',
      [[sent.id, retrying.id]],
    );
    expect(inbox.rows).toEqual([{ message_id: sent.id }]);
  });

  it("ends a claim the moment its worker's session ends, long before the lease", async () => {
    const message = confirmedMessage(orgId);
    const workerName = `claims-test-${randomUUID()}`;
    const session = new pg.Client({ connectionString: DATABASE_URL });
    await session.connect();
    await session.query(WORKER_LIVENESS_SQL, [workerName]);
    const first = await planAndClaim(pool, message, planned(message.attendee.email), false, {
      ...claim(),
      claimant: workerName,
    });
    expect(first.busyUntil).toBeNull();
    // Its worker is alive: a copy waits.
    const copy = await planAndClaim(pool, message, planned(message.attendee.email), false, claim());
    expect(copy.busyUntil).toBeInstanceOf(Date);
    // The worker dies (its session ends, as with kill -9): the next copy takes over at once.
    await session.end();
    const takeover = await planAndClaim(pool, message, planned(message.attendee.email), false, claim());
    expect(takeover.busyUntil).toBeNull();
    expect(takeover.rows.filter((row) => row.status === 'pending')).toHaveLength(2);
  });
});
