import { inventoryKeys } from '@happening/server/inventory/keys';
import type { ProofOfWorkChallenge } from '@happening/shared';
import { solveChallenge } from 'altcha-lib/v1';
import { Redis } from 'ioredis';
import type { LiveEvent } from './inventory.js';
import { bearer, type TestApp } from './server.js';

/** A test server's settings: a small difficulty, so solving in Node takes milliseconds. */
export const POW_TEST_ENV = { POW_MAX_NUMBER: '2000' };

/** Solves a challenge as the widget does (altcha-lib's solver) and returns the `altcha` payload. */
export async function solve(
  challenge: Omit<ProofOfWorkChallenge, 'maxnumber'> & { maxnumber?: number | undefined },
): Promise<string> {
  const solution = await solveChallenge(
    challenge.challenge,
    challenge.salt,
    challenge.algorithm,
    challenge.maxnumber ?? 1_000_000,
  ).promise;
  if (!solution) throw new Error('challenge not solvable within maxnumber');
  const { algorithm, salt, signature } = challenge;
  return Buffer.from(
    JSON.stringify({ algorithm, challenge: challenge.challenge, number: solution.number, salt, signature }),
  ).toString('base64');
}

export const randomAddress = () =>
  `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;

/** One publishable-key hold from `remoteAddress`, as a script or the widget's REST path sends it. */
export function holdFrom(
  app: TestApp,
  live: LiveEvent,
  remoteAddress: string,
  payload: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  return app.inject({
    method: 'POST',
    url: `/api/v1/events/${live.eventId}/holds`,
    headers: { ...bearer(live.publishableKey), ...headers },
    remoteAddress,
    payload,
  });
}

/** Like the widget: a hold answered 428 CHALLENGE_REQUIRED is solved and sent again, once. */
export async function holdSolving(
  app: TestApp,
  live: LiveEvent,
  remoteAddress: string,
  payload: Record<string, unknown>,
) {
  const first = await holdFrom(app, live, remoteAddress, payload);
  if (first.statusCode !== 428) return first;
  const altcha = await solve(first.json().error.challenge);
  return holdFrom(app, live, remoteAddress, { ...payload, altcha });
}

/** The per-address counters the hold script keeps for an event (`inv:{id}:addr`). */
export async function addressCounters(eventId: string): Promise<Record<string, string>> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    return await redis.hgetall(inventoryKeys(eventId)[12]!);
  } finally {
    await redis.quit();
  }
}

/** Moves a hold's expiry to now instead of waiting out the 30 s minimum TTL. */
export async function expireNow(eventId: string, holdToken: string): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    const keys = inventoryKeys(eventId);
    const record = JSON.parse((await redis.hget(keys[3]!, holdToken))!);
    const expiresAt = Date.now();
    await redis.hset(keys[3]!, holdToken, JSON.stringify({ ...record, exp: expiresAt }));
    await redis.zadd(keys[4]!, expiresAt, holdToken);
  } finally {
    await redis.quit();
  }
}

/**
 * Joins an event's waiting room as the widget does: asks for a challenge, solves it and joins
 * with `partySize` (publishable key). Resolves with the answer (201 and a QueueTicketState).
 */
export async function joinLine(
  app: TestApp,
  live: LiveEvent,
  partySize = 1,
  remoteAddress = randomAddress(),
) {
  const challenge = await app.inject({
    url: `/api/v1/events/${live.eventId}/challenge`,
    headers: bearer(live.publishableKey),
    remoteAddress,
  });
  if (challenge.statusCode !== 200) throw new Error(`no challenge: ${challenge.body}`);
  const altcha = await solve(challenge.json());
  return app.inject({
    method: 'POST',
    url: `/api/v1/events/${live.eventId}/queue`,
    headers: bearer(live.publishableKey),
    remoteAddress,
    payload: { partySize, altcha },
  });
}
