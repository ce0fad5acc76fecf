/**
 * What each role sees: a console (viewer or admin) never receives a hold token or a manage token,
 * only opaque holder ids, in a busy sale where attendees hold, extend, release and book over REST
 * and widget sockets on two servers. Every payload the consoles receive (snapshots, seats, counts,
 * stats, booking, …) and every REST answer the console reads is recorded and searched for every
 * token issued.
 */
import type {
  ConsoleAvailability,
  ConsoleSeatChange,
  Hold,
  SeatStatus,
  SeatsMessage,
  WidgetClientToServer,
  WidgetServerToClient,
} from '@happening/shared';
import { attendee, type LiveEvent, publishedEvent, rowsMap } from '@happening/testing/inventory';
import {
  addMember,
  bearer,
  buildTestApp,
  type SignedUp,
  signup,
  type TestApp,
} from '@happening/testing/server';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type WidgetSocket = Socket<WidgetServerToClient, WidgetClientToServer>;

let a: TestApp;
let b: TestApp;
const urls: string[] = [];
const sockets: Socket[] = [];
let owner: SignedUp;
let viewer: SignedUp;
let live: LiveEvent;

beforeAll(async () => {
  [a, b] = await Promise.all([buildTestApp(), buildTestApp()]);
  for (const app of [a, b]) {
    await app.listen({ port: 0, host: '127.0.0.1' });
    urls.push(`http://127.0.0.1:${(app.server.address() as { port: number }).port}`);
  }
  owner = await signup(a, 'holder-ids');
  viewer = await addMember(a, owner.orgId, 'viewer');
  live = await publishedEvent(a, owner, rowsMap(2, 10));
});

afterAll(async () => {
  for (const socket of sockets) socket.close();
  await Promise.all([a?.close(), b?.close()]);
});

/** A socket that records everything it receives, as the JSON that went over the wire. */
function recordingSocket(url: string, auth: Record<string, string>) {
  const socket = io(url, { auth, transports: ['websocket'], reconnection: false });
  sockets.push(socket);
  const received: string[] = [];
  const seats: SeatsMessage<ConsoleSeatChange>[] = [];
  const events: string[] = [];
  socket.onAny((event: string, ...args: unknown[]) => {
    received.push(JSON.stringify([event, ...args]));
    events.push(event);
    if (event === 'seats') seats.push(args[0] as SeatsMessage<ConsoleSeatChange>);
  });
  return { socket, received, seats, events };
}

function ack<T>(socket: Socket, event: string, payload: unknown, into: string[]): Promise<T> {
  return new Promise((resolve, reject) =>
    socket.emit(event, payload, (answer: { ok: boolean; data?: T; error?: unknown }) => {
      into.push(JSON.stringify(answer));
      if (answer.ok) resolve(answer.data as T);
      else reject(new Error(JSON.stringify(answer.error)));
    }),
  );
}

/** Every seat's latest change, folding the `seats` messages in the order they arrived. */
function latest(seats: SeatsMessage<ConsoleSeatChange>[]): Map<string, ConsoleSeatChange> {
  const state = new Map<string, ConsoleSeatChange>();
  for (const message of seats) for (const change of message.changes) state.set(change.seatId, change);
  return state;
}

const statusOf = (seats: SeatsMessage<ConsoleSeatChange>[], seatId: string): SeatStatus =>
  latest(seats).get(seatId)?.status ?? 'available';

describe('what a console receives about holds', () => {
  it('never carries a hold token or a manage token, for a viewer or an admin, and groups seats by holder id', async () => {
    const pk = bearer(live.publishableKey);
    const sk = bearer(live.secretKey);
    const eventId = live.eventId;
    // A viewer's console on server A, the admin's on server B, a widget that only watches on B.
    const viewerConsole = recordingSocket(`${urls[0]}/console`, { token: viewer.token });
    const adminConsole = recordingSocket(`${urls[1]}/console`, { token: owner.token });
    const watcher = recordingSocket(`${urls[1]}/widget`, { publishableKey: live.publishableKey });
    const consoles = [viewerConsole, adminConsole];
    for (const console of consoles) {
      await ack(console.socket, 'org:watch', { orgId: owner.orgId }, console.received);
      await ack<ConsoleAvailability>(console.socket, 'watch', { eventId }, console.received);
    }
    await ack(watcher.socket, 'join', { eventId }, watcher.received);

    const holdTokens: string[] = [];
    const manageTokens: string[] = [];
    const bookingIds: string[] = [];
    const rest = async (app: TestApp, method: string, url: string, headers: object, payload?: object) => {
      const response = await app.inject({
        method: method as 'GET',
        url: `/api/v1${url}`,
        headers: headers as Record<string, string>,
        ...(payload ? { payload } : {}),
      });
      expect(response.statusCode, `${method} ${url}: ${response.body}`).toBeLessThan(300);
      return response.statusCode === 204 ? null : response.json();
    };
    const book = async (app: TestApp, body: object) => {
      const created = await rest(app, 'POST', `/events/${eventId}/bookings`, sk, body);
      manageTokens.push(created.manageToken);
      bookingIds.push(created.booking.id);
      return created;
    };

    // Attendee 1 over REST on A: holds two seats, extends, adds a third, books them.
    const first: Hold = await rest(a, 'POST', `/events/${eventId}/holds`, pk, {
      seats: ['main-A-1', 'main-A-2'],
    });
    holdTokens.push(first.holdToken);
    await rest(a, 'POST', `/holds/${first.holdToken}/extend`, pk, {});
    await rest(b, 'POST', `/events/${eventId}/holds`, pk, {
      seats: ['main-A-3'],
      holdToken: first.holdToken,
    });
    await book(a, { holdToken: first.holdToken, attendee: attendee('first') });

    // Attendee 2 on a widget socket on B: holds two seats, releases one, books the other.
    const widget = recordingSocket(`${urls[1]}/widget`, {
      publishableKey: live.publishableKey,
    }) as unknown as {
      socket: WidgetSocket;
      received: string[];
    };
    await ack(widget.socket, 'join', { eventId }, widget.received);
    const second = await ack<Hold>(
      widget.socket,
      'hold',
      { eventId, seatIds: ['main-B-1', 'main-B-2'] },
      widget.received,
    );
    holdTokens.push(second.holdToken);
    await ack(
      widget.socket,
      'release',
      { holdToken: second.holdToken, seatIds: ['main-B-2'] },
      widget.received,
    );
    await book(b, { holdToken: second.holdToken, attendee: attendee('second') });

    // Attendee 3 holds and lets go; attendee 4 books best available, then cancels with the link.
    const third: Hold = await rest(b, 'POST', `/events/${eventId}/holds`, pk, { seats: ['main-A-5'] });
    holdTokens.push(third.holdToken);
    await rest(a, 'DELETE', `/holds/${third.holdToken}`, pk);
    const fourth = await book(a, { quantity: 2, attendee: attendee('fourth') });
    await rest(b, 'POST', `/bookings/${fourth.booking.id}/cancel`, {}, { manageToken: fourth.manageToken });

    // Attendee 5 keeps a hold of two seats open; attendee 6 one seat.
    const fifth: Hold = await rest(a, 'POST', `/events/${eventId}/holds`, pk, {
      seats: ['main-B-5', 'main-B-6'],
    });
    const sixth: Hold = await rest(b, 'POST', `/events/${eventId}/holds`, pk, { seats: ['main-B-9'] });
    holdTokens.push(fifth.holdToken, sixth.holdToken);

    // Everything has reached both consoles: the final seat states, the bookings, stats.
    const expected: Record<string, SeatStatus> = {
      'main-A-1': 'booked',
      'main-A-2': 'booked',
      'main-A-3': 'booked',
      'main-B-1': 'booked',
      'main-B-2': 'available',
      'main-A-5': 'available',
      'main-B-5': 'held',
      'main-B-6': 'held',
      'main-B-9': 'held',
      ...Object.fromEntries(fourth.booking.seats.map((seat: string) => [seat, 'available'])),
    };
    for (const console of consoles) {
      await expect
        .poll(() =>
          Object.fromEntries(Object.keys(expected).map((seat) => [seat, statusOf(console.seats, seat)])),
        )
        .toEqual(expected);
      await expect
        .poll(() => console.received.filter((line) => line.startsWith('["booking"')).length)
        .toBeGreaterThanOrEqual(4);
      await expect.poll(() => console.events.includes('stats')).toBe(true);
      await expect.poll(() => console.events.includes('counts')).toBe(true);
    }
    await expect.poll(() => statusOf(watcher.seats, 'main-B-9')).toBe('held');

    // A console that resyncs, and what the console reads over REST with each member's session.
    const snapshots: ConsoleAvailability[] = [];
    for (const console of consoles)
      snapshots.push(await ack<ConsoleAvailability>(console.socket, 'watch', { eventId }, console.received));
    const restReads: string[] = [];
    for (const member of [viewer, owner]) {
      const session = bearer(member.token);
      for (const url of [
        `/events/${eventId}`,
        `/events/${eventId}/availability`,
        `/events/${eventId}/stats`,
        `/events/${eventId}/bookings`,
        `/events/${eventId}/waitlist`,
        `/events/${eventId}/blocked-seats`,
        `/orgs/${owner.orgId}/events`,
        `/orgs/${owner.orgId}/notifications`,
        ...bookingIds.flatMap((id) => [`/bookings/${id}`, `/bookings/${id}/history`]),
      ]) {
        restReads.push(JSON.stringify(await rest(a, 'GET', url, session)));
      }
    }

    // No token anywhere: not in a snapshot, a seat change, counts, stats, booking news or REST.
    const everything = [
      ...viewerConsole.received,
      ...adminConsole.received,
      ...watcher.received,
      ...restReads,
    ];
    expect(everything.length).toBeGreaterThan(20);
    for (const token of [...holdTokens, ...manageTokens]) {
      const leaks = everything.filter((payload) => payload.includes(token));
      expect(leaks, `${token} reached a console or a watching widget`).toEqual([]);
    }

    // The holder id groups the seats of one hold, the same on both servers, live and in snapshots.
    for (const [index, console] of consoles.entries()) {
      const state = latest(console.seats);
      const holderOf = (seat: string) => state.get(seat)?.holderId;
      expect(holderOf('main-B-5')).toMatch(/^hd_[A-Za-z0-9_-]{16}$/);
      expect(holderOf('main-B-6')).toBe(holderOf('main-B-5'));
      expect(holderOf('main-B-9')).toMatch(/^hd_/);
      expect(holderOf('main-B-9')).not.toBe(holderOf('main-B-5'));
      expect(snapshots[index]!.holders).toMatchObject({
        'main-B-5': { holderId: holderOf('main-B-5') },
        'main-B-6': { holderId: holderOf('main-B-5') },
        'main-B-9': { holderId: holderOf('main-B-9') },
        'main-A-1': { bookingId: bookingIds[0] },
      });
      expect(latestHolder(viewerConsole.seats, 'main-B-5')).toBe(
        latestHolder(adminConsole.seats, 'main-B-5'),
      );
    }

    // And a holder id is no credential: it neither reads, extends, releases nor books the hold.
    const holderId = latest(viewerConsole.seats).get('main-B-5')!.holderId!;
    for (const [method, url, headers, payload] of [
      ['GET', `/api/v1/holds/${holderId}`, pk, undefined],
      ['POST', `/api/v1/holds/${holderId}/extend`, pk, {}],
      ['DELETE', `/api/v1/holds/${holderId}`, pk, undefined],
      [
        'POST',
        `/api/v1/events/${eventId}/bookings`,
        sk,
        { holdToken: holderId, attendee: attendee('thief') },
      ],
    ] as const) {
      const response = await a.inject({ method, url, headers, ...(payload ? { payload } : {}) });
      expect([400, 403, 404], `${method} ${url}`).toContain(response.statusCode);
    }
    const stillHeld = await a.inject({ url: `/api/v1/holds/${fifth.holdToken}`, headers: pk });
    expect(stillHeld.json().seats).toEqual(['main-B-5', 'main-B-6']);
  });
});

const latestHolder = (seats: SeatsMessage<ConsoleSeatChange>[], seatId: string) =>
  latest(seats).get(seatId)?.holderId;
