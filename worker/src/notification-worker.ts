/**
 * The worker process's moving parts: a prefetch-limited consumer on the notifications queue, a
 * confirm channel for retries and dead letters, the delivery channels, and a graceful stop.
 */
import { randomUUID } from 'node:crypto';
import { WebhookChannel } from '@happening/delivery';
import { brokerUrlsOf, createRedisClient, type RedisClient } from '@happening/runtime';
import {
  deadLetterQueueName,
  declareTopology,
  NotificationHeaders,
  notificationTopology,
  retryDelays,
  retryQueueName,
  workerInFlightKey,
} from '@happening/shared';
import amqp, { type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ConsumeMessage } from 'amqplib';
import pg from 'pg';
import type { Logger } from 'pino';
import { AckCoalescer } from './ack-coalescer.js';
import { EmailChannel } from './channels/email.js';
import type { WorkerConfig } from './config.js';
import { WORKER_LIVENESS_SQL } from './delivery-store.js';
import { InAppPush } from './in-app-push.js';
import { type IncomingMessage, type Parsed, parseNotification } from './message.js';
import { WorkerMetrics } from './metrics.js';
import type { Readiness } from './ops-server.js';
import { OrgShare } from './org-share.js';
import { NotificationProcessor, type Outcome, type Publisher } from './processor.js';

const REPORT_INTERVAL_MS = 1_000;
const PUBLISH_TIMEOUT_MS = 30_000;

export class NotificationWorker {
  readonly id = `${process.pid}-${randomUUID().slice(0, 8)}`;
  private readonly topology;
  private readonly delays: number[];
  private connection?: AmqpConnectionManager;
  private consumerChannel?: ChannelWrapper;
  private publishChannel?: ChannelWrapper;
  private consumer?: { channel: Channel; tag: string; acks: AckCoalescer };
  private pool?: pg.Pool;
  /** Holds this worker's liveness lock for as long as the process lives (see `holdLiveness`). */
  private liveness?: pg.Client;
  private alive = false;
  private redis?: RedisClient;
  private inAppPush?: InAppPush;
  private email?: EmailChannel;
  private processor?: NotificationProcessor;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly share: OrgShare;
  private stopping = false;
  private reporter?: NodeJS.Timeout;
  /** Prometheus figures, served by the ops server (`worker.ts`). */
  readonly metrics = new WorkerMetrics(() => this.inFlight.size);
  /** Counts by outcome, for logs and tests. */
  readonly outcomes: Record<Outcome | 'failed', number> = {
    delivered: 0,
    duplicate: 0,
    retry: 0,
    'dead-lettered': 0,
    deferred: 0,
    failed: 0,
  };

  constructor(
    private readonly config: WorkerConfig,
    private readonly log: Logger,
  ) {
    this.delays = retryDelays(config.NOTIFICATIONS_RETRY_BASE_MS, config.NOTIFICATIONS_MAX_ATTEMPTS);
    this.topology = notificationTopology(config.NOTIFICATIONS_QUEUE, this.delays);
    this.share = new OrgShare(config.WORKER_ORG_IN_FLIGHT, config.WORKER_ORG_WAIT_MS);
  }

  async start(): Promise<void> {
    const config = this.config;
    this.pool = new pg.Pool({
      connectionString: config.DATABASE_URL,
      // A message holds a client only for its two short transactions (plan, record), never while
      // it is sent; a few clients serve the whole prefetch.
      max: Math.min(config.WORKER_PREFETCH + 2, 10),
      application_name: `happening-worker-${process.pid}`,
    });
    this.pool.on('error', (error) => this.log.warn({ err: error }, 'idle PostgreSQL client error'));
    this.redis = createRedisClient(config, { name: `happening-worker-${process.pid}` });
    this.redis.on('error', (error: Error) => this.log.debug({ err: error }, 'Redis connection error'));
    const inAppPush = new InAppPush(this.redis, this.log);
    this.inAppPush = inAppPush;
    this.email = new EmailChannel(config);
    await this.waitForSchema();
    if (this.stopping) return;
    await this.holdLiveness();

    this.connection = amqp.connect(brokerUrlsOf(config.RABBITMQ_URL), {
      heartbeatIntervalInSeconds: 15,
      reconnectTimeInSeconds: 1,
      connectionOptions: {
        clientProperties: { connection_name: `happening-worker ${config.NOTIFICATIONS_QUEUE} ${this.id}` },
      },
    });
    this.connection.on('connect', () => this.log.info('RabbitMQ connected'));
    this.connection.on('disconnect', ({ err }) => this.log.warn({ err }, 'RabbitMQ disconnected'));

    this.publishChannel = this.connection.createChannel({
      name: 'worker-publish',
      confirm: true,
      publishTimeout: PUBLISH_TIMEOUT_MS,
      setup: (channel: Channel) => declareTopology(channel, this.topology),
    });
    this.publishChannel.on('error', (error) => this.log.error({ err: error }, 'publish channel error'));

    this.processor = new NotificationProcessor({
      pool: this.pool,
      email: this.email,
      webhooks: new WebhookChannel(config),
      publisher: this.publisher(this.publishChannel),
      pushInApp: (notification) => inAppPush.push(notification),
      retryDelaysMs: this.delays,
      claimLeaseMs: config.WORKER_CLAIM_LEASE_MS,
      claimant: () => (this.alive ? this.id : null),
      log: this.log,
    });

    this.consumerChannel = this.connection.createChannel({
      name: 'worker-consume',
      confirm: false,
      setup: async (channel: Channel) => {
        await declareTopology(channel, this.topology);
        if (this.stopping) return;
        await channel.prefetch(config.WORKER_PREFETCH);
        // Delivery tags are per channel: each new channel gets its own coalescer. Acking on a
        // channel that died is impossible; the broker redelivers and the inbox dedupes.
        const acks = new AckCoalescer(channel, (error) =>
          this.log.debug({ err: error }, 'could not settle a message on a closed channel'),
        );
        const { consumerTag } = await channel.consume(config.NOTIFICATIONS_QUEUE, (message) => {
          if (message) this.track(this.onMessage(acks, message));
        });
        this.consumer = { channel, tag: consumerTag, acks };
      },
    });
    this.consumerChannel.on('error', (error) => this.log.error({ err: error }, 'consumer channel error'));
    await this.consumerChannel.waitForConnect();
    this.reporter = setInterval(() => void this.reportInFlight(), REPORT_INTERVAL_MS);
    this.reporter.unref();
    this.log.info(
      { queue: config.NOTIFICATIONS_QUEUE, prefetch: config.WORKER_PREFETCH, retryDelaysMs: this.delays },
      'worker consuming',
    );
  }

  /**
   * The server applies migrations; a worker started first would fail every message (and burn
   * its retries), so it waits for the tables it writes before it consumes anything.
   */
  private async waitForSchema(): Promise<void> {
    for (let waited = 0; !this.stopping; waited++) {
      try {
        const { rows } = await this.pool!.query<{ ready: boolean }>(
          "SELECT to_regclass('notification_inbox') IS NOT NULL AND to_regclass('notification_deliveries') IS NOT NULL AS ready",
        );
        if (rows[0]?.ready) return;
        if (waited % 10 === 0)
          this.log.warn('database not migrated yet (run `npm run migrate` or start the server); waiting');
      } catch (error) {
        if (waited % 10 === 0) this.log.warn({ err: error }, 'PostgreSQL not reachable yet; waiting');
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }

  /**
   * One connection of its own, outside the pool, holding a session-level advisory lock named after
   * this worker. PostgreSQL drops the lock the moment the session ends, which is when the process
   * dies (kill -9 closes its sockets): a copy of a message this worker had claimed then takes the
   * deliveries over at once instead of waiting for the lease. Without the lock (it could not be
   * taken, or its connection broke), claims are made without a claimant and only their lease
   * protects them.
   */
  private async holdLiveness(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.config.DATABASE_URL,
      application_name: `happening-worker-liveness-${process.pid}`,
    });
    client.on('error', (error) => {
      this.alive = false;
      this.log.warn({ err: error }, 'liveness connection lost; claims now rely on their lease alone');
    });
    client.on('end', () => {
      this.alive = false;
    });
    try {
      await client.connect();
      await client.query(WORKER_LIVENESS_SQL, [this.id]);
      this.liveness = client;
      this.alive = true;
    } catch (error) {
      this.log.warn({ err: error }, 'could not take the liveness lock; claims rely on their lease alone');
      await client.end().catch(() => {});
    }
  }

  /** Stop consuming, let in-flight deliveries finish (up to `graceMs`), then close everything. */
  async stop(graceMs = 20_000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.reporter);
    if (this.consumer) await this.consumer.channel.cancel(this.consumer.tag).catch(() => {});
    const drained = Promise.allSettled([...this.inFlight]);
    const timer = new Promise((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([drained, timer]);
    if (this.inFlight.size > 0)
      this.log.warn({ inFlight: this.inFlight.size }, 'closing with deliveries unfinished');
    // The last acks wait for the next turn of the event loop; they go out before the close.
    this.consumer?.acks.flush();
    await this.redis?.hdel(workerInFlightKey(this.config.NOTIFICATIONS_QUEUE), this.id).catch(() => {});
    await this.consumerChannel?.close().catch(() => {});
    await this.publishChannel?.close().catch(() => {});
    await this.connection?.close().catch(() => {});
    this.email?.close();
    await this.pool?.end().catch(() => {});
    this.alive = false;
    await this.liveness?.end().catch(() => {});
    await this.inAppPush?.close().catch(() => {});
    this.redis?.disconnect();
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  /** Consuming needs the broker and PostgreSQL; in-app pushes through Redis are best effort. */
  async readiness(): Promise<Readiness> {
    const rabbitmq =
      !this.stopping && this.consumer !== undefined && (this.connection?.isConnected() ?? false);
    let postgres = false;
    if (this.pool) {
      postgres = await Promise.race([
        this.pool.query('SELECT 1').then(
          () => true,
          () => false,
        ),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2_000).unref()),
      ]);
    }
    return { rabbitmq, postgres };
  }

  private async onMessage(acks: AckCoalescer, message: ConsumeMessage): Promise<void> {
    // Read once, here: the organization decides the share, and the processor gets the result.
    const parsed = parseNotification(message);
    // Unreadable messages have no organization: the processor dead-letters them at once.
    const orgId = parsed.ok ? parsed.message.orgId : null;
    if (orgId !== null && (await this.share.enter(orgId)) === 'defer') {
      await this.deferForShare(acks, message, orgId);
      return;
    }
    try {
      await this.process(acks, message, parsed);
    } finally {
      if (orgId !== null) this.share.leave(orgId);
    }
  }

  /** Its organization is at its share: back to a delay queue, untried, so the slot serves others. */
  private async deferForShare(acks: AckCoalescer, message: ConsumeMessage, orgId: string): Promise<void> {
    const deferrals = Number(message.properties.headers?.[NotificationHeaders.deferrals] ?? 0) || 0;
    this.log.debug(
      { orgId, messageId: message.properties.messageId, deferrals },
      "deferring a message: its organization's work is stalled at its share",
    );
    const type = message.properties.type ?? message.fields.routingKey;
    try {
      // Each deferral waits one backoff step longer, so a stalled organization's messages cost
      // the worker less and less while they wait their turn.
      const delay = this.delays[Math.min(deferrals, this.delays.length - 1)] ?? 0;
      await this.publisher(this.publishChannel!).defer(message, delay);
    } catch (error) {
      this.log.warn({ err: error }, 'could not defer a message; giving it back to the broker');
      acks.nack(message, true);
      return;
    }
    this.outcomes.deferred++;
    this.metrics.record(type, 'deferred', 0);
    acks.ack(message);
  }

  private async process(acks: AckCoalescer, message: ConsumeMessage, parsed: Parsed): Promise<void> {
    const started = performance.now();
    const type = message.properties.type ?? message.fields.routingKey;
    try {
      const outcome = await this.processor!.handle(message, parsed);
      this.outcomes[outcome]++;
      this.metrics.record(type, outcome, (performance.now() - started) / 1000);
    } catch (error) {
      this.outcomes.failed++;
      this.metrics.record(type, 'failed', (performance.now() - started) / 1000);
      this.log.error({ err: error, messageId: message.properties.messageId }, 'message processing failed');
      if (!(await this.recoverFromError(message, error as Error))) {
        // Could not even schedule a retry: give it back to the broker after a pause (the queue's
        // delivery limit dead-letters it if this keeps happening).
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        acks.nack(message, true);
        return;
      }
    }
    acks.ack(message);
  }

  /** An internal error (database away, a bug) is retried like a recoverable failure. */
  private async recoverFromError(message: IncomingMessage, error: Error): Promise<boolean> {
    const publisher = this.publisher(this.publishChannel!);
    const attempt = Number(message.properties.headers?.[NotificationHeaders.attempt] ?? 1) || 1;
    try {
      if (attempt <= this.delays.length)
        await publisher.retry(message, this.delays[attempt - 1]!, attempt + 1);
      else await publisher.deadLetter(message, `processing failed ${attempt} times: ${error.message}`);
      return true;
    } catch {
      return false;
    }
  }

  private publisher(channel: ChannelWrapper): Publisher {
    const queue = this.config.NOTIFICATIONS_QUEUE;
    // A copy keeps the body and the message id; its headers say where it is in its life. The
    // broker's own delivery count belongs to the queue it came from, so it is not carried over.
    const send = async (target: string, incoming: IncomingMessage, headers: Record<string, unknown>) => {
      const { 'x-delivery-count': _count, ...kept } = headers;
      await channel.sendToQueue(target, incoming.content, {
        persistent: true,
        contentType: 'application/json',
        messageId: incoming.properties.messageId,
        // The type travels with every copy (retries, dead letters), for metrics and operators.
        ...(incoming.properties.type ? { type: incoming.properties.type } : {}),
        headers: kept,
      });
    };
    return {
      retry: (incoming, delayMs, attempt) => {
        // A replay ends with its first attempt; what follows is an ordinary retry.
        const { [NotificationHeaders.replayedAt]: _replayed, ...headers } = incoming.properties.headers ?? {};
        return send(retryQueueName(queue, delayMs), incoming, {
          ...headers,
          [NotificationHeaders.attempt]: attempt,
        });
      },
      defer: (incoming, delayMs) => {
        const headers = incoming.properties.headers ?? {};
        const deferrals = Number(headers[NotificationHeaders.deferrals] ?? 0) || 0;
        // Without retries configured there is no delay queue: straight to the back of the queue.
        const target = this.delays.includes(delayMs) ? retryQueueName(queue, delayMs) : queue;
        return send(target, incoming, {
          ...headers,
          [NotificationHeaders.deferrals]: deferrals + 1,
        });
      },
      deadLetter: (incoming, reason) => {
        this.log.warn({ messageId: incoming.properties.messageId, reason }, 'dead-lettering a message');
        return send(deadLetterQueueName(queue), incoming, {
          ...incoming.properties.headers,
          [NotificationHeaders.reason]: reason,
          [NotificationHeaders.deadLetteredAt]: new Date().toISOString(),
        });
      },
    };
  }

  private async reportInFlight(): Promise<void> {
    const report = JSON.stringify({ count: this.inFlight.size, at: Date.now() });
    await this.redis
      ?.hset(workerInFlightKey(this.config.NOTIFICATIONS_QUEUE), this.id, report)
      .catch(() => {});
  }
}
