/**
 * The relay overlaps its batches with their publisher confirms (`maxInFlightBatches`): under a
 * burst, later batches are claimed and published while earlier ones still wait for confirms,
 * every row arrives, and a row is never marked published before the broker has it — checked
 * after the server running the relay is killed mid-burst: every row marked published by then
 * is in the queue.
 *
 * The relays reach RabbitMQ through a slow link that holds the broker's replies for a quarter of a
 * second: confirms then always arrive after the next claim (a few milliseconds of PostgreSQL), so
 * overlap is what the relay does rather than what a slow broker happens to allow, and the server
 * killed mid-burst is always killed before it has published everything.
 */
import type { NotificationMessage } from '@happening/shared';
import { declareTopology, notificationTopology } from '@happening/shared';
import { TEST_DATABASE_URL, testEnv } from '@happening/testing/env';
import {
  bookingMessage,
  type Child,
  collectQueue,
  deletePipeline,
  enqueue,
  quietLog,
  RABBITMQ_URL,
  spawnPart,
  testRetry,
  uniqueQueue,
  waitFor,
} from '@happening/testing/notifications';
import { buildTestApp, signup, type TestApp } from '@happening/testing/server';
import { type SlowLink, startSlowLink } from '@happening/testing/slow-link';
import amqplib from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxRelay } from '../src/notifications/relay.js';

const queue = uniqueQueue();
let app: TestApp;
let slowLink: SlowLink;
let slowRabbitmqUrl: string;
const children: Child[] = [];

function many(count: number, orgId: string): NotificationMessage[] {
  return Array.from({ length: count }, () => bookingMessage('booking_confirmed', orgId));
}

async function publishedIds(ids: string[]): Promise<string[]> {
  const { rows } = await app.pg.query<{ id: string }>(
    'SELECT id FROM outbox WHERE id = ANY($1::uuid[]) AND published_at IS NOT NULL',
    [ids],
  );
  return rows.map((row) => row.id);
}

beforeAll(async () => {
  app = await buildTestApp();
  const connection = await amqplib.connect(RABBITMQ_URL);
  await declareTopology(await connection.createChannel(), notificationTopology(queue));
  await connection.close();
  const broker = new URL(RABBITMQ_URL);
  slowLink = await startSlowLink({ host: broker.hostname, port: Number(broker.port || 5672) }, 250);
  broker.host = `127.0.0.1:${slowLink.port}`;
  slowRabbitmqUrl = broker.toString();
});

afterAll(async () => {
  for (const child of children) child.process.kill('SIGKILL');
  await app?.close();
  await slowLink?.close();
  await deletePipeline(queue, testRetry);
});

describe('relay batches overlap with their confirms', () => {
  it('publishes a burst with several batches awaiting confirms at once, every row arriving', async () => {
    const org = await signup(app, 'relay-overlap');
    const collector = await collectQueue(queue);
    const messages = many(2_000, org.orgId);
    const ids = messages.map((message) => message.id);
    await enqueue(app.pg, messages);
    const relay = new OutboxRelay({
      pool: app.pg,
      databaseUrl: TEST_DATABASE_URL,
      rabbitmqUrl: slowRabbitmqUrl,
      queue,
      orgIds: [org.orgId],
      batchSize: 100,
      maxInFlightBatches: 3,
      log: quietLog,
    });
    await relay.start();
    try {
      await waitFor(
        async () => (await publishedIds(ids)).length === ids.length,
        'every row published',
        30_000,
      );
      await waitFor(() => ids.every((id) => collector.ids.has(id)), 'every message in the queue', 15_000);
      // Without the overlap the relay waits for each batch's confirms before claiming the next.
      expect(relay.peakInFlightBatches).toBeGreaterThan(1);
      expect(relay.peakInFlightBatches).toBeLessThanOrEqual(3);
      expect(relay.published).toBe(ids.length);
    } finally {
      await relay.stop();
      await collector.close();
    }
  }, 60_000);

  it('killed mid-burst: every row marked published is in the queue; the rest follow after a restart', async () => {
    const org = await signup(app, 'relay-overlap-kill');
    const collector = await collectQueue(queue);
    try {
      const messages = many(3_000, org.orgId);
      const ids = messages.map((message) => message.id);
      await enqueue(app.pg, messages);
      const env = {
        ...testEnv(),
        PORT: '0',
        RABBITMQ_URL: slowRabbitmqUrl,
        NOTIFICATIONS_QUEUE: queue,
        OUTBOX_RELAY_ENABLED: 'true',
        OUTBOX_RELAY_ORG_IDS: org.orgId,
        OUTBOX_RELAY_BATCH_SIZE: '100',
        OUTBOX_RELAY_MAX_IN_FLIGHT: '4',
      };
      const first = await spawnPart('server', 'src/server.ts', env);
      children.push(first);
      await waitFor(
        async () => (await publishedIds(ids)).length > 0,
        `the server to publish (${first.output()})`,
        30_000,
      );
      first.process.kill('SIGKILL');
      await first.exited;
      const marked = await publishedIds(ids);
      expect(marked.length).toBeLessThan(3_000);
      // A mark implies a confirm, and a confirmed message is in the queue.
      await waitFor(
        () => marked.every((id) => collector.ids.has(id)),
        'every marked row in the queue',
        15_000,
      );

      const second = await spawnPart('server', 'src/server.ts', env);
      children.push(second);
      await waitFor(
        async () => (await publishedIds(ids)).length === 3_000,
        'every row published after the restart',
        30_000,
      );
      await waitFor(() => ids.every((id) => collector.ids.has(id)), 'every message in the queue', 15_000);
      second.process.kill('SIGTERM');
      await second.exited;
    } finally {
      await collector.close();
    }
  }, 90_000);
});
