import { randomUUID } from 'node:crypto';
import type { RedisClient } from '@happening/runtime';
import { AppError } from '../../lib/errors.js';

/**
 * Reading or replaying dead letters takes messages off the dead-letter queue for a moment (see
 * org-dead-letters.ts); a second reader on any server would meanwhile see a queue with holes. One
 * Redis lock per pipeline makes them take turns across every server process.
 */
const LOCK_TTL_MS = 120_000;
/** How long a caller waits for its turn before it is told to try again. */
const WAIT_MS = 15_000;
const POLL_MS = 50;

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export async function withDeadLetterLock<T>(
  redis: RedisClient,
  queue: string,
  work: () => Promise<T>,
): Promise<T> {
  const key = `happening:dead-letters-lock:${queue}`;
  const owner = randomUUID();
  const deadline = Date.now() + WAIT_MS;
  // The TTL frees the lock of a server that died holding it; its unacked letters went back with
  // its AMQP connection.
  while ((await redis.set(key, owner, 'PX', LOCK_TTL_MS, 'NX')) !== 'OK') {
    if (Date.now() > deadline) {
      throw new AppError(
        503,
        'SERVICE_UNAVAILABLE',
        'Dead letters are being read or replayed by another request; try again in a moment',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  try {
    return await work();
  } finally {
    await redis.eval(RELEASE, 1, key, owner).catch(() => {});
  }
}
