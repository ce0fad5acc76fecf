/**
 * Booking news goes to an event's console room through the sharded adapter, one `SPUBLISH` per
 * booking whether or not anyone is in the room. It is sent only while a console watches the event
 * on some server (realtime/console-watch.ts): the watch is marked in Redis, renewed while it lasts,
 * and lapses after the last watcher leaves. What the adapter publishes is read on its channel.
 */
import { CONSOLE_NAMESPACE, rooms } from '@happening/shared';
import { attendee, type LiveEvent, publishedEvent, rowsMap } from '@happening/testing/inventory';
import { bearer, buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import { Redis } from 'ioredis';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleWatchKey } from '../src/inventory/keys.js';

const TTL_MS = 1_500;
let a: TestApp;
let b: TestApp;
let owner: SignedUp;
const urls: string[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
  const env = { CONSOLE_WATCH_TTL_MS: String(TTL_MS) };
  [a, b] = await Promise.all([buildTestApp(env), buildTestApp(env)]);
  for (const app of [a, b]) {
    await app.listen({ port: 0, host: '127.0.0.1' });
    urls.push(`http://127.0.0.1:${(app.server.address() as { port: number }).port}`);
  }
  owner = await signup(a, 'console-news');
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await Promise.all([a.close(), b.close()]);
});

async function watching(url: string, eventId: string): Promise<{ socket: Socket; bookings: string[] }> {
  const socket = io(`${url}/console`, { auth: { token: owner.token }, transports: ['websocket'] });
  sockets.push(socket);
  const bookings: string[] = [];
  socket.on('booking', (message: { booking: { id: string } }) => bookings.push(message.booking.id));
  expect((await socket.emitWithAck('watch', { eventId })).ok).toBe(true);
  return { socket, bookings };
}

async function book(live: LiveEvent, n: string): Promise<string> {
  const response = await a.inject({
    method: 'POST',
    url: `/api/v1/events/${live.eventId}/bookings`,
    headers: bearer(live.secretKey),
    payload: { quantity: 1, attendee: attendee(n) },
  });
  expect(response.statusCode).toBe(201);
  return response.json().booking.id;
}

describe('booking news to consoles', () => {
  it('is broadcast only while a console watches the event, on whichever server', async () => {
    const live = await publishedEvent(a, owner, rowsMap(2, 10));
    // The adapter's channel for the room (dynamic subscription mode: one channel per room).
    const channel = `socket.io#${CONSOLE_NAMESPACE}#${rooms.consoleEvent(live.eventId)}#`;
    const subscriber = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const published: Buffer[] = [];
    subscriber.on('smessageBuffer', (_channel: Buffer, message: Buffer) => published.push(message));
    await subscriber.ssubscribe(channel);
    const ids: string[] = [];
    // Which bookings the broadcasts carried, in the order the server published them.
    const broadcast = () => published.map((message) => ids.find((id) => message.includes(id)) ?? '?');
    try {
      // Nobody watches: three bookings, nothing published.
      for (const n of ['a', 'b', 'c']) ids.push(await book(live, n));

      // A console on server B watches: a booking on server A reaches it. Broadcasts of one server
      // leave in order, so had the first three been broadcast, they would be ahead of this one.
      const first = await watching(urls[1]!, live.eventId);
      const seen = await book(live, 'd');
      ids.push(seen);
      await expect.poll(() => first.bookings).toEqual([seen]);
      await expect.poll(broadcast).toEqual([seen]);

      // Twice the mark's lifetime later it still watches: server B renewed the mark.
      await new Promise((resolve) => setTimeout(resolve, TTL_MS * 2));
      const later = await book(live, 'e');
      ids.push(later);
      await expect.poll(() => first.bookings).toEqual([seen, later]);

      // It leaves: the mark lapses, and the news stops.
      first.socket.close();
      await expect
        .poll(async () => await a.redis.exists(consoleWatchKey(live.eventId)), { timeout: TTL_MS * 3 })
        .toBe(0);
      const unwatched = await book(live, 'f');
      ids.push(unwatched);
      // A console on server A now: its booking is the next broadcast, the one before it was never sent.
      const second = await watching(urls[0]!, live.eventId);
      const last = await book(live, 'g');
      ids.push(last);
      await expect.poll(() => second.bookings).toEqual([last]);
      await expect.poll(broadcast).toEqual([seen, later, last]);
    } finally {
      subscriber.disconnect();
    }
  });
});
