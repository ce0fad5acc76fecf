/**
 * One tenant's receiver cannot stall another's notifications (issue 11). Organization A registers
 * a receiver that sends its headers and then one byte every 5 s, the attack that used to hold
 * every worker slot (and a PostgreSQL transaction each) for as long as the receiver liked.
 * Organization B's 100 bookings must still be delivered about as fast as with A silent, while A's
 * deliveries fail at the deadline and are retried. Also: a receiver answering 10 MB is cut off and
 * recorded as failed, the endpoint limit answers 409, and production refuses plain http.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NotificationMessage } from '@happening/shared';
import { TEST_DATABASE_URL } from '@happening/testing/env';
import {
  bookingMessage,
  deletePipeline,
  enqueue,
  quietLog,
  RABBITMQ_URL,
  TestReceiver,
  TestSmtp,
  testRetry,
  uniqueQueue,
  waitFor,
  workerEnv,
} from '@happening/testing/notifications';
import { bearer, buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import { createLogger, loadWorkerConfig, NotificationWorker } from '@happening/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxRelay } from '../src/notifications/relay.js';

const DEADLINE_MS = 6_000;
const queue = uniqueQueue();
const smtp = new TestSmtp();
const receiver = new TestReceiver();
let app: TestApp;
let slowOrg: SignedUp;
let busyOrg: SignedUp;
let hugeOrg: SignedUp;
let relay: OutboxRelay;
let worker: NotificationWorker;

/** Answers 200 with its headers at once, then one byte every 5 s, never finishing. */
const drip: Server = createServer((request, response) => {
  request.resume();
  response.writeHead(200, { 'content-type': 'text/plain' });
  response.flushHeaders();
  const timer = setInterval(() => response.write('.'), 5_000);
  response.on('close', () => clearInterval(timer));
});
/** Answers 200 with 10 MB. */
const huge: Server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'application/octet-stream' });
    response.end(Buffer.alloc(10 * 1024 * 1024, 'x'));
  });
});
const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;

async function register(org: SignedUp, url: string) {
  return app.inject({
    method: 'POST',
    url: `/api/v1/orgs/${org.orgId}/webhooks`,
    headers: bearer(org.token),
    payload: { url },
  });
}

/** Books for `org` through the outbox, as the booking code does; returns the message ids. */
async function book(org: SignedUp, count: number): Promise<string[]> {
  const messages: NotificationMessage[] = Array.from({ length: count }, () =>
    bookingMessage('booking_confirmed', org.orgId),
  );
  await enqueue(app.pg, messages);
  return messages.map((message) => message.id);
}

async function handledCount(ids: string[]): Promise<number> {
  const { rows } = await app.pg.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM notification_inbox WHERE message_id = ANY($1::uuid[])',
    [ids],
  );
  return rows[0]!.n;
}

/** The 99th percentile of commit-to-handled time over the messages, in ms (PostgreSQL's clock). */
async function p99LatencyMs(ids: string[]): Promise<number> {
  const { rows } = await app.pg.query<{ ms: number }>(
    `SELECT percentile_disc(0.99) WITHIN GROUP (
       ORDER BY extract(epoch FROM i.completed_at - o.created_at) * 1000)::float8 AS ms
     FROM outbox o JOIN notification_inbox i ON i.message_id = o.id WHERE o.id = ANY($1::uuid[])`,
    [ids],
  );
  return rows[0]!.ms;
}

beforeAll(async () => {
  await Promise.all([smtp.start(), receiver.start()]);
  await Promise.all(
    [drip, huge].map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))),
  );
  app = await buildTestApp({
    NOTIFICATIONS_QUEUE: queue,
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    MAX_WEBHOOK_ENDPOINTS_PER_ORGANIZATION: '3',
  });
  [slowOrg, busyOrg, hugeOrg] = await Promise.all([
    signup(app, 'slow-receiver'),
    signup(app, 'busy-organization'),
    signup(app, 'huge-receiver'),
  ]);
  expect((await register(slowOrg, urlOf(drip))).statusCode).toBe(201);
  expect((await register(hugeOrg, urlOf(huge))).statusCode).toBe(201);
  const busyEndpoint = await register(busyOrg, receiver.url('/busy'));
  expect(busyEndpoint.statusCode).toBe(201);
  receiver.secrets.set('/busy', busyEndpoint.json().secret);
  relay = new OutboxRelay({
    pool: app.pg,
    databaseUrl: TEST_DATABASE_URL,
    rabbitmqUrl: RABBITMQ_URL,
    queue,
    orgIds: [slowOrg.orgId, busyOrg.orgId, hugeOrg.orgId],
    log: quietLog,
  });
  await relay.start();
  const config = loadWorkerConfig(
    workerEnv(queue, smtp.url, {
      WORKER_PREFETCH: '20',
      WORKER_ORG_IN_FLIGHT: '5',
      // The drip's 5 s between bytes fit inside it: only a deadline on the whole request ends it.
      WEBHOOK_TIMEOUT_MS: String(DEADLINE_MS),
      WEBHOOK_MAX_RESPONSE_BYTES: '65536',
      WORKER_CLAIM_LEASE_MS: '15000',
    }),
  );
  worker = new NotificationWorker(config, createLogger(config));
  await worker.start();
});

afterAll(async () => {
  await relay?.stop();
  await worker?.stop(DEADLINE_MS + 2_000);
  for (const server of [drip, huge]) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  await app?.close();
  await Promise.all([smtp.stop(), receiver.stop()]);
  await deletePipeline(queue, testRetry);
});

describe('isolation between organizations', () => {
  it("delivers B's 100 bookings at their normal latency while A's dripping receiver fails and retries", async () => {
    // Normal latency first: B alone, once the worker's connections are warm.
    const warmup = await book(busyOrg, 10);
    await waitFor(async () => (await handledCount(warmup)) === 10, 'a warm-up', 30_000);
    const alone = await book(busyOrg, 100);
    await waitFor(async () => (await handledCount(alone)) === 100, "B's bookings, alone", 30_000);
    const normalP99 = await p99LatencyMs(alone);

    // A's bookings arrive first, so they are ahead of B's in the queue.
    const slow = await book(slowOrg, 60);
    const loaded = await book(busyOrg, 100);
    await waitFor(
      async () => (await handledCount(loaded)) === 100,
      "B's bookings while A's receiver drips",
      30_000,
    );
    const loadedP99 = await p99LatencyMs(loaded);
    expect(loadedP99, `p99 ${loadedP99} ms under A's load, ${normalP99} ms alone`).toBeLessThan(
      normalP99 + 4_000,
    );
    // While A's requests hang, the worker holds no transaction open on their account (it used to
    // hold one per message, with an advisory lock and a pool client, for as long as a peer took).
    const { rows: held } = await app.pg.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE application_name = $1 AND state LIKE 'idle in transaction%'
         AND now() - state_change > interval '1 second'`,
      [`happening-worker-${process.pid}`],
    );
    expect(held[0]!.n).toBe(0);
    // Every one of B's webhooks arrived, signed.
    const received = receiver.received.filter((hook) => loaded.includes(hook.id));
    expect(new Set(received.map((hook) => hook.id)).size).toBe(100);
    expect(received.every((hook) => hook.verified)).toBe(true);

    // A's deliveries fail at the deadline and are retried, not dropped and not hung.
    await waitFor(
      async () => {
        const { rows } = await app.pg.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM notification_deliveries
           WHERE message_id = ANY($1::uuid[]) AND channel = 'webhook' AND attempts >= 1
             AND status = 'pending' AND last_error = $2`,
          [slow, `webhook did not finish within ${DEADLINE_MS} ms`],
        );
        return rows[0]!.n >= 5;
      },
      "A's webhooks to fail at the deadline and wait for a retry",
      30_000,
    );
    // A's emails are not A's receiver's fault: they go out too, within A's share.
    expect(smtp.mailsFor(slow).length).toBeGreaterThan(0);
  }, 90_000);

  it('cuts a 10 MB answer off at the byte cap and records the attempt as failed', async () => {
    const [id] = await book(hugeOrg, 1);
    await waitFor(
      async () => {
        const { rows } = await app.pg.query<{ status: string }>(
          `SELECT status FROM notification_deliveries WHERE message_id = $1 AND channel = 'webhook'`,
          [id],
        );
        return rows[0]?.status === 'failed';
      },
      'the huge answer to fail for good',
      30_000,
    );
    const { rows } = await app.pg.query<{ attempts: number; lastError: string }>(
      `SELECT attempts, last_error AS "lastError" FROM notification_deliveries
       WHERE message_id = $1 AND channel = 'webhook'`,
      [id],
    );
    expect(rows[0]).toEqual({
      attempts: testRetry.maxAttempts,
      lastError: `webhook answer exceeded 65536 bytes; cut off (gave up after ${testRetry.maxAttempts} attempts)`,
    });
  }, 60_000);
});

describe('webhook endpoint rules', () => {
  it('answers 409 WEBHOOK_ENDPOINT_LIMIT_REACHED past the limit, even for registrations that race', async () => {
    const org = await signup(app, 'many-endpoints');
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, index) => register(org, receiver.url(`/many-${index}`))),
    );
    const statuses = answers.map((answer) => answer.statusCode).sort();
    expect(statuses).toEqual([201, 201, 201, 409, 409, 409]);
    const refused = answers.find((answer) => answer.statusCode === 409)!;
    expect(refused.json().error).toMatchObject({ code: 'WEBHOOK_ENDPOINT_LIMIT_REACHED', limit: 3 });
    const list = await app.inject({
      method: 'GET',
      url: `/api/v1/orgs/${org.orgId}/webhooks`,
      headers: bearer(org.token),
    });
    expect(list.json().endpoints).toHaveLength(3);

    // Removing one makes room again.
    const [first] = list.json().endpoints as { id: string }[];
    const removed = await app.inject({
      method: 'DELETE',
      url: `/api/v1/orgs/${org.orgId}/webhooks/${first!.id}`,
      headers: bearer(org.token),
    });
    expect(removed.statusCode).toBe(204);
    expect((await register(org, receiver.url('/many-again'))).statusCode).toBe(201);
  });

  it('refuses plain-http endpoints unless WEBHOOK_ALLOW_HTTP, and accepts https', async () => {
    const production = await buildTestApp({ WEBHOOK_ALLOW_HTTP: 'false' });
    try {
      const org = await signup(production, 'https-only');
      const post = (url: string) =>
        production.inject({
          method: 'POST',
          url: `/api/v1/orgs/${org.orgId}/webhooks`,
          headers: bearer(org.token),
          payload: { url },
        });
      const refused = await post('http://93.184.216.34/hook');
      expect(refused.statusCode).toBe(422);
      expect(refused.json().error.code).toBe('WEBHOOK_URL_NOT_ALLOWED');
      expect(refused.json().error.message).toMatch(/https/);
      expect((await post('https://93.184.216.34/hook')).statusCode).toBe(201);
    } finally {
      await production.close();
    }
  });
});
