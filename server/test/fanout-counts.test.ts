import type { CountsMessage, WidgetClientToServer, WidgetServerToClient } from '@happening/shared';
import { publishedEvent, rowsMap } from '@happening/testing/inventory';
import { bearer, buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, expect, it } from 'vitest';

// Section counts follow every seat change but go out at most every 250 ms per event (each
// broadcast is one write per watching socket): a burst of changes must still end with counts
// that show all of them, and far fewer counts messages than changes.
type WidgetSocket = Socket<WidgetServerToClient, WidgetClientToServer>;

let app: TestApp;
let owner: SignedUp;
let url: string;
let socket: WidgetSocket | undefined;

beforeAll(async () => {
  app = await buildTestApp();
  await app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  owner = await signup(app, 'fanout-counts');
});
afterAll(async () => {
  socket?.close();
  await app.close();
});

it('a burst of holds ends with counts showing every hold, in fewer counts messages than changes', async () => {
  const live = await publishedEvent(app, owner, rowsMap(2, 10));
  socket = io(`${url}/widget`, {
    auth: { publishableKey: live.publishableKey },
    transports: ['websocket'],
    reconnection: false,
  });
  const counts: CountsMessage[] = [];
  socket.on('counts', (message) => counts.push(message));
  await new Promise<void>((resolve, reject) =>
    socket!.emit('join', { eventId: live.eventId }, (answer) =>
      answer.ok ? resolve() : reject(new Error(JSON.stringify(answer))),
    ),
  );

  // One hold per coalescing window (50 ms): without the limit, each would bring its own counts.
  const holds = 12;
  for (let i = 1; i <= holds; i++) {
    const held = await app.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/holds`,
      headers: bearer(live.publishableKey),
      // Twelve attendees, each from their own address (one address's holds are capped).
      remoteAddress: `10.40.0.${i}`,
      payload: { seats: [i <= 10 ? `main-A-${i}` : `main-B-${i - 10}`] },
    });
    expect(held.statusCode, held.body).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 70));
  }

  const heldNow = () => counts.at(-1)?.sections.find((s) => s.id === 'main')?.held ?? 0;
  await expect.poll(heldNow, { timeout: 5_000 }).toBe(holds);
  // ~12 × 70 ms = 840 ms of changes: at most one counts message per 250 ms, plus the last one.
  expect(counts.length).toBeLessThanOrEqual(6);
  // Versions only move forward, so a client can ignore counts older than what it has.
  const versions = counts.map((message) => message.version);
  expect([...versions].sort((x, y) => x - y)).toEqual(versions);
});
