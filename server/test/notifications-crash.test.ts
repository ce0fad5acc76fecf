/**
 * Nothing is lost and nobody is notified twice when parts crash: the worker killed with SIGKILL
 * mid-stream, the relay's broker connection cut while it publishes, and the server killed
 * between committing outbox rows and publishing them.
 */
import type { NotificationMessage } from '@happening/shared';
import { declareTopology, notificationTopology } from '@happening/shared';
import { TEST_DATABASE_URL, testEnv } from '@happening/testing/env';
import {
  bookingMessage,
  type Child,
  closeBrokerConnection,
  collectQueue,
  deletePipeline,
  enqueue,
  quietLog,
  RABBITMQ_URL,
  spawnPart,
  TestSmtp,
  testRetry,
  uniqueQueue,
  waitFor,
  workerEnv,
} from '@happening/testing/notifications';
import { buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import amqplib from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxRelay } from '../src/notifications/relay.js';

const workerQueue = uniqueQueue();
const relayQueue = uniqueQueue();
const smtp = new TestSmtp();
let app: TestApp;
const orgs: Record<'worker' | 'relay' | 'server', SignedUp> = {} as never;
const children: Child[] = [];

async function publishedCount(ids: string[]): Promise<number> {
  const { rows } = await app.pg.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM outbox WHERE id = ANY($1::uuid[]) AND published_at IS NOT NULL',
    [ids],
  );
  return rows[0]!.n;
}

function many(count: number, orgId: string): NotificationMessage[] {
  return Array.from({ length: count }, () => bookingMessage('booking_confirmed', orgId));
}

beforeAll(async () => {
  await smtp.start();
  app = await buildTestApp();
  orgs.worker = await signup(app, 'crash-worker');
  orgs.relay = await signup(app, 'crash-relay');
  orgs.server = await signup(app, 'crash-server');
  // The relay queue's consumer is the test itself: declare it before anything publishes.
  const connection = await amqplib.connect(RABBITMQ_URL);
  await declareTopology(await connection.createChannel(), notificationTopology(relayQueue));
  await connection.close();
});

afterAll(async () => {
  for (const child of children) child.process.kill('SIGKILL');
  await app?.close();
  await smtp.stop();
  await deletePipeline(workerQueue, testRetry);
  await deletePipeline(relayQueue, testRetry);
});

describe('crash safety', () => {
  it('kill -9 of the worker in the middle of 2,000 messages: all delivered after a restart, none twice', async () => {
    const relay = new OutboxRelay({
      pool: app.pg,
      databaseUrl: TEST_DATABASE_URL,
      rabbitmqUrl: RABBITMQ_URL,
      queue: workerQueue,
      orgIds: [orgs.worker.orgId],
      log: quietLog,
    });
    await relay.start();
    const prefetch = 20;
    const env = workerEnv(workerQueue, smtp.url, { WORKER_PREFETCH: String(prefetch) });
    const first = await spawnPart('worker', 'src/worker.ts', env);
    children.push(first);

    const messages = many(2_000, orgs.worker.orgId);
    const ids = messages.map((message) => message.id);
    // In the middle by construction, not by timing: past the 400th mail the SMTP server holds its
    // replies, so the worker dies with mails accepted but not yet recorded, and the rest queued.
    smtp.holdRepliesAfter(400);
    await enqueue(app.pg, messages);
    await waitFor(() => smtp.mailsFor(ids).length >= 400, `deliveries to start (${first.output()})`, 30_000);
    first.process.kill('SIGKILL');
    await first.exited;
    smtp.releaseReplies();
    const deliveredBeforeKill = new Set(smtp.mailsFor(ids).map((mail) => mail.notificationId)).size;
    expect(deliveredBeforeKill).toBeLessThan(2_000);

    const second = await spawnPart('worker', 'src/worker.ts', env);
    children.push(second);
    await waitFor(
      () => new Set(smtp.mailsFor(ids).map((mail) => mail.notificationId)).size === 2_000,
      'every message after the restart',
      80_000,
    );
    await relay.stop();

    // Each person received exactly one notification: one Message-ID each, which is what a
    // mailbox shows. On the wire, only a message whose email was accepted by SMTP in the instant
    // before the kill (not yet recorded) can be repeated, with the same Message-ID; everything
    // recorded is never sent again. So repeats are bounded by the messages in flight (prefetch).
    const mails = smtp.mailsFor(ids);
    const messageIdsByRecipient = new Map<string, Set<string>>();
    for (const mail of mails) {
      const seen = messageIdsByRecipient.get(mail.to[0]!) ?? new Set<string>();
      seen.add(mail.messageIdHeader);
      messageIdsByRecipient.set(mail.to[0]!, seen);
    }
    expect(messageIdsByRecipient.size).toBe(2_000);
    expect([...messageIdsByRecipient.values()].filter((seen) => seen.size !== 1)).toEqual([]);
    const repeatedOnTheWire = mails.length - 2_000;
    expect(repeatedOnTheWire).toBeLessThanOrEqual(prefetch);
    // The worker records a message just after its mail is accepted: wait for the last records.
    const handled = async () => {
      const { rows } = await app.pg.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM notification_inbox WHERE message_id = ANY($1::uuid[])',
        [ids],
      );
      return rows[0]!.n;
    };
    await waitFor(async () => (await handled()) === 2_000, 'every message recorded as handled', 15_000);

    // SIGTERM: the worker stops consuming, finishes what it holds and exits cleanly.
    second.process.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 120_000);

  it('cutting the relay’s broker connection while it publishes loses no outbox row', async () => {
    const collector = await collectQueue(relayQueue);
    const relay = new OutboxRelay({
      pool: app.pg,
      databaseUrl: TEST_DATABASE_URL,
      rabbitmqUrl: RABBITMQ_URL,
      queue: relayQueue,
      orgIds: [orgs.relay.orgId],
      batchSize: 50,
      log: quietLog,
    });
    await relay.start();
    try {
      const ids: string[] = [];
      let cut: Promise<number> | null = null;
      // Rows keep arriving while the connection is cut, as bookings would.
      for (let round = 0; round < 40; round++) {
        const messages = many(50, orgs.relay.orgId);
        ids.push(...messages.map((message) => message.id));
        await enqueue(app.pg, messages);
        if (round === 8) cut = closeBrokerConnection(relay.connectionName);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(await cut).toBe(1);
      await waitFor(async () => (await publishedCount(ids)) === ids.length, 'every row published', 30_000);
      await waitFor(() => ids.every((id) => collector.ids.has(id)), 'every message in the queue', 15_000);
    } finally {
      await relay.stop();
      await collector.close();
    }
  }, 60_000);

  it('the server killed between commit and publish: published after it restarts', async () => {
    const collector = await collectQueue(relayQueue);
    try {
      // Committed while no relay runs: exactly the state a server leaves when it dies after COMMIT.
      const messages = many(3_000, orgs.server.orgId);
      const ids = messages.map((message) => message.id);
      await enqueue(app.pg, messages);
      const env = {
        ...testEnv(),
        PORT: '0',
        NOTIFICATIONS_QUEUE: relayQueue,
        OUTBOX_RELAY_ENABLED: 'true',
        OUTBOX_RELAY_ORG_IDS: orgs.server.orgId,
        OUTBOX_RELAY_BATCH_SIZE: '100',
      };
      const first = await spawnPart('server', 'src/server.ts', env);
      children.push(first);
      // Kill it in the middle of publishing.
      await waitFor(
        async () => (await publishedCount(ids)) > 0,
        `the server to publish (${first.output()})`,
        30_000,
      );
      first.process.kill('SIGKILL');
      await first.exited;
      expect(await publishedCount(ids)).toBeLessThan(3_000);

      const second = await spawnPart('server', 'src/server.ts', env);
      children.push(second);
      await waitFor(
        async () => (await publishedCount(ids)) === 3_000,
        'every row published after the restart',
        30_000,
      );
      await waitFor(() => ids.every((id) => collector.ids.has(id)), 'every message in the queue', 15_000);
      second.process.kill('SIGTERM');
      await second.exited;
    } finally {
      await collector.close();
    }
  }, 60_000);
});
