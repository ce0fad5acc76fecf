/**
 * RabbitMQ topology of the notification pipeline, as data. The server (outbox relay, operations)
 * and the worker declare exactly this, so their declarations can never disagree (RabbitMQ refuses
 * a queue re-declared with other arguments). Pure data plus one function over a minimal channel
 * interface: `shared/` imports no AMQP client.
 *
 * Naming rules, for a base name N (`NOTIFICATIONS_QUEUE`, default `notifications`):
 * - `N.exchange`        topic exchange the relay publishes to; the routing key is the message type,
 *                       so more queues (an audit log, a per-type consumer) can bind later.
 * - `N`                 the work queue (quorum), bound to the exchange with `#`. Its explicit
 *                       delivery limit dead-letters a message the broker has handed out too often
 *                       (e.g. it crashes every worker that takes it).
 * - `N.retry.<ms>ms`    one delay queue per backoff step (quorum, message TTL = the step). Expired
 *                       messages dead-letter back into `N`. One queue per step rather than
 *                       per-message TTLs, because a queue only expires messages at its head.
 * - `N.dead`            dead letters, kept until replayed (`POST /ops/dead-letters/replay`).
 * Every name derives from N, so one value of `NOTIFICATIONS_QUEUE` isolates a whole pipeline
 * (tests use `notifications-test-<random>` on a shared broker).
 */

export interface ExchangeSpec {
  name: string;
  type: 'topic';
  options: { durable: boolean };
}

export interface QueueSpec {
  name: string;
  options: { durable: boolean; arguments: Record<string, string | number> };
}

export interface BindingSpec {
  queue: string;
  exchange: string;
  pattern: string;
}

export interface NotificationTopology {
  exchange: ExchangeSpec;
  queue: QueueSpec;
  deadLetterQueue: QueueSpec;
  /** Delay queues in backoff order; empty when the declarer does not retry (the server). */
  retryQueues: QueueSpec[];
  bindings: BindingSpec[];
}

/** Redeliveries the broker allows on the work queue before it dead-letters a message itself. */
export const DELIVERY_LIMIT = 10;

/** Headers the pipeline sets on messages (AMQP `messageId` is always the outbox row id). */
export const NotificationHeaders = {
  /** 1-based processing attempt; the worker increments it when it schedules a retry. */
  attempt: 'x-happening-attempt',
  /** Why the message was dead-lettered, readable by a person. */
  reason: 'x-happening-reason',
  deadLetteredAt: 'x-happening-dead-lettered-at',
  replayedAt: 'x-happening-replayed-at',
  /**
   * Times the worker put the message back for later without trying it (its organization at its
   * share of the worker, or its deliveries claimed by another worker); sets the wait, not attempts.
   */
  deferrals: 'x-happening-deferrals',
} as const;

/** Redis hash where each worker reports how many messages it holds unacked (for `GET /ops/queues`). */
export const workerInFlightKey = (base: string) => `happening:worker-inflight:${base}`;
/** A worker's report older than this is ignored (the worker is gone). */
export const WORKER_REPORT_TTL_MS = 5_000;

export const exchangeName = (base: string) => `${base}.exchange`;
export const deadLetterQueueName = (base: string) => `${base}.dead`;
export const retryQueueName = (base: string, delayMs: number) => `${base}.retry.${delayMs}ms`;

/** Exponential backoff: `maxAttempts - 1` delays, `baseMs`, `2·baseMs`, `4·baseMs`, … */
export function retryDelays(baseMs: number, maxAttempts: number): number[] {
  return Array.from({ length: Math.max(0, maxAttempts - 1) }, (_, step) => baseMs * 2 ** step);
}

// Quorum queues replicate and survive broker restarts; at-least-once dead-lettering (with
// reject-publish overflow, which it requires) means a message moving to a dead-letter or back from
// a delay queue is not lost if a node fails during the move.
const quorum = {
  'x-queue-type': 'quorum',
  'x-overflow': 'reject-publish',
  'x-dead-letter-strategy': 'at-least-once',
} as const;

export function notificationTopology(base: string, delaysMs: number[] = []): NotificationTopology {
  const exchange = exchangeName(base);
  const dead = deadLetterQueueName(base);
  return {
    exchange: { name: exchange, type: 'topic', options: { durable: true } },
    queue: {
      name: base,
      options: {
        durable: true,
        arguments: {
          ...quorum,
          'x-delivery-limit': DELIVERY_LIMIT,
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': dead,
        },
      },
    },
    deadLetterQueue: { name: dead, options: { durable: true, arguments: { 'x-queue-type': 'quorum' } } },
    retryQueues: [...new Set(delaysMs)].map((delayMs) => ({
      name: retryQueueName(base, delayMs),
      options: {
        durable: true,
        arguments: {
          ...quorum,
          'x-message-ttl': delayMs,
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': base,
        },
      },
    })),
    bindings: [{ queue: base, exchange, pattern: '#' }],
  };
}

/** The part of an AMQP channel that declaring needs (amqplib's Channel satisfies it). */
export interface TopologyChannel {
  assertExchange(name: string, type: string, options: ExchangeSpec['options']): Promise<unknown>;
  assertQueue(name: string, options: QueueSpec['options']): Promise<unknown>;
  bindQueue(queue: string, exchange: string, pattern: string): Promise<unknown>;
}

/** Declares everything (idempotent: re-declaring with the same arguments is a no-op). */
export async function declareTopology(
  channel: TopologyChannel,
  topology: NotificationTopology,
): Promise<void> {
  await channel.assertExchange(topology.exchange.name, topology.exchange.type, topology.exchange.options);
  for (const queue of [topology.queue, topology.deadLetterQueue, ...topology.retryQueues]) {
    await channel.assertQueue(queue.name, queue.options);
  }
  for (const binding of topology.bindings) {
    await channel.bindQueue(binding.queue, binding.exchange, binding.pattern);
  }
}

/** Names of every queue of a pipeline (for stats and for tests that clean up after themselves). */
export function topologyQueueNames(topology: NotificationTopology): string[] {
  return [topology.queue, topology.deadLetterQueue, ...topology.retryQueues].map((queue) => queue.name);
}
