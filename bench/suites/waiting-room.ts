/**
 * Suite, waiting room: how fast attendees join a line and how long an admission tick takes with
 * 10,000 in line, through the real script (queue.lua, one atomic call each), beside a plain Redis
 * ZADD + ZRANK loop (the least a sorted-set line could cost) with the same concurrency, same run.
 */
import { randomUUID } from 'node:crypto';
import { scriptKeys } from '@happening/server/inventory/keys';
import { defineQueueCommand, newTicket, runQueueScript, shuffleKey } from '@happening/server/waiting-room';
import { Redis } from 'ioredis';
import { REDIS_URL } from '../lib/config.js';
import { median, percentile } from '../lib/stats.js';
import type { SuiteContext } from '../lib/suite.js';

const SIZES = { full: 10_000, quick: 10_000, tiny: 300 } as const;
const CONCURRENCY = 32;
const TICKS = { full: 50, quick: 20, tiny: 3 } as const;

async function inParallel(count: number, run: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) await run(next++);
    }),
  );
  return performance.now() - started;
}

export async function waitingRoomSuite(context: SuiteContext): Promise<void> {
  const inLine = SIZES[context.mode];
  const redis = new Redis(REDIS_URL);
  defineQueueCommand(redis as never);
  const keys: string[] = [];
  try {
    const joinRates: number[] = [];
    const peerRates: number[] = [];
    const tickMs: number[] = [];
    const viewMs: number[] = [];
    for (let round = 0; round < context.sizes.rounds; round++) {
      // A line of its own, in front of a fake inventory of 1,000 places (the script only reads it).
      const eventId = randomUUID();
      const queueKeys = scriptKeys.queue(eventId);
      keys.push(...queueKeys, `bench:{${eventId}}:plain`);
      await redis.hset(queueKeys[7]!, 'status', 'on_sale');
      await redis.hset(queueKeys[8]!, 'main:cap', 1_000);
      const tickets = Array.from({ length: inLine }, () => newTicket(eventId));

      const plain = `bench:{${eventId}}:plain`;
      const peerMs = await inParallel(inLine, async (i) => {
        await redis.zadd(plain, i, tickets[i]!);
        await redis.zrank(plain, tickets[i]!);
      });
      // Joins after the opening: each takes the next place and answers it.
      await runQueueScript(redis as never, eventId, 'tick', {
        opensAt: 0,
        admit: false,
        rate: 0,
        maxActive: 0,
        ttl: 600_000,
        statEvery: 2_000,
      });
      const joinMs = await inParallel(inLine, (i) =>
        runQueueScript(redis as never, eventId, 'join', {
          ticket: tickets[i]!,
          p: 2,
          key: shuffleKey(),
          opensAt: 0,
        }),
      );
      joinRates.push((inLine * 1_000) / joinMs);
      peerRates.push((inLine * 1_000) / peerMs);

      // Admission with the whole line waiting: each tick admits what a 6,000-a-minute meter allows.
      for (let i = 0; i < TICKS[context.mode]; i++) {
        const started = performance.now();
        await runQueueScript(redis as never, eventId, 'tick', {
          opensAt: 0,
          admit: true,
          rate: 6_000,
          maxActive: 0,
          ttl: 600_000,
          statEvery: 2_000,
        });
        tickMs.push(performance.now() - started);
        const viewed = performance.now();
        await runQueueScript(redis as never, eventId, 'views', { tickets: [tickets[inLine - 1]!] });
        viewMs.push(performance.now() - viewed);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    const joins = median(joinRates);
    const peer = median(peerRates);
    context.figure({
      suite: 'waiting-room',
      name: `joins per second (${inLine.toLocaleString('en-US')} in line, ${CONCURRENCY} at once)`,
      value: joins,
      unit: 'joins/s',
      peer: { name: 'plain ZADD + ZRANK', value: peer },
      ratio: joins / peer,
      detail: `one queue.lua join per attendee (place, record, answer) against two plain commands; rounds ${joinRates.map((v) => v.toFixed(0)).join(', ')}`,
    });
    context.figure({
      suite: 'waiting-room',
      name: `admission tick, p99 (${inLine.toLocaleString('en-US')} in line)`,
      value: percentile(tickMs, 99),
      unit: 'ms',
      detail: `median ${median(tickMs).toFixed(2)} ms over ${tickMs.length} ticks; each ends over admissions, checks the sell-out, admits by the meters and samples the line`,
    });
    context.figure({
      suite: 'waiting-room',
      name: 'a ticket at the back of the line: its state, p99',
      value: percentile(viewMs, 99),
      unit: 'ms',
      detail: `median ${median(viewMs).toFixed(2)} ms (ZRANK in the script, plus the last minute's admissions for the estimate)`,
    });
    context.progress(
      `waiting-room: ${inLine} in line, joins ${joins.toFixed(0)}/s vs plain ${peer.toFixed(0)}/s`,
    );
  } finally {
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
}
