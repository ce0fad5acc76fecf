/**
 * A widget learns that its hold expired (`hold-expired`), from the server it is connected to, and
 * no one else does; a hold costs no Redis channel subscription (with the sharded adapter, a
 * Socket.IO room per hold was an SSUBSCRIBE per hold, kept until the socket closed).
 */
import { publishedEvent, rowsMap } from '@happening/testing/inventory';
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
import { inventoryKeys } from '../src/inventory/keys.js';

let app: TestApp;
let owner: SignedUp;
beforeAll(async () => {
  app = await buildTestApp({ HOLD_SWEEP_INTERVAL_MS: '100', TRUST_PROXY: 'loopback' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  owner = await signup(app, 'hold-expiry-push');
});
afterAll(async () => {
  for (const socket of openSockets) socket.close();
  await app.close();
});

const expiries = (socket: WidgetSocket) => {
  const seen: { holdToken: string; seatIds: string[] }[] = [];
  socket.on('hold-expired', (message) => seen.push(message));
  return seen;
};

describe('hold-expired', () => {
  it('reaches the socket that made the hold, only it, and no hold subscribes a Redis channel', async () => {
    const live = await publishedEvent(app, owner, rowsMap(1, 20));
    const [holder, neighbour] = [freshAddress(), freshAddress()].map((address) =>
      widgetSocket(urlOf(app), live.publishableKey, { forwardedFor: address }),
    );
    for (const socket of [holder!, neighbour!]) {
      expect(await connected(socket)).toBe('connected');
      expect((await send(socket, 'join', { eventId: live.eventId })).ok).toBe(true);
    }
    const [toHolder, toNeighbour] = [expiries(holder!), expiries(neighbour!)];
    // Eleven holds made and released (a page trying seats), then one kept.
    let last = '';
    for (let n = 1; n <= 12; n++) {
      const held = await send(holder!, 'hold', { eventId: live.eventId, seatIds: [`main-A-${n}`] });
      if (!held.ok) throw new Error(JSON.stringify(held));
      last = (held.data as { holdToken: string }).holdToken;
      if (n < 12) expect((await send(holder!, 'release', { holdToken: last, seatIds: [] })).ok).toBe(true);
    }
    const perHold = (await app.redis.call(
      'PUBSUB',
      'SHARDCHANNELS',
      `socket.io#/widget#hold:${live.eventId}*`,
    )) as string[];
    expect(perHold).toEqual([]);

    // The last hold's expiry moves into the past: the sweeper frees it and every server tells its sockets.
    await app.redis.zadd(inventoryKeys(live.eventId)[4]!, 1, last);
    await expect.poll(() => toHolder.length, { timeout: 5_000 }).toBe(1);
    expect(toHolder[0]).toEqual({ holdToken: last, seatIds: ['main-A-12'] });
    // One more sweep: the neighbour, who held nothing, heard nothing.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(toNeighbour).toEqual([]);
  });
});
