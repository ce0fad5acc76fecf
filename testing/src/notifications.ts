/**
 * Real peers for the notification tests: an SMTP server (smtp-server), a webhook receiver that
 * verifies Standard Webhooks signatures, message factories, and helpers to wait and clean up.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { inTransaction } from '@happening/server/db';
import { enqueueNotifications } from '@happening/server/outbox';
import type {
  HoldNotificationType,
  NotificationMessage,
  NotificationType,
  PersonalNotificationMessage,
} from '@happening/shared';
import { deadLetterQueueName, retryDelays, retryQueueName } from '@happening/shared';
import amqplib from 'amqplib';
import type pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { Webhook } from 'standardwebhooks';

export const RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

// ---------------------------------------------------------------- SMTP

export interface ReceivedMail {
  to: string[];
  notificationId: string;
  subject: string;
  messageIdHeader: string;
  /** Decoded (quoted-printable) raw message: headers, text and HTML parts. */
  body: string;
}

function decodeQuotedPrintable(raw: string): string {
  return raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

function header(raw: string, name: string): string {
  const head = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  const match = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head);
  return match?.[1]?.trim() ?? '';
}

export class TestSmtp {
  readonly mails: ReceivedMail[] = [];
  /** When set, RCPT TO answers with this code (e.g. 450 for a temporary refusal). */
  rejectWith: number | null = null;
  /** Replies held back (`holdRepliesAfter`), sent by `releaseReplies`; null: replies go at once. */
  private held: { after: number; replies: (() => void)[] } | null = null;
  private server?: SMTPServer;
  port = 0;

  async start(port = 0): Promise<void> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo: (_address, _session, callback) => {
        if (this.rejectWith) {
          const error = Object.assign(new Error('mailbox busy, try later'), {
            responseCode: this.rejectWith,
          });
          return callback(error);
        }
        callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('error', (error) => callback(error));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          this.mails.push({
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            notificationId: header(raw, 'X-Happening-Notification-Id'),
            subject: header(raw, 'Subject'),
            messageIdHeader: header(raw, 'Message-ID'),
            body: decodeQuotedPrintable(raw),
          });
          if (this.held && this.mails.length > this.held.after) this.held.replies.push(() => callback());
          else callback();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.server.address() as AddressInfo).port;
    // A worker killed mid-delivery resets its connection; that is what the crash tests do.
    this.server.on('error', () => {});
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /**
   * From the `count`-th mail from now, each mail is taken (and counted in `mails`) but its reply
   * waits for `releaseReplies`: its sender holds it in flight. A drill uses this to stop a stream
   * at a known point, however fast the senders are.
   */
  holdRepliesAfter(count: number): void {
    this.held = { after: this.mails.length + count, replies: [] };
  }

  /** Sends every reply held back, and replies at once from now on. */
  releaseReplies(): void {
    const replies = this.held?.replies ?? [];
    this.held = null;
    for (const reply of replies) reply();
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  mailsFor(ids: Iterable<string>): ReceivedMail[] {
    const wanted = new Set(ids);
    return this.mails.filter((mail) => wanted.has(mail.notificationId));
  }
}

// ---------------------------------------------------------------- webhooks

export interface ReceivedWebhook {
  path: string;
  id: string;
  verified: boolean;
  body: { type: string; timestamp: string; data: NotificationMessage & Record<string, unknown> };
}

/** An HTTP receiver; each path can have its own secret and answer. */
export class TestReceiver {
  readonly received: ReceivedWebhook[] = [];
  readonly secrets = new Map<string, string>();
  readonly statuses = new Map<string, number>();
  private server?: Server;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      // A sender killed mid-request aborts it; nothing to record then.
      request.on('error', () => {});
      request.on('end', () => {
        const payload = Buffer.concat(chunks).toString('utf8');
        const path = request.url ?? '/';
        const status = this.statuses.get(path) ?? 200;
        let verified = false;
        const secret = this.secrets.get(path);
        try {
          if (secret) {
            new Webhook(secret).verify(payload, request.headers as Record<string, string>);
            verified = true;
          }
        } catch {
          verified = false;
        }
        if (status < 300) {
          this.received.push({
            path,
            id: String(request.headers['webhook-id']),
            verified,
            body: JSON.parse(payload),
          });
        }
        response.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

// ---------------------------------------------------------------- messages

const event = {
  id: randomUUID(),
  name: 'Night of the Strings',
  startsAt: '2030-05-01T19:30:00.000Z',
  venue: 'Harbour Hall',
};

export function bookingMessage(
  type: Exclude<
    NotificationType,
    'invitation_received' | 'queue_opened' | 'queue_sold_out' | HoldNotificationType
  >,
  orgId: string,
  email = `attendee-${randomUUID()}@example.test`,
): PersonalNotificationMessage {
  const base = {
    id: randomUUID(),
    occurredAt: new Date().toISOString(),
    orgId,
    eventId: event.id,
    bookingId: randomUUID(),
    event,
    attendee: { email, name: 'Ada Lovelace' },
    seats: ['orch-A-1', 'orch-A-2'],
    general: [],
    quantity: 2,
    manageUrl: 'http://localhost:3000/manage/abc',
  };
  switch (type) {
    case 'booking_confirmed':
      return { ...base, type };
    case 'booking_waitlisted':
      return { ...base, type, waitlistPosition: 3 };
    case 'waitlist_promoted':
      return { ...base, type, mode: 'offer', offerExpiresAt: '2030-04-01T10:00:00.000Z' };
    case 'booking_cancelled':
      return { ...base, type, reason: 'Requested by the attendee' };
    case 'event_cancelled':
      return { ...base, type, reason: 'The orchestra is ill' };
  }
}

export function invitationMessage(
  orgId: string,
  email = `invitee-${randomUUID()}@example.test`,
): PersonalNotificationMessage {
  return {
    type: 'invitation_received',
    id: randomUUID(),
    occurredAt: new Date().toISOString(),
    orgId,
    invitationId: randomUUID(),
    invitee: { email },
    role: 'organizer',
    organizationName: 'Harbour Concerts',
    invitedBy: 'Grace Hopper',
    acceptUrl: `http://localhost:3000/invitations#inv_${randomUUID()}`,
  };
}

/** Commits messages to the outbox in batches, as the booking code does. */
export async function enqueue(pool: pg.Pool, messages: NotificationMessage[]): Promise<void> {
  for (let start = 0; start < messages.length; start += 500) {
    await inTransaction(pool, (client) => enqueueNotifications(client, messages.slice(start, start + 500)));
  }
}

// ---------------------------------------------------------------- waiting and cleaning

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const uniqueQueue = () => `notifications-test-${randomUUID().slice(0, 8)}`;

/** Deletes every queue and the exchange of a test pipeline (only what the test created). */
export async function deletePipeline(
  queue: string,
  retry: { baseMs: number; maxAttempts: number },
): Promise<void> {
  const connection = await amqplib.connect(RABBITMQ_URL);
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => {});
    const names = [
      queue,
      deadLetterQueueName(queue),
      ...retryDelays(retry.baseMs, retry.maxAttempts).map((delay) => retryQueueName(queue, delay)),
    ];
    for (const name of names) await channel.deleteQueue(name);
    await channel.deleteExchange(`${queue}.exchange`);
    await channel.close();
  } finally {
    await connection.close();
  }
}

/** Peeks at the dead letters of a queue (each is put back). */
export async function peekDeadLetters(queue: string): Promise<{ messageId: string; reason: string }[]> {
  const connection = await amqplib.connect(RABBITMQ_URL);
  try {
    const channel = await connection.createChannel();
    const found: { messageId: string; reason: string }[] = [];
    for (;;) {
      const message = await channel.get(deadLetterQueueName(queue), { noAck: false });
      if (!message) break;
      found.push({
        messageId: String(message.properties.messageId),
        reason: String(message.properties.headers?.['x-happening-reason'] ?? ''),
      });
    }
    await channel.close(); // unacked messages go back to the queue
    return found;
  } finally {
    await connection.close();
  }
}

// ---------------------------------------------------------------- pipeline parts

export const quietLog = { info() {}, warn() {}, debug() {} };

/** Environment for a worker (in-process or child) on a test pipeline. */
export function workerEnv(queue: string, smtpUrl: string, overrides: Record<string, string> = {}) {
  return {
    DATABASE_URL: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/happening_test',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    RABBITMQ_URL,
    NOTIFICATIONS_QUEUE: queue,
    SMTP_URL: smtpUrl,
    LOG_LEVEL: process.env.TEST_WORKER_LOG_LEVEL ?? 'silent',
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    WEBHOOK_ALLOW_HTTP: 'true',
    NOTIFICATIONS_RETRY_BASE_MS: '150',
    NOTIFICATIONS_MAX_ATTEMPTS: '4',
    SMTP_TIMEOUT_MS: '3000',
    WEBHOOK_TIMEOUT_MS: '3000',
    // Longer than any send here (3 s timeouts), short enough that a killed worker's claims are
    // taken over within seconds.
    WORKER_CLAIM_LEASE_MS: '6000',
    // Several workers run at once in tests: each takes a free port for its ops endpoints.
    WORKER_HTTP_PORT: '0',
    ...overrides,
  };
}
export const testRetry = { baseMs: 150, maxAttempts: 4 };

/** Closes a connection by its client-given name, the way an operator or a network failure would. */
export async function closeBrokerConnection(connectionName: string): Promise<number> {
  const run = (args: string[]) =>
    new Promise<string>((resolve, reject) =>
      execFile('rabbitmqctl', args, (error, stdout) => (error ? reject(error) : resolve(stdout))),
    );
  const listing = await run(['list_connections', '-q', 'pid', 'client_properties']);
  const pids = listing
    .split('\n')
    .filter((line) => line.includes(connectionName))
    .map((line) => line.split('\t')[0]!);
  for (const pid of pids) await run(['close_connection', pid, 'test: connection cut']);
  return pids.length;
}

// ---------------------------------------------------------------- child processes

export interface Child {
  process: ChildProcess;
  exited: Promise<number | null>;
  output: () => string;
}

/** Runs a package's entry point as its own process, the way `npm start` does. */
export async function spawnPart(
  pkg: 'server' | 'worker',
  entry: string,
  env: Record<string, string>,
): Promise<Child> {
  const cwd = fileURLToPath(new URL(`../../${pkg}/`, import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-5_000);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-5_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { process: child, exited, output: () => output };
}

/** Collects the message ids that reach a queue (a plain consumer, acking everything). */
export async function collectQueue(queue: string) {
  const connection = await amqplib.connect(RABBITMQ_URL);
  const channel = await connection.createChannel();
  const ids = new Set<string>();
  let deliveries = 0;
  await channel.consume(
    queue,
    (message) => {
      if (!message) return;
      deliveries++;
      ids.add(String(message.properties.messageId));
      channel.ack(message);
    },
    { noAck: false },
  );
  return {
    ids,
    deliveries: () => deliveries,
    close: async () => {
      await channel.close().catch(() => {});
      await connection.close().catch(() => {});
    },
  };
}
