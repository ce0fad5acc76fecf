import { randomUUID } from 'node:crypto';
import { TEST_DATABASE_URL } from '@happening/testing/env';
import {
  bookingMessage,
  deletePipeline,
  enqueue,
  quietLog,
  RABBITMQ_URL,
  testRetry,
  uniqueQueue,
  waitFor,
} from '@happening/testing/notifications';
import { buildTestApp, type TestApp } from '@happening/testing/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pruneOutbox } from '../src/notifications/outbox-pruner.js';
import { OutboxRelay } from '../src/notifications/relay.js';

const WEEK_MS = 7 * 24 * 3_600_000;
let app: TestApp;
const queue = uniqueQueue();

beforeAll(async () => {
  app = await buildTestApp();
});
afterAll(async () => {
  await app?.close();
  await deletePipeline(queue, testRetry);
});

/** Commits `count` outbox rows for `orgId`, then dates them as given (null: not published yet). */
async function rows(orgId: string, count: number, createdAgo: string, publishedAgo: string | null) {
  const messages = Array.from({ length: count }, () => bookingMessage('booking_confirmed', orgId));
  await enqueue(app.pg, messages);
  const ids = messages.map((message) => message.id);
  await app.pg.query(
    `UPDATE outbox SET created_at = now() - $2::interval,
            published_at = CASE WHEN $3::interval IS NULL THEN NULL ELSE now() - $3::interval END
     WHERE id = ANY($1::uuid[])`,
    [ids, createdAgo, publishedAgo],
  );
  return ids;
}

async function present(ids: string[]): Promise<number> {
  const { rows } = await app.pg.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM outbox WHERE id = ANY($1::uuid[])',
    [ids],
  );
  return rows[0]!.n;
}

describe('outbox pruning', () => {
  it('deletes rows published before the retention and keeps recent and unpublished ones', async () => {
    const org = randomUUID();
    const other = randomUUID();
    const old = await rows(org, 3, '9 days', '8 days');
    const recent = await rows(org, 2, '2 days', '1 day');
    // Never published, however old: the relay still owes these to the broker.
    const backlog = await rows(org, 2, '30 days', null);
    const otherOrgs = await rows(other, 1, '9 days', '8 days');

    expect(await pruneOutbox(app.pg, { olderThanMs: WEEK_MS, orgIds: [org] })).toBe(3);
    expect(await present(old)).toBe(0);
    expect(await present(recent)).toBe(2);
    expect(await present(backlog)).toBe(2);
    expect(await present(otherOrgs)).toBe(1);
    expect(await pruneOutbox(app.pg, { olderThanMs: WEEK_MS, orgIds: [org] })).toBe(0);
    await app.pg.query('DELETE FROM outbox WHERE org_id = ANY($1::uuid[])', [[org, other]]);
  });

  it('works in short batches and leaves what exceeds one call for the next', async () => {
    const org = randomUUID();
    const old = await rows(org, 250, '9 days', '8 days');
    const options = { olderThanMs: WEEK_MS, orgIds: [org], batchSize: 100, maxBatches: 2 };
    expect(await pruneOutbox(app.pg, options)).toBe(200);
    expect(await present(old)).toBe(50);
    expect(await pruneOutbox(app.pg, options)).toBe(50);
    expect(await present(old)).toBe(0);
  });

  it('the relay prunes on its own while it publishes the backlog', async () => {
    const org = randomUUID();
    const old = await rows(org, 5, '9 days', '8 days');
    const backlog = await rows(org, 3, '10 days', null);
    const relay = new OutboxRelay({
      pool: app.pg,
      databaseUrl: TEST_DATABASE_URL,
      rabbitmqUrl: RABBITMQ_URL,
      queue,
      orgIds: [org],
      retentionMs: WEEK_MS,
      pruneIntervalMs: 100,
      log: quietLog,
    });
    await relay.start();
    try {
      await waitFor(async () => (await present(old)) === 0, 'the old published rows to go');
      expect(relay.pruned).toBe(5);
      await waitFor(async () => {
        const { rows: published } = await app.pg.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM outbox WHERE id = ANY($1::uuid[]) AND published_at IS NOT NULL',
          [backlog],
        );
        return published[0]!.n === 3;
      }, 'the backlog to be published');
      // Just published: kept until it is a week old.
      expect(await present(backlog)).toBe(3);
    } finally {
      await relay.stop();
    }
    await app.pg.query('DELETE FROM outbox WHERE org_id = $1', [org]);
  });
});
