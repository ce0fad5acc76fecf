/**
 * Proof of work in front of publishable-key holds (docs/security.md): ALTCHA challenges from the
 * server, solved as the widget solves them, accepted once on any server and only while fresh.
 */
import type { Ack, Hold, WidgetClientToServer, WidgetServerToClient } from '@happening/shared';
import { type LiveEvent, publishedEvent, rowsMap } from '@happening/testing/inventory';
import { holdFrom, POW_TEST_ENV, randomAddress, solve } from '@happening/testing/proof-of-work';
import { bearer, buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import { createChallenge, extractParams } from 'altcha-lib/v1';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const POW_SECRET = 'proof-of-work-test-secret-0123456789abcdef';

let first: TestApp;
let second: TestApp;
let owner: SignedUp;
const sockets: Socket[] = [];
beforeAll(async () => {
  const env = { ...POW_TEST_ENV, POW_SECRET };
  [first, second] = await Promise.all([buildTestApp(env), buildTestApp(env)]);
  await second.listen({ port: 0, host: '127.0.0.1' });
  owner = await signup(first, 'proof-of-work');
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await Promise.all([first?.close(), second?.close()]);
});

const guarded = () => publishedEvent(first, owner, rowsMap(4, 10), { proofOfWork: true });

async function challengeOf(app: TestApp, live: LiveEvent) {
  const answer = await app.inject({
    url: `/api/v1/events/${live.eventId}/challenge`,
    headers: bearer(live.publishableKey),
  });
  expect(answer.statusCode).toBe(200);
  return answer.json();
}

describe('an event with proofOfWork on', () => {
  it('answers a hold without a solution 428 CHALLENGE_REQUIRED with a challenge; solved, the hold succeeds', async () => {
    const live = await guarded();
    const address = randomAddress();
    const refused = await holdFrom(first, live, address, { seats: ['main-A-1'] });
    expect(refused.statusCode).toBe(428);
    const { error } = refused.json();
    expect(error).toMatchObject({ code: 'CHALLENGE_REQUIRED', reason: 'required' });
    expect(error.challenge).toMatchObject({ algorithm: 'SHA-256', maxnumber: 2000 });
    // The challenge names its event and expires (ALTCHA's `expires`, seconds), both signed.
    const params = extractParams(error.challenge);
    expect(params.event).toBe(live.eventId);
    expect(Number(params.expires) * 1_000).toBeGreaterThan(Date.now());
    expect(Number(params.expires) * 1_000).toBeLessThanOrEqual(Date.now() + 121_000);

    const held = await holdFrom(first, live, address, {
      seats: ['main-A-1'],
      altcha: await solve(error.challenge),
    });
    expect(held.statusCode).toBe(200);
    expect(held.json().seats).toEqual(['main-A-1']);
  });

  it('refuses the same solution replayed on the other server', async () => {
    const live = await guarded();
    const altcha = await solve(await challengeOf(first, live));
    const once = await holdFrom(first, live, randomAddress(), { seats: ['main-A-1'], altcha });
    expect(once.statusCode).toBe(200);
    const again = await holdFrom(second, live, randomAddress(), { seats: ['main-A-2'], altcha });
    expect(again.statusCode).toBe(428);
    expect(again.json().error).toMatchObject({ code: 'CHALLENGE_REQUIRED', reason: 'replayed' });
    expect(again.json().error.challenge.challenge).toEqual(expect.any(String));
  });

  it('refuses an expired challenge, a wrong answer, a challenge of another event and garbage', async () => {
    const live = await guarded();
    const otherEvent = await guarded();
    const signed = (expires: Date, eventId = live.eventId) =>
      createChallenge({ hmacKey: POW_SECRET, maxnumber: 2000, expires, params: { event: eventId } });
    const stale = await solve(await signed(new Date(Date.now() - 1_000)));
    const wrong = JSON.parse(Buffer.from(await solve(await challengeOf(first, live)), 'base64').toString());
    wrong.number += 1;
    const refusals = [
      stale,
      Buffer.from(JSON.stringify(wrong)).toString('base64'),
      await solve(await challengeOf(first, otherEvent)),
      'bm90IGFsdGNoYQ==',
    ];
    for (const altcha of refusals) {
      const answer = await holdFrom(second, live, randomAddress(), { seats: ['main-A-1'], altcha });
      expect(answer.statusCode).toBe(428);
      expect(answer.json().error).toMatchObject({ code: 'CHALLENGE_REQUIRED', reason: 'invalid' });
    }
    // The same kind of challenge, still fresh, is accepted: it was the expiry that was refused.
    const fresh = await solve(await signed(new Date(Date.now() + 60_000)));
    expect(
      (await holdFrom(second, live, randomAddress(), { seats: ['main-A-1'], altcha: fresh })).statusCode,
    ).toBe(200);
  });

  it('does not spend a solution on a hold that fails for another reason', async () => {
    const live = await guarded();
    const taken = await holdFrom(first, live, randomAddress(), {
      seats: ['main-A-1'],
      altcha: await solve(await challengeOf(first, live)),
    });
    expect(taken.statusCode).toBe(200);
    const altcha = await solve(await challengeOf(second, live));
    const clash = await holdFrom(second, live, randomAddress(), { seats: ['main-A-1'], altcha });
    expect(clash.json().error.code).toBe('SEAT_UNAVAILABLE');
    expect((await holdFrom(first, live, randomAddress(), { seats: ['main-A-2'], altcha })).statusCode).toBe(
      200,
    );
  });

  it('asks nothing of the secret key', async () => {
    const live = await guarded();
    const answer = await first.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/holds`,
      headers: bearer(live.secretKey),
      payload: { bestAvailable: { quantity: 10 } },
    });
    expect(answer.statusCode).toBe(200);
  });

  it('asks the widget socket too, and a solution used there is spent for REST on the other server', async () => {
    const live = await guarded();
    const { port } = second.server.address() as { port: number };
    const socket: Socket<WidgetServerToClient, WidgetClientToServer> = io(`http://127.0.0.1:${port}/widget`, {
      auth: { publishableKey: live.publishableKey },
      transports: ['websocket'],
      reconnection: false,
    });
    sockets.push(socket);
    const hold = (payload: { seatIds: string[]; altcha?: string }) =>
      new Promise<Ack<Hold>>((resolve) =>
        socket.emit('hold', { eventId: live.eventId, ...payload }, resolve),
      );
    const refused = await hold({ seatIds: ['main-B-1'] });
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.error).toMatchObject({ code: 'CHALLENGE_REQUIRED', reason: 'required' });
    const altcha = await solve(refused.error.challenge as never);
    const held = await hold({ seatIds: ['main-B-1'], altcha });
    expect(held).toMatchObject({ ok: true, data: { seats: ['main-B-1'] } });
    const replayed = await holdFrom(first, live, randomAddress(), { seats: ['main-B-2'], altcha });
    expect(replayed.json().error).toMatchObject({ code: 'CHALLENGE_REQUIRED', reason: 'replayed' });
  });
});

describe('an event with proofOfWork off', () => {
  it('asks proof once an address goes past half its seat allowance, and not before', async () => {
    const live = await publishedEvent(first, owner, rowsMap(4, 10));
    const address = randomAddress();
    const half = await holdFrom(first, live, address, { bestAvailable: { quantity: 10 } });
    expect(half.statusCode).toBe(200);
    const past = await holdFrom(second, live, address, { seats: ['main-D-1'] });
    expect(past.statusCode).toBe(428);
    expect(past.json().error).toMatchObject({ code: 'CHALLENGE_REQUIRED', reason: 'required' });
    const solved = await holdFrom(second, live, address, {
      seats: ['main-D-1'],
      altcha: await solve(past.json().error.challenge),
    });
    expect(solved.statusCode).toBe(200);
    // Another address is at 0 of its allowance: no proof.
    expect((await holdFrom(first, live, randomAddress(), { seats: ['main-D-2'] })).statusCode).toBe(200);
  });

  it('hands out challenges to key holders only', async () => {
    const live = await publishedEvent(first, owner, rowsMap(1, 4));
    const anonymous = await first.inject({ url: `/api/v1/events/${live.eventId}/challenge` });
    expect(anonymous.statusCode).toBe(401);
    const answer = await first.inject({
      url: `/api/v1/events/${live.eventId}/challenge`,
      headers: bearer(live.publishableKey),
    });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['cache-control']).toBe('no-store');
  });

  it('is documented in the OpenAPI document: the challenge route, the hold refusals and the event fields', async () => {
    const openapi = (await first.inject({ url: '/docs/json' })).json();
    const challenge = openapi.paths['/api/v1/events/{id}/challenge'].get;
    expect(challenge.summary).toBeTruthy();
    expect(challenge.description).toContain('ALTCHA');
    const hold = openapi.paths['/api/v1/events/{id}/holds'].post;
    expect(hold.description).toContain('HOLD_CAP_REACHED');
    expect(hold.description).toContain('CHALLENGE_REQUIRED');
    const created = openapi.paths['/api/v1/orgs/{orgId}/events'].post;
    const fields = created.requestBody.content['application/json'].schema.properties;
    for (const field of ['maxSeatsPerAddress', 'maxHoldsPerAddress', 'proofOfWork'])
      expect(JSON.stringify(fields[field])).toContain('description');
  });
});
