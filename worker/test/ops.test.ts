/**
 * The worker's ops endpoints against a real worker, RabbitMQ and PostgreSQL: alive before it is
 * ready, ready while it consumes, and metrics that count what it did by type and outcome.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { exchangeName, retryDelays, retryQueueName } from '@happening/shared';
import amqplib from 'amqplib';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWorkerConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { NotificationWorker } from '../src/notification-worker.js';
import { type OpsServer, startOpsServer } from '../src/ops-server.js';
import { confirmedMessage } from './fixtures.js';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/happening_test';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const queue = `notifications-test-${randomUUID().slice(0, 8)}`;

let mails = 0;
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, _session, callback) {
    stream.resume();
    stream.on('end', () => {
      mails++;
      callback();
    });
  },
});
const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
let worker: NotificationWorker;
let ops: OpsServer;
let orgId: string;

const get = async (path: string, init?: RequestInit) => {
  const response = await fetch(`http://127.0.0.1:${ops.port}${path}`, init);
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
};

/** The figure for one label set, read the way Prometheus would. */
async function sample(name: string, labels: string): Promise<number> {
  const { text } = await get('/metrics');
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

async function waitFor(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO organizations (name, publishable_key, secret_key_hash, secret_key_hint)
     VALUES ('Ops test org', $1, $2, 'sk_…test') RETURNING id`,
    [`pk_${randomBytes(12).toString('hex')}`, randomBytes(32).toString('hex')],
  );
  orgId = rows[0]!.id;
  const config = loadWorkerConfig({
    DATABASE_URL,
    REDIS_URL,
    RABBITMQ_URL,
    NOTIFICATIONS_QUEUE: queue,
    SMTP_URL: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`,
    LOG_LEVEL: 'silent',
    NOTIFICATIONS_RETRY_BASE_MS: '200',
    NOTIFICATIONS_MAX_ATTEMPTS: '3',
    WORKER_HTTP_PORT: '0',
  });
  worker = new NotificationWorker(config, createLogger(config));
  ops = await startOpsServer({
    host: config.WORKER_HTTP_HOST,
    port: config.WORKER_HTTP_PORT,
    metrics: worker.metrics,
    readiness: () => worker.readiness(),
  });
});

afterAll(async () => {
  await worker?.stop();
  await ops?.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  await pool.query('DELETE FROM organizations WHERE id = $1', [orgId]);
  await pool.end();
  const connection = await amqplib.connect(RABBITMQ_URL);
  const channel = await connection.createChannel();
  for (const name of [queue, `${queue}.dead`, ...retryDelays(200, 3).map((d) => retryQueueName(queue, d))])
    await channel.deleteQueue(name);
  await channel.deleteExchange(exchangeName(queue));
  await connection.close();
});

const confirmed = () => confirmedMessage(orgId);

/** As the outbox relay publishes: through the exchange, routing key and `type` = the message type. */
async function publish(type: string, body: Buffer, messageId: string = randomUUID()): Promise<void> {
  const connection = await amqplib.connect(RABBITMQ_URL);
  const channel = await connection.createConfirmChannel();
  channel.publish(exchangeName(queue), type, body, { messageId, type, persistent: true });
  await channel.waitForConfirms();
  await connection.close();
}

describe('worker ops endpoints', () => {
  it('is alive but not ready before it consumes, then ready', async () => {
    expect((await get('/healthz')).status).toBe(200);
    const before = await get('/readyz');
    expect(before.status).toBe(503);
    expect(JSON.parse(before.text).status).toBe('unavailable');
    expect(JSON.parse(before.text).down).toContain('rabbitmq');
    await worker.start();
    const after = await get('/readyz');
    expect(after.status).toBe(200);
    expect(JSON.parse(after.text)).toEqual({ status: 'ok', down: [] });
  });

  it('counts messages by type and outcome and times them', async () => {
    const delivered = 'happening_worker_messages_total';
    const deliveredLabels = 'type="booking_confirmed",outcome="delivered"';
    const poisonLabels = 'type="unknown",outcome="dead-lettered"';
    const before = await sample(delivered, deliveredLabels);
    for (let i = 0; i < 3; i++) {
      const message = confirmed();
      await publish('booking_confirmed', Buffer.from(JSON.stringify(message)), message.id);
    }
    // Unreadable, with a type no one knows: one "unknown" series, whatever the sender wrote.
    await publish(`made-up-${randomUUID()}`, Buffer.from('{not json'));
    await waitFor(async () => (await sample(delivered, deliveredLabels)) === before + 3, '3 deliveries');
    await waitFor(async () => (await sample(delivered, poisonLabels)) >= 1, 'the poison message');
    expect(mails).toBeGreaterThanOrEqual(3);
    const metrics = await get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.type).toContain('text/plain');
    expect(
      await sample('happening_worker_message_duration_seconds_count', 'type="booking_confirmed"'),
    ).toBeGreaterThanOrEqual(3);
    expect(metrics.text).toContain('happening_worker_in_flight ');
    expect(metrics.text).toContain('process_resident_memory_bytes');
    expect(metrics.text).not.toContain('made-up-');
  });

  it('answers unknown routes and methods with coded errors', async () => {
    const missing = await get('/nope');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.text).error.code).toBe('NOT_FOUND');
    const post = await get('/metrics', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(JSON.parse(post.text).error.code).toBe('METHOD_NOT_ALLOWED');
  });

  it('is no longer ready once it stops', async () => {
    await worker.stop();
    const stopped = await get('/readyz');
    expect(stopped.status).toBe(503);
    expect(JSON.parse(stopped.text).down).toContain('rabbitmq');
  });
});
