/**
 * Partner backends (secret key) are limited per client address in the server's memory, not in
 * Redis, so a booking does not wait for the counter's round trip first; everyone else keeps the
 * Redis counter shared by every server, and a route's own limit (signup, login) still applies.
 */
import { publishedEvent, rowsMap } from '@happening/testing/inventory';
import { bearer, buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let setup: TestApp;
let limited: TestApp;
let owner: SignedUp;
beforeAll(async () => {
  setup = await buildTestApp();
  limited = await buildTestApp({ RATE_LIMIT_PER_MINUTE: '3', AUTH_RATE_LIMIT_PER_MINUTE: '2' });
  owner = await signup(setup, 'secret-limit');
});
afterAll(async () => {
  await Promise.all([setup?.close(), limited?.close()]);
});

const randomAddress = () =>
  `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
const redisCounter = (address: string) => limited.redis.exists(`happening:rl:${address}`);

describe('the global rate limit for secret-key callers', () => {
  it('lets RATE_LIMIT_PER_MINUTE through, then 429 RATE_LIMITED with Retry-After, and never asks Redis', async () => {
    const live = await publishedEvent(setup, owner, rowsMap(1, 10));
    const remoteAddress = randomAddress();
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await limited.inject({
        url: `/api/v1/events/${live.eventId}/bookings`,
        headers: bearer(live.secretKey),
        remoteAddress,
      });
      codes.push(response.statusCode);
      if (response.statusCode === 429) {
        expect(response.json().error.code).toBe('RATE_LIMITED');
        expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
      }
    }
    expect(codes).toEqual([200, 200, 200, 429, 429]);
    expect(await redisCounter(remoteAddress)).toBe(0);
  });

  it('still counts everyone else in Redis, and a forged sk_ header is counted like a real one', async () => {
    const live = await publishedEvent(setup, owner, rowsMap(1, 10));
    const publicAddress = randomAddress();
    const answer = await limited.inject({
      url: `/api/v1/events/${live.eventId}/availability`,
      remoteAddress: publicAddress,
    });
    expect(answer.statusCode).toBe(200);
    expect(await redisCounter(publicAddress)).toBe(1);
    const forger = randomAddress();
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await limited.inject({
        url: `/api/v1/events/${live.eventId}/bookings`,
        headers: bearer('sk_forged'),
        remoteAddress: forger,
      });
      codes.push(response.statusCode);
    }
    expect(codes).toEqual([401, 401, 401, 429]);
  });

  it("keeps a route's own limit: login with a secret-key header is still counted in Redis", async () => {
    const remoteAddress = randomAddress();
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await limited.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: bearer('sk_anything'),
        remoteAddress,
        payload: { email: owner.email, password: 'wrong password, wrong' },
      });
      codes.push(response.statusCode);
    }
    expect(codes).toEqual([401, 401, 429]);
  });
});
