import type { Ack } from '@happening/shared';
import { type LiveEvent, publishedEvent, rowsMap } from '@happening/testing/inventory';
import { buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import {
  connected,
  freshAddress,
  openSockets,
  send,
  urlOf,
  type WidgetSocket,
  widgetSocket,
} from '@happening/testing/sockets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOOD_REFUSALS } from '../src/realtime/message-limits.js';

// Each test's sockets name a client address of their own through a trusted X-Forwarded-For, so
// per-address counters left in Redis by other files (all on 127.0.0.1) do not matter.
let a: TestApp;
let b: TestApp;
let owner: SignedUp;
let live: LiveEvent;

afterAll(async () => {
  for (const socket of openSockets) socket.close();
});

describe('a widget socket flooding the server', () => {
  beforeAll(async () => {
    // The shipped per-socket and per-address limits (testEnv raises the per-address one).
    a = await buildTestApp({ TRUST_PROXY: '127.0.0.1', SOCKET_MESSAGES_PER_ADDRESS_PER_MINUTE: '3000' });
    await a.listen({ port: 0, host: '127.0.0.1' });
    owner = await signup(a, 'widget-limits');
    live = await publishedEvent(a, owner, rowsMap(1, 10));
  });
  afterAll(async () => a.close());

  it('gets RATE_LIMITED acks, then is disconnected; an honest socket from the same address is unaffected', async () => {
    const address = freshAddress();
    const honest = widgetSocket(urlOf(a), live.publishableKey, { forwardedFor: address });
    const flood = widgetSocket(urlOf(a), live.publishableKey, { forwardedFor: address });
    expect(await connected(honest)).toBe('connected');
    expect(await connected(flood)).toBe('connected');
    expect(await send(honest, 'join', { eventId: live.eventId })).toMatchObject({ ok: true });

    const disconnected = new Promise<string>((resolve) => flood.once('disconnect', resolve));
    const answers: Ack<unknown>[] = [];
    // 250 joins at once: far past the bucket of 30 (a quarter of the 120 a minute).
    for (let i = 0; i < 250; i++)
      flood.emit('join', { eventId: live.eventId }, (answer) => answers.push(answer));
    expect(await disconnected).toBe('io server disconnect');

    const refused = answers.filter((answer) => !answer.ok);
    expect(refused.length).toBeGreaterThanOrEqual(FLOOD_REFUSALS);
    expect(refused[0]).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    expect(refused[0]!.ok === false && refused[0]!.error.retryAfterSeconds).toBeGreaterThan(0);

    // Beside it, the honest attendee picks a seat as if nothing happened.
    expect(honest.connected).toBe(true);
    expect(await send(honest, 'join', { eventId: live.eventId })).toMatchObject({ ok: true });
    expect(await send(honest, 'hold', { eventId: live.eventId, seatIds: ['main-A-1'] })).toMatchObject({
      ok: true,
      data: { seats: ['main-A-1'] },
    });
  });
});

describe('messages per client address', () => {
  const apps: TestApp[] = [];
  beforeAll(async () => {
    // 20 messages a minute per address across servers; per socket, no practical limit.
    const env = {
      TRUST_PROXY: '127.0.0.1',
      SOCKET_MESSAGES_PER_ADDRESS_PER_MINUTE: '20',
      SOCKET_MESSAGES_PER_MINUTE: '60000',
    };
    apps.push(await buildTestApp(env), await buildTestApp(env));
    for (const app of apps) await app.listen({ port: 0, host: '127.0.0.1' });
    [a, b] = apps as [TestApp, TestApp];
    owner = await signup(a, 'widget-address-limits');
    live = await publishedEvent(a, owner, rowsMap(1, 10));
  });
  afterAll(async () => Promise.all(apps.map((app) => app.close())));

  it('are counted across server processes; another address is unaffected', async () => {
    const address = freshAddress();
    const onA = widgetSocket(urlOf(a), live.publishableKey, { forwardedFor: address });
    const onB = widgetSocket(urlOf(b), live.publishableKey, { forwardedFor: address });
    const other = widgetSocket(urlOf(a), live.publishableKey, { forwardedFor: freshAddress() });
    for (const socket of [onA, onB, other]) expect(await connected(socket)).toBe('connected');

    const codes: string[] = [];
    for (let i = 0; i < 12; i++) {
      for (const socket of [onA, onB] as WidgetSocket[]) {
        const answer = await send(socket, 'leave', { eventId: live.eventId });
        codes.push(answer.ok ? 'ok' : answer.error.code);
      }
    }
    expect(codes.filter((code) => code === 'ok').length).toBe(20);
    expect(codes.slice(20)).toEqual(Array(4).fill('RATE_LIMITED'));
    // A few refusals are no flood: both stay connected.
    expect([onA.connected, onB.connected]).toEqual([true, true]);

    expect(await send(other, 'join', { eventId: live.eventId })).toMatchObject({ ok: true });
  });
});
