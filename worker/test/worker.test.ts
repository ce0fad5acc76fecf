/**
 * The worker in-process against real RabbitMQ, PostgreSQL and Redis: in-app notifications reach
 * the organization's console sockets through the Socket.IO Redis emitter, and a stop finishes the
 * deliveries in flight before closing.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type BookingConfirmedMessage,
  type InAppNotification,
  type NotificationMessage,
  retryDelays,
  retryQueueName,
  rooms,
} from '@happening/shared';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import amqplib from 'amqplib';
import { Redis } from 'ioredis';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { Server } from 'socket.io';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWorkerConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { NotificationWorker } from '../src/notification-worker.js';
import { confirmedMessage } from './fixtures.js';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/happening_test';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const queue = `notifications-test-${randomUUID().slice(0, 8)}`;

const mails: string[] = [];
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, _session, callback) {
    let raw = '';
    stream.on('data', (chunk: Buffer) => {
      raw += chunk.toString();
    });
    stream.on('end', () => {
      mails.push(raw);
      callback();
    });
  },
});
let hookDelayMs = 0;
const hooks: string[] = [];
let hookStarted: () => void = () => {};
const receiver: HttpServer = createServer((request, response) => {
  hookStarted();
  request.resume();
  setTimeout(() => {
    hooks.push(String(request.headers['webhook-id']));
    response.writeHead(204).end();
  }, hookDelayMs);
});
const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
const pub = new Redis(REDIS_URL);
// Other suites may drop Redis clients; a subscriber must not die on its reconnect's ready check.
const sub = new Redis(REDIS_URL, { enableReadyCheck: false });
// The servers' adapter: the worker's pushes travel over sharded pub/sub.
const io = new Server({ adapter: createShardedAdapter(pub, sub) });
const httpServer = createServer();
let worker: NotificationWorker;
let orgId: string;

const port = (server: { address(): AddressInfo | string | null }) => (server.address() as AddressInfo).port;

beforeAll(async () => {
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
  io.attach(httpServer);
  // Stands in for the server's /console namespace: a console socket joins its organization's room.
  io.of('/console').on('connection', (socket) => socket.join(rooms.org(String(socket.handshake.auth.orgId))));
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', () => resolve()));

  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO organizations (name, publishable_key, secret_key_hash, secret_key_hint)
     VALUES ('Worker test org', $1, $2, 'sk_…test') RETURNING id`,
    [`pk_${randomBytes(12).toString('hex')}`, randomBytes(32).toString('hex')],
  );
  orgId = rows[0]!.id;
  await pool.query('INSERT INTO webhook_endpoints (org_id, url, secret) VALUES ($1, $2, $3)', [
    orgId,
    `http://127.0.0.1:${port(receiver)}/hook`,
    `whsec_${randomBytes(32).toString('base64')}`,
  ]);

  const config = loadWorkerConfig({
    DATABASE_URL,
    REDIS_URL,
    RABBITMQ_URL,
    NOTIFICATIONS_QUEUE: queue,
    SMTP_URL: `smtp://127.0.0.1:${port(smtp.server)}`,
    LOG_LEVEL: 'silent',
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    WEBHOOK_ALLOW_HTTP: 'true',
    NOTIFICATIONS_RETRY_BASE_MS: '200',
    NOTIFICATIONS_MAX_ATTEMPTS: '3',
  });
  worker = new NotificationWorker(config, createLogger(config));
  await worker.start();
});

afterAll(async () => {
  await worker?.stop();
  io.close();
  pub.disconnect();
  sub.disconnect();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  await pool.query('DELETE FROM organizations WHERE id = $1', [orgId]);
  await pool.end();
  const connection = await amqplib.connect(RABBITMQ_URL);
  const channel = await connection.createChannel();
  for (const name of [
    queue,
    `${queue}.dead`,
    ...retryDelays(200, 3).map((delay) => retryQueueName(queue, delay)),
  ]) {
    await channel.deleteQueue(name);
  }
  await channel.deleteExchange(`${queue}.exchange`);
  await connection.close();
});

const confirmed = () => confirmedMessage(orgId);

async function publish(message: NotificationMessage, copies = 1): Promise<void> {
  const connection = await amqplib.connect(RABBITMQ_URL);
  const channel = await connection.createConfirmChannel();
  for (let copy = 0; copy < copies; copy++) {
    channel.sendToQueue(queue, Buffer.from(JSON.stringify(message)), {
      messageId: message.id,
      persistent: true,
    });
  }
  await channel.waitForConfirms();
  await connection.close();
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('notification worker', () => {
  it("pushes the in-app notification to the organization's console sockets", async () => {
    const socket = connect(`http://127.0.0.1:${port(httpServer)}/console`, {
      auth: { orgId },
      transports: ['websocket'],
    });
    const other = connect(`http://127.0.0.1:${port(httpServer)}/console`, {
      auth: { orgId: randomUUID() },
      transports: ['websocket'],
    });
    const otherReceived: InAppNotification[] = [];
    other.on('notification', (notification: InAppNotification) => otherReceived.push(notification));
    await Promise.all(
      [socket, other].map(
        (client) => new Promise<void>((resolve) => client.once('connect', () => resolve())),
      ),
    );
    try {
      // A push is best effort (Redis pub/sub); the stored notification is the record. Publish
      // again if a dropped Redis connection swallowed one.
      const received: InAppNotification[] = [];
      socket.on('notification', (notification: InAppNotification) => received.push(notification));
      const deliveredBefore = worker.outcomes.delivered;
      const sent: BookingConfirmedMessage[] = [];
      for (let round = 0; round < 10 && received.length === 0; round++) {
        sent.push(confirmed());
        await publish(sent.at(-1)!);
        const deadline = Date.now() + 1_000;
        while (received.length === 0 && Date.now() < deadline)
          await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const notification = received[0]!;
      const message = sent.find((candidate) => candidate.bookingId === notification?.bookingId)!;
      expect(notification).toMatchObject({
        orgId,
        type: 'booking_confirmed',
        title: 'Booking confirmed',
        body: 'Linus booked balc-C-3 for Harbour Lights',
        bookingId: message.bookingId,
        readAt: null,
      });
      expect(otherReceived).toEqual([]);
      const { rows } = await pool.query('SELECT title FROM in_app_notifications WHERE message_id = $1', [
        message.id,
      ]);
      expect(rows).toEqual([{ title: 'Booking confirmed' }]);
      // A slow first push means a second message went out; let every one finish here, or it is
      // counted by the next test's tallies.
      await waitFor(
        () => worker.outcomes.delivered >= deliveredBefore + sent.length,
        'every message this test sent to be delivered',
      );
    } finally {
      socket.close();
      other.close();
    }
  });

  it('copies of one message handled at the same time reach the person once and are recorded once', async () => {
    // The webhook answers slowly, so the first copy still holds the message while the others
    // arrive (prefetch 20 hands all five to the worker at once).
    hookDelayMs = 300;
    const message = confirmed();
    const handled = () => worker.outcomes.delivered + worker.outcomes.duplicate;
    const before = { handled: handled(), delivered: worker.outcomes.delivered };
    await publish(message, 5);
    await waitFor(() => handled() >= before.handled + 5, 'all five copies to be handled');
    hookDelayMs = 0;

    expect(worker.outcomes.delivered - before.delivered).toBe(1);
    expect(mails.filter((raw) => raw.includes(message.id))).toHaveLength(1);
    expect(hooks.filter((id) => id === message.id)).toHaveLength(1);
    const deliveries = await pool.query<{ channel: string; status: string; attempts: number }>(
      'SELECT channel, status, attempts FROM notification_deliveries WHERE message_id = $1 ORDER BY channel',
      [message.id],
    );
    expect(deliveries.rows).toEqual([
      { channel: 'email', status: 'sent', attempts: 1 },
      { channel: 'in_app', status: 'sent', attempts: 1 },
      { channel: 'webhook', status: 'sent', attempts: 1 },
    ]);
    const stored = await pool.query('SELECT 1 FROM in_app_notifications WHERE message_id = $1', [message.id]);
    expect(stored.rowCount).toBe(1);
    const inbox = await pool.query('SELECT 1 FROM notification_inbox WHERE message_id = $1', [message.id]);
    expect(inbox.rowCount).toBe(1);
  });

  it('on stop, finishes the deliveries in flight, records them and acks before closing', async () => {
    hookDelayMs = 700;
    const started = new Promise<void>((resolve) => {
      hookStarted = resolve;
    });
    const message = confirmed();
    await publish(message);
    await started; // the webhook request is in flight
    await worker.stop();
    expect(hooks).toContain(message.id);
    const { rows } = await pool.query<{ channel: string; status: string }>(
      'SELECT channel, status FROM notification_deliveries WHERE message_id = $1 ORDER BY channel',
      [message.id],
    );
    expect(rows).toEqual([
      { channel: 'email', status: 'sent' },
      { channel: 'in_app', status: 'sent' },
      { channel: 'webhook', status: 'sent' },
    ]);
    // Acked: nothing went back to the queue.
    const connection = await amqplib.connect(RABBITMQ_URL);
    const channel = await connection.createChannel();
    expect((await channel.checkQueue(queue)).messageCount).toBe(0);
    await connection.close();
  });
});
