import type {
  Availability,
  ConsoleSeatChange,
  Hold,
  SeatsMessage,
  WidgetClientToServer,
  WidgetServerToClient,
} from '@happening/shared';
import { type LiveEvent, publishedEvent, rowsMap } from '@happening/testing/inventory';
import { bearer, buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import { Redis } from 'ioredis';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryKeys } from '../src/inventory/keys.js';

type WidgetSocket = Socket<WidgetServerToClient, WidgetClientToServer>;
const SWEEP_MS = 200;

// Two listening servers: a watcher on one sees what a holder does on the other.
let a: TestApp;
let b: TestApp;
let owner: SignedUp;
const urls: string[] = [];
const sockets: WidgetSocket[] = [];

beforeAll(async () => {
  const env = { SOCKET_HOLD_GRACE_SECONDS: '1', HOLD_SWEEP_INTERVAL_MS: String(SWEEP_MS) };
  [a, b] = await Promise.all([buildTestApp(env), buildTestApp(env)]);
  for (const app of [a, b]) {
    await app.listen({ port: 0, host: '127.0.0.1' });
    urls.push(`http://127.0.0.1:${(app.server.address() as { port: number }).port}`);
  }
  owner = await signup(a, 'realtime');
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await Promise.all([a.close(), b.close()]);
});

function widgetClient(url: string, live: LiveEvent, headers: Record<string, string> = {}): WidgetSocket {
  const socket: WidgetSocket = io(`${url}/widget`, {
    auth: { publishableKey: live.publishableKey },
    transports: ['websocket'],
    extraHeaders: headers,
    reconnection: false,
  });
  sockets.push(socket);
  return socket;
}

function ack<T>(
  emit: (callback: (answer: { ok: boolean; data?: T; error?: unknown }) => void) => void,
): Promise<T> {
  return new Promise((resolve, reject) =>
    emit((answer) =>
      answer.ok ? resolve(answer.data as T) : reject(new Error(JSON.stringify(answer.error))),
    ),
  );
}

/** Resolves with the first `seats` message whose changes include `seatId` with `status`. */
function seatChange(
  socket: WidgetSocket,
  seatId: string,
  status: string,
): Promise<{ message: SeatsMessage; at: number }> {
  return new Promise((resolve) => {
    const listener = (message: SeatsMessage) => {
      if (message.changes.some((c) => c.seatId === seatId && c.status === status)) {
        socket.off('seats', listener);
        resolve({ message, at: Date.now() });
      }
    };
    socket.on('seats', listener);
  });
}

const join = (socket: WidgetSocket, eventId: string) =>
  ack<Availability>((cb) => socket.emit('join', { eventId }, cb as never));

describe('live seat updates over /widget', () => {
  it('one client holds on server A, the other (on server B) receives the change with its version', async () => {
    const live = await publishedEvent(a, owner, rowsMap(1, 6));
    const holder = widgetClient(urls[0]!, live);
    const watcher = widgetClient(urls[1]!, live);
    const snapshot = await join(watcher, live.eventId);
    await join(holder, live.eventId);
    expect(snapshot.seats).toEqual({});

    const seen = seatChange(watcher, 'main-A-2', 'held');
    const hold = await ack<Hold>((cb) =>
      holder.emit('hold', { eventId: live.eventId, seatIds: ['main-A-2'] }, cb as never),
    );
    expect(hold.seats).toEqual(['main-A-2']);
    const { message } = await seen;
    expect(message.fromVersion).toBeGreaterThanOrEqual(snapshot.version);
    expect(message.version).toBeGreaterThan(snapshot.version);
    // Widgets never learn other people's hold tokens.
    expect(JSON.stringify(message)).not.toContain(hold.holdToken);

    const refused = await new Promise<{ ok: boolean; error?: { code: string; seats?: string[] } }>(
      (resolve) => watcher.emit('hold', { eventId: live.eventId, seatIds: ['main-A-2'] }, resolve as never),
    );
    expect(refused).toMatchObject({ ok: false, error: { code: 'SEAT_UNAVAILABLE', seats: ['main-A-2'] } });
  });

  it('an expired hold comes back to watchers within the sweep interval plus one second', async () => {
    const live = await publishedEvent(a, owner, rowsMap(1, 4));
    const watcher = widgetClient(urls[1]!, live);
    await join(watcher, live.eventId);
    const held = await a.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/holds`,
      headers: bearer(live.publishableKey),
      payload: { seats: ['main-A-1'] },
    });
    const { holdToken } = held.json();
    // Move the hold's expiry to now instead of waiting out the 30 s minimum TTL.
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const keys = inventoryKeys(live.eventId);
    const record = JSON.parse((await redis.hget(keys[3]!, holdToken))!);
    const expiresAt = Date.now();
    await redis.hset(keys[3]!, holdToken, JSON.stringify({ ...record, exp: expiresAt }));
    await redis.zadd(keys[4]!, expiresAt, holdToken);
    await redis.quit();

    const { at } = await seatChange(watcher, 'main-A-1', 'available');
    expect(at - expiresAt).toBeLessThan(SWEEP_MS + 1_000);
    const gone = await a.inject({ url: `/api/v1/holds/${holdToken}`, headers: bearer(live.publishableKey) });
    expect(gone.statusCode).toBe(404);
  });

  it("releases a socket's holds when it disconnects and does not come back within the grace period", async () => {
    const live = await publishedEvent(a, owner, rowsMap(1, 4));
    const watcher = widgetClient(urls[1]!, live);
    await join(watcher, live.eventId);
    const holder = widgetClient(urls[0]!, live);
    await join(holder, live.eventId);
    await ack<Hold>((cb) =>
      holder.emit('hold', { eventId: live.eventId, seatIds: ['main-A-3'] }, cb as never),
    );
    const freed = seatChange(watcher, 'main-A-3', 'available');
    const left = Date.now();
    holder.close();
    const { at } = await freed;
    expect(at - left).toBeGreaterThanOrEqual(900);
    expect(at - left).toBeLessThan(4_000);
  });

  it('keeps the hold when the client comes back within the grace period with its token', async () => {
    const live = await publishedEvent(a, owner, rowsMap(1, 4));
    const first = widgetClient(urls[0]!, live);
    await join(first, live.eventId);
    const hold = await ack<Hold>((cb) =>
      first.emit('hold', { eventId: live.eventId, seatIds: ['main-A-4'] }, cb as never),
    );
    first.close();
    const again = widgetClient(urls[1]!, live);
    await ack<Availability>((cb) =>
      again.emit('join', { eventId: live.eventId, holdToken: hold.holdToken }, cb as never),
    );
    await new Promise((resolve) => setTimeout(resolve, 1_800));
    const still = await a.inject({
      url: `/api/v1/holds/${hold.holdToken}`,
      headers: bearer(live.publishableKey),
    });
    expect(still.statusCode).toBe(200);
    expect(still.json().seats).toEqual(['main-A-4']);
  });

  it('refuses a page whose origin is not allowed, on WebSocket and long-polling alike', async () => {
    const live = await publishedEvent(a, owner, rowsMap(1, 2));
    await a.inject({
      method: 'PUT',
      url: `/api/v1/orgs/${owner.orgId}/allowed-origins`,
      headers: bearer(owner.token),
      payload: { allowedOrigins: ['https://tickets.example.com'] },
    });
    for (const transports of [['websocket'], ['polling']] as const) {
      const socket = io(`${urls[0]}/widget`, {
        auth: { publishableKey: live.publishableKey },
        transports: [...transports],
        extraHeaders: { origin: 'https://evil.example' },
        reconnection: false,
      });
      const error = await new Promise<Error & { data?: { code: string } }>((resolve) =>
        socket.on('connect_error', resolve),
      );
      expect(error.message).toBe('ORIGIN_NOT_ALLOWED');
      expect(error.data?.code).toBe('ORIGIN_NOT_ALLOWED');
      socket.close();
    }
    const allowed = widgetClient(urls[0]!, live, { origin: 'https://tickets.example.com' });
    await join(allowed, live.eventId);
    const rest = await a.inject({
      url: `/api/v1/events/${live.eventId}/holds`,
      method: 'POST',
      headers: { ...bearer(live.publishableKey), origin: 'https://evil.example' },
      payload: { seats: ['main-A-1'] },
    });
    expect(rest.statusCode).toBe(403);
    expect(rest.json().error.code).toBe('ORIGIN_NOT_ALLOWED');
  });

  it('console watchers see who holds and who booked, and booking news', async () => {
    const live = await publishedEvent(a, owner, rowsMap(1, 4));
    const consoleSocket = io(`${urls[1]}/console`, {
      auth: { token: owner.token },
      transports: ['websocket'],
    });
    try {
      const snapshot = await ack<Availability>((cb) =>
        consoleSocket.emit('watch', { eventId: live.eventId }, cb as never),
      );
      expect(snapshot.eventId).toBe(live.eventId);
      const held = new Promise<SeatsMessage<ConsoleSeatChange>>((resolve) =>
        consoleSocket.on('seats', resolve as never),
      );
      const booking = new Promise<{ booking: { id: string; status: string } }>((resolve) =>
        consoleSocket.on('booking', resolve as never),
      );
      const stats = new Promise<Record<string, number>>((resolve) =>
        consoleSocket.on('stats', resolve as never),
      );
      const hold = await a.inject({
        method: 'POST',
        url: `/api/v1/events/${live.eventId}/holds`,
        headers: bearer(live.publishableKey),
        payload: { seats: ['main-A-1'] },
      });
      // The hold is named by an opaque holder id, never by its token (a credential).
      const [change] = (await held).changes;
      expect(change).toEqual({
        seatId: 'main-A-1',
        status: 'held',
        holderId: expect.stringMatching(/^hd_/),
        holdExpiresAt: hold.json().expiresAt,
      });
      expect(JSON.stringify(change)).not.toContain(hold.json().holdToken);
      // An extension is announced too: the console's seat details show the later expiry.
      const extendedMessage = new Promise<SeatsMessage<ConsoleSeatChange>>((resolve) =>
        consoleSocket.once('seats', resolve as never),
      );
      const extended = await a.inject({
        method: 'POST',
        url: `/api/v1/holds/${hold.json().holdToken}/extend`,
        headers: bearer(live.publishableKey),
      });
      expect(extended.statusCode).toBe(200);
      expect(extended.json().expiresAt >= hold.json().expiresAt).toBe(true);
      expect((await extendedMessage).changes).toEqual([
        {
          seatId: 'main-A-1',
          status: 'held',
          holderId: change!.holderId,
          holdExpiresAt: extended.json().expiresAt,
        },
      ]);
      const booked = await a.inject({
        method: 'POST',
        url: `/api/v1/events/${live.eventId}/bookings`,
        headers: bearer(live.secretKey),
        payload: { holdToken: hold.json().holdToken, attendee: { email: 'c@example.test', name: 'C' } },
      });
      expect((await booking).booking).toMatchObject({ id: booked.json().booking.id, status: 'confirmed' });
      expect(await stats).toMatchObject({ capacity: 4, held: 1, activeHolds: 1, available: 3 });
      // A console that resyncs still knows whose seat it is.
      const again = await ack<{ holders: Record<string, { bookingId?: string }> }>((cb) =>
        consoleSocket.emit('watch', { eventId: live.eventId }, cb as never),
      );
      expect(again.holders).toEqual({ 'main-A-1': { bookingId: booked.json().booking.id } });

      const stranger = await signup(a, 'console-stranger');
      const other = io(`${urls[0]}/console`, { auth: { token: stranger.token }, transports: ['websocket'] });
      const refused = await new Promise<{ ok: boolean; error?: { code: string } }>((resolve) =>
        other.emit('watch', { eventId: live.eventId }, resolve as never),
      );
      expect(refused).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      other.close();
      const anonymous = io(`${urls[0]}/console`, {
        auth: { token: 'nope' },
        transports: ['websocket'],
        reconnection: false,
      });
      const error = await new Promise<Error>((resolve) => anonymous.on('connect_error', resolve));
      expect(error.message).toBe('UNAUTHENTICATED');
      anonymous.close();
    } finally {
      consoleSocket.close();
    }
  });

  it('rate-limits holds over the socket like over REST', async () => {
    const limited = await buildTestApp({ HOLD_RATE_LIMIT_PER_MINUTE: '2' });
    try {
      await limited.listen({ port: 0, host: '127.0.0.1' });
      const url = `http://127.0.0.1:${(limited.server.address() as { port: number }).port}`;
      const live = await publishedEvent(limited, owner, rowsMap(1, 5));
      const socket = widgetClient(url, live);
      await join(socket, live.eventId);
      const answers: { ok: boolean; error?: { code: string } }[] = [];
      for (let i = 1; i <= 3; i++) {
        answers.push(
          await new Promise((resolve) =>
            socket.emit('hold', { eventId: live.eventId, seatIds: [`main-A-${i}`] }, resolve as never),
          ),
        );
      }
      // Earlier runs may have used this loopback address's budget already: at most two pass.
      expect(answers.filter((answer) => answer.ok).length).toBeLessThanOrEqual(2);
      expect(answers[2]).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    } finally {
      await limited.close();
    }
  });

  it('waitlisted attendees follow their live position', async () => {
    const live = await publishedEvent(a, owner, rowsMap(1, 1));
    const book = (who: string) =>
      a.inject({
        method: 'POST',
        url: `/api/v1/events/${live.eventId}/bookings`,
        headers: bearer(live.secretKey),
        payload: { quantity: 1, attendee: { email: `${who}@example.test`, name: who } },
      });
    expect((await book('buyer')).statusCode).toBe(201);
    const first = (await book('first')).json();
    const second = (await book('second')).json();
    const socket = widgetClient(urls[1]!, live);
    const watched = await ack<{ position: number }>((cb) =>
      socket.emit(
        'waitlist:watch',
        { bookingId: second.booking.id, manageToken: second.manageToken },
        cb as never,
      ),
    );
    expect(watched.position).toBe(2);
    const moved = new Promise<{ bookingId: string; position: number }>((resolve) =>
      socket.on('waitlist', resolve as never),
    );
    await a.inject({
      method: 'POST',
      url: `/api/v1/bookings/${first.booking.id}/cancel`,
      payload: { manageToken: first.manageToken },
    });
    expect(await moved).toMatchObject({ bookingId: second.booking.id, position: 1, status: 'waitlisted' });
    const wrongToken = await new Promise<{ ok: boolean }>((resolve) =>
      socket.emit(
        'waitlist:watch',
        { bookingId: second.booking.id, manageToken: 'mt_wrong' },
        resolve as never,
      ),
    );
    expect(wrongToken.ok).toBe(false);
  });
});
