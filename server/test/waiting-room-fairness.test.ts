/**
 * The waiting room's script on its own (no HTTP), many times over: the opening order is a uniform
 * shuffle of the arrival order, and concurrent admission ticks from two clients never admit past
 * the rate or the active-shopper limit.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { scriptKeys } from '../src/inventory/keys.js';
import { redactUrl } from '../src/lib/log-redaction.js';
import { defineQueueCommand, runQueueScript, type TickArgs } from '../src/waiting-room/queue-script.js';
import { newTicket, shuffleKey } from '../src/waiting-room/tickets.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const first = new Redis(url);
const second = new Redis(url);
defineQueueCommand(first as never);
defineQueueCommand(second as never);
const touched: string[] = [];
afterAll(async () => {
  if (touched.length > 0) await first.del(...touched);
  first.disconnect();
  second.disconnect();
});

/** A fake inventory with `available` places, so the script sees an event on sale (keys it only reads). */
async function eventWith(available: number): Promise<string> {
  const eventId = randomUUID();
  const keys = scriptKeys.queue(eventId);
  touched.push(...keys);
  await first.hset(keys[7]!, 'status', 'on_sale');
  await first.hset(keys[8]!, 'main:cap', available);
  return eventId;
}

/** Spearman's rank correlation of two rankings of the same n items (no ties). */
function spearman(a: number[], b: number[]): number {
  const n = a.length;
  let d2 = 0;
  for (let i = 0; i < n; i++) d2 += (a[i]! - b[i]!) ** 2;
  return 1 - (6 * d2) / (n * (n * n - 1));
}

const closed: TickArgs = { opensAt: 0, admit: false, rate: 0, maxActive: 0, ttl: 60_000, statEvery: 60_000 };

describe('the opening shuffle', () => {
  it('places pre-queue arrivals in an order uncorrelated with arrival, over 40 openings of 200', async () => {
    const runs = 40;
    const n = 200;
    const rhos: number[] = [];
    const firstPlaces: number[] = [];
    for (let run = 0; run < runs; run++) {
      const eventId = await eventWith(1_000);
      const tickets = Array.from({ length: n }, () => newTicket(eventId));
      // Arrival order = index; the line is not open yet (opensAt far ahead).
      for (const ticket of tickets) {
        await runQueueScript(first, eventId, 'join', { ticket, p: 1, key: shuffleKey(), opensAt: 8e15 });
      }
      await runQueueScript(first, eventId, 'tick', { ...closed, opensAt: 0 });
      const { views } = await runQueueScript(first, eventId, 'views', { tickets });
      const positions = views.map((view) => (view ? view.pos! : -1));
      // Every arrival has a place, and no place is given twice.
      expect(new Set(positions).size).toBe(n);
      expect(Math.min(...positions)).toBe(1);
      expect(Math.max(...positions)).toBe(n);
      rhos.push(
        spearman(
          tickets.map((_, i) => i + 1),
          positions,
        ),
      );
      firstPlaces.push(positions[0]!);
    }
    const mean = rhos.reduce((sum, rho) => sum + rho, 0) / runs;
    // Under a uniform shuffle each rho has mean 0 and sd 1/sqrt(n-1) ≈ 0.071, so the mean of 40 has
    // sd ≈ 0.011: |mean| < 0.05 is > 4 sd (a false alarm about once in 30,000 runs), while FIFO
    // gives rho = 1 and any real bias of arrival a mean far outside it.
    expect(Math.abs(mean)).toBeLessThan(0.05);
    // No single run looks ordered either (|rho| < 0.35 is ≈ 5 sd).
    expect(Math.max(...rhos.map(Math.abs))).toBeLessThan(0.35);
    // The first to arrive lands anywhere, not near the front: its mean place is about n/2.
    const meanFirst = firstPlaces.reduce((sum, place) => sum + place, 0) / runs;
    expect(meanFirst).toBeGreaterThan(n * 0.3);
    expect(meanFirst).toBeLessThan(n * 0.7);
  }, 60_000);

  it('is first come, first served after the opening', async () => {
    const eventId = await eventWith(1_000);
    await runQueueScript(first, eventId, 'tick', closed);
    const tickets = Array.from({ length: 20 }, () => newTicket(eventId));
    for (const ticket of tickets) {
      await runQueueScript(first, eventId, 'join', { ticket, p: 1, key: shuffleKey(), opensAt: 0 });
    }
    const { views } = await runQueueScript(first, eventId, 'views', { tickets });
    expect(views.map((view) => (view ? view.pos : null))).toEqual(tickets.map((_, i) => i + 1));
  });
});

describe('the meters, with two clients ticking at once', () => {
  it('never admits more than the rate in any minute, nor past the active-shopper limit; nobody twice', async () => {
    const eventId = await eventWith(10_000);
    const tickets = Array.from({ length: 400 }, () => newTicket(eventId));
    await Promise.all(
      tickets.map((ticket) =>
        runQueueScript(first, eventId, 'join', { ticket, p: 1, key: shuffleKey(), opensAt: 0 }),
      ),
    );
    const rate: TickArgs = { ...closed, admit: true, rate: 120, maxActive: 0 };
    // 60 ticks from each client, concurrently: as if two servers ran their ticker.
    const answers = await Promise.all(
      Array.from({ length: 120 }, (_, i) => runQueueScript(i % 2 ? first : second, eventId, 'tick', rate)),
    );
    const admitted = answers.reduce((sum, answer) => sum + answer.admitted, 0);
    // The bucket's burst is 5 s' worth (10); over the few seconds this takes, the refill adds a few.
    expect(admitted).toBeGreaterThanOrEqual(10);
    expect(admitted).toBeLessThanOrEqual(10 + 10);
    const { views } = await runQueueScript(first, eventId, 'views', { tickets });
    expect(views.filter((view) => view && view.s === 'a')).toHaveLength(admitted);

    const capped = await eventWith(10_000);
    const more = Array.from({ length: 100 }, () => newTicket(capped));
    await Promise.all(
      more.map((ticket) => runQueueScript(first, capped, 'join', { ticket, p: 1, key: 0, opensAt: 0 })),
    );
    const limit: TickArgs = { ...closed, admit: true, rate: 0, maxActive: 7 };
    const ticks = await Promise.all(
      Array.from({ length: 40 }, (_, i) => runQueueScript(i % 2 ? first : second, capped, 'tick', limit)),
    );
    expect(ticks.reduce((sum, answer) => sum + answer.admitted, 0)).toBe(7);
    expect(Math.max(...ticks.map((answer) => answer.active))).toBe(7);
  });
});

describe('queue tickets in access logs', () => {
  it('keeps the secret part of a ticket out of the logged URL (it answers an admission token)', () => {
    const eventId = randomUUID();
    const ticket = newTicket(eventId);
    const logged = redactUrl(`/api/v1/queue/${ticket}`);
    expect(logged).toBe(`/api/v1/queue/${eventId}.[redacted]`);
    expect(redactUrl(`/api/v1/events/${eventId}/queue/stats`)).toBe(`/api/v1/events/${eventId}/queue/stats`);
  });
});
