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
import type pg from 'pg';

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
  pg: pg.Pool;
  redis: RedisClient;
  queue: string;
}): Promise<QueueStats> {
  const { channel, queue } = deps;
  const deadQueue = deadLetterQueueName(queue);
  const [main, dead, unacked, outbox, perMinute] = await Promise.all([
    channel.checkQueue(queue),
    channel.checkQueue(deadQueue),
    workerUnacked(deps.redis, queue),
    deps.pg.query<{ backlog: number; age: number | null }>(
      `SELECT count(*)::int AS backlog, extract(epoch FROM now() - min(created_at))::float8 AS age
       FROM outbox WHERE published_at IS NULL`,
    ),
    deps.pg.query<{ minute: Date; delivered: number; failed: number }>(
      `SELECT date_trunc('minute', updated_at) AS minute,
              count(*) FILTER (WHERE status = 'sent')::int AS delivered,
              count(*) FILTER (WHERE status = 'failed')::int AS failed
       FROM notification_deliveries
       WHERE status <> 'pending' AND updated_at > now() - interval '15 minutes'
       GROUP BY 1 ORDER BY 1`,
    ),
  ]);
  return {
    queues: [
      { name: queue, ready: main.messageCount, unacked, consumers: main.consumerCount },
      // Nobody consumes dead letters; a replay takes and acks them one by one.
      { name: deadQueue, ready: dead.messageCount, unacked: 0, consumers: dead.consumerCount },
    ],
    deadLetters: dead.messageCount,
    outbox: {
      backlog: outbox.rows[0]!.backlog,
      oldestAgeSeconds: outbox.rows[0]!.age === null ? null : Math.round(outbox.rows[0]!.age * 10) / 10,
    },
    perMinute: perMinute.rows.map((row) => ({
      minute: row.minute.toISOString(),
      delivered: row.delivered,
      failed: row.failed,
    })),
  };
}
