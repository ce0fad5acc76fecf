import type { Availability, SeatsMessage } from '@happening/shared';
import { type LiveEvent, publishedEvent, rowsMap } from '@happening/testing/inventory';
import { bearer, buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import {
  connected,
  openSockets,
  send,
  urlOf,
  type WidgetSocket,
  widgetSocket,
} from '@happening/testing/sockets';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// A thousand attendees opening the page at once each `join`: without the cache each join reads
// the whole seat hash in its own snapshot script. Two servers: A serves the joins, B makes a
// change A only hears about on the inventory channel.
let a: TestApp;
let b: TestApp;
let owner: SignedUp;

beforeAll(async () => {
  // A long cache life, so only a change (never the clock) can end a cached snapshot here.
  [a, b] = await Promise.all([
    buildTestApp({ AVAILABILITY_CACHE_MS: '600000' }),
    buildTestApp({ AVAILABILITY_CACHE_MS: '600000' }),
  ]);
  await a.listen({ port: 0, host: '127.0.0.1' });
  owner = await signup(a, 'availability-cache');
});
afterAll(async () => {
  for (const socket of openSockets) socket.close();
  await Promise.all([a.close(), b.close()]);
});

/** Counts the snapshot scripts server `app` runs for `eventId` from now on. */
function countSnapshots(app: TestApp, eventId: string): () => number {
  const run = vi.spyOn(app.inventory, 'run');
  return () => run.mock.calls.filter(([id, operation]) => id === eventId && operation === 'snapshot').length;
}

const join = async (socket: WidgetSocket, eventId: string) => {
  const answer = await send(socket, 'join', { eventId });
  if (!answer.ok) throw new Error(JSON.stringify(answer.error));
  return answer.data as Availability;
};

const hold = (app: TestApp, live: LiveEvent, seat: string) =>
  app.inject({
    method: 'POST',
    url: `/api/v1/events/${live.eventId}/holds`,
    headers: bearer(live.publishableKey),
    payload: { seats: [seat] },
  });

describe('availability snapshots per event version', () => {
  it('N concurrent joins cost one snapshot; a change elsewhere makes the next join see it', async () => {
    const live = await publishedEvent(a, owner, rowsMap(2, 10));
    const held = await hold(a, live, 'main-A-1');
    expect(held.statusCode).toBe(200);
    const { holdToken } = held.json();

    const sockets = Array.from({ length: 20 }, () => widgetSocket(urlOf(a), live.publishableKey));
    for (const socket of sockets) expect(await connected(socket)).toBe('connected');
    const snapshots = countSnapshots(a, live.eventId);

    const joined = await Promise.all(sockets.map((socket) => join(socket, live.eventId)));
    expect(snapshots()).toBe(1);
    expect(new Set(joined.map((snapshot) => snapshot.version)).size).toBe(1);
    expect(joined[0]!.seats).toEqual({ 'main-A-1': 'held' });
    // Shared or not, a widget's snapshot never names a hold token or a booking.
    for (const snapshot of joined) expect(JSON.stringify(snapshot)).not.toContain(holdToken);

    // REST serves the same copy.
    const rest = await a.inject({ url: `/api/v1/events/${live.eventId}/availability` });
    expect(rest.json().version).toBe(joined[0]!.version);
    expect(snapshots()).toBe(1);

    // A change on server B: A learns of it on the inventory channel, as the watchers do.
    const seen = new Promise<SeatsMessage>((resolve) => sockets[0]!.once('seats', resolve));
    expect((await hold(b, live, 'main-B-5')).statusCode).toBe(200);
    const change = await seen;

    const after = await join(widgetSocket(urlOf(a), live.publishableKey), live.eventId);
    expect(after.version).toBeGreaterThanOrEqual(change.version);
    expect(after.seats).toEqual({ 'main-A-1': 'held', 'main-B-5': 'held' });
    expect(snapshots()).toBe(2);
  });

  it('a server reads its own writes: availability right after a hold on it shows the hold', async () => {
    const live = await publishedEvent(a, owner, rowsMap(1, 10));
    const before = await a.inject({ url: `/api/v1/events/${live.eventId}/availability` });
    expect(before.json().seats).toEqual({});
    expect((await hold(a, live, 'main-A-3')).statusCode).toBe(200);
    const after = await a.inject({ url: `/api/v1/events/${live.eventId}/availability` });
    expect(after.json().seats).toEqual({ 'main-A-3': 'held' });
    expect(after.json().version).toBeGreaterThan(before.json().version);
  });
});
