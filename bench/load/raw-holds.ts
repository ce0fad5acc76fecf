/**
 * The raw rate for suite 1: the same Lua script the product runs for a hold (and its release),
 * called straight through ioredis with the same concurrency. No HTTP, no Socket.IO, no checks.
 */
import { randomBytes } from 'node:crypto';
import { defineInventoryCommands, runInventoryScript } from '@happening/server/inventory';
import { Redis } from 'ioredis';
import { serveParent } from '../lib/child.js';
import { REDIS_URL } from '../lib/config.js';
import { closedLoops } from '../lib/loop.js';
import { nowMs } from '../lib/stats.js';

let redis: Redis;
let eventId: string;
let seats: string[];

async function holdAndRelease(worker: number): Promise<number> {
  const token = `${eventId}.hold_${randomBytes(16).toString('base64url')}`;
  const start = nowMs();
  const held = await runInventoryScript(redis, eventId, 'hold', {
    token,
    existing: false,
    seats: [seats[worker]!],
    general: [],
    max: 10,
    ttl: 600_000,
  });
  if (!held.ok) throw new Error(`hold refused: ${held.code}`);
  const micros = (nowMs() - start) * 1_000;
  await runInventoryScript(redis, eventId, 'release', { token, all: true });
  return micros;
}

serveParent({
  setup(argument: { eventId: string; seats: string[] }) {
    ({ eventId, seats } = argument);
    redis = new Redis(REDIS_URL, { connectionName: 'happening-bench-raw-holds' });
    defineInventoryCommands(redis);
  },
  run({ durationMs }: { durationMs: number }) {
    return closedLoops(seats.length, durationMs, holdAndRelease);
  },
  async close() {
    await redis.quit();
  },
});
