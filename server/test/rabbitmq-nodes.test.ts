/**
 * `RABBITMQ_URL` naming several broker nodes: with the first one unreachable (a node of the
 * cluster that is down), the server, the outbox relay and the worker connect to the next, and a
 * booking's email still arrives once.
 */
import { closedPort } from '@happening/testing';
import { TEST_DATABASE_URL } from '@happening/testing/env';
import {
  bookingMessage,
  deletePipeline,
  enqueue,
  quietLog,
  RABBITMQ_URL,
  TestSmtp,
  testRetry,
  uniqueQueue,
  waitFor,
  workerEnv,
} from '@happening/testing/notifications';
import { buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import { createLogger, loadWorkerConfig, NotificationWorker } from '@happening/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxRelay } from '../src/notifications/relay.js';

const queue = uniqueQueue();
const smtp = new TestSmtp();
let nodes: string;
let app: TestApp;
let owner: SignedUp;
let relay: OutboxRelay;
let worker: NotificationWorker;

beforeAll(async () => {
  await smtp.start();
  nodes = `amqp://guest:guest@127.0.0.1:${await closedPort()}, ${RABBITMQ_URL}`;
  app = await buildTestApp({ NOTIFICATIONS_QUEUE: queue, RABBITMQ_URL: nodes });
  owner = await signup(app, 'broker-nodes');
  relay = new OutboxRelay({
    pool: app.pg,
    databaseUrl: TEST_DATABASE_URL,
    rabbitmqUrl: nodes,
    queue,
    orgIds: [owner.orgId],
    log: quietLog,
  });
  await relay.start();
  const config = loadWorkerConfig(workerEnv(queue, smtp.url, { RABBITMQ_URL: nodes }));
  worker = new NotificationWorker(config, createLogger(config));
  await worker.start();
});

afterAll(async () => {
  await worker?.stop();
  await relay?.stop();
  await app?.close();
  await smtp.stop();
  await deletePipeline(queue, testRetry);
});

describe('RABBITMQ_URL with several nodes', () => {
  it('is ready on the node that answers', async () => {
    await expect
      .poll(async () => (await app.ops.inject({ url: '/readyz' })).json().down)
      .not.toContain('rabbitmq');
    await expect.poll(async () => (await worker.readiness()).rabbitmq).toBe(true);
  });

  it('delivers a booking email once through the node that answers', async () => {
    const message = bookingMessage('booking_confirmed', owner.orgId);
    await enqueue(app.pg, [message]);
    await waitFor(() => smtp.mailsFor([message.id]).length > 0, 'the booking email');
    expect(smtp.mailsFor([message.id])[0]!.subject).toContain('Booking confirmed');
    await waitFor(() => worker.outcomes.delivered > 0, 'the delivery to be recorded');
    expect(smtp.mailsFor([message.id])).toHaveLength(1);
  });

  it('refuses a list with something that is not an AMQP URL, naming the variable', () => {
    expect(() =>
      loadWorkerConfig(workerEnv(queue, smtp.url, { RABBITMQ_URL: `${RABBITMQ_URL},redis://x` })),
    ).toThrow(/RABBITMQ_URL/);
  });
});
