/**
 * What `GET /ops/queues` and the console's queue panel show. Ready and consumer counts come from
 * the broker (AMQP queue.declare-ok, so no management plugin is needed); unacked messages are
 * what live workers report holding (the broker tells only its management API that).
 */

import type { RedisClient } from '@happening/runtime';
import {
  deadLetterQueueName,
  type QueueStats,
  WORKER_REPORT_TTL_MS,
  workerInFlightKey,
} from '@happening/shared';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { NotificationsRepository } from '../../notifications/repository.js';

export async function workerUnacked(redis: RedisClient, queue: string): Promise<number> {
  const reports = await redis.hgetall(workerInFlightKey(queue));
  let total = 0;
  const stale: string[] = [];
  for (const [worker, raw] of Object.entries(reports)) {
    const report = JSON.parse(raw) as { count: number; at: number };
    if (Date.now() - report.at > WORKER_REPORT_TTL_MS) stale.push(worker);
    else total += report.count;
  }
  if (stale.length > 0) await redis.hdel(workerInFlightKey(queue), ...stale);
  return total;
}

export async function readQueueStats(deps: {
  channel: ChannelWrapper;
  notifications: NotificationsRepository;
  redis: RedisClient;
  queue: string;
}): Promise<QueueStats> {
  const { channel, queue } = deps;
  const deadQueue = deadLetterQueueName(queue);
  const [main, dead, unacked, outbox, perMinute] = await Promise.all([
    channel.checkQueue(queue),
    channel.checkQueue(deadQueue),
    workerUnacked(deps.redis, queue),
    deps.notifications.outboxBacklog(),
    deps.notifications.finishedPerMinute(),
  ]);
  return {
    queues: [
      { name: queue, ready: main.messageCount, unacked, consumers: main.consumerCount },
      // Nobody consumes dead letters; a replay takes and acks them one by one.
      { name: deadQueue, ready: dead.messageCount, unacked: 0, consumers: dead.consumerCount },
    ],
    deadLetters: dead.messageCount,
    outbox: {
      backlog: outbox.backlog,
      oldestAgeSeconds: outbox.age === null ? null : Math.round(outbox.age * 10) / 10,
    },
    perMinute,
  };
}
