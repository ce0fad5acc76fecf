/**
 * The waiting room (issue 13) end to end on one server: the pre-queue, the opening, admission by
 * the meters, the admission gate in front of holds and bookings, sold out with the waitlist
 * offered, the partners' webhooks and the socket that follows a ticket.
 */

import { inventoryKeys } from '@happening/server/inventory/keys';
import type { QueueTicketState, WaitingRoomStats } from '@happening/shared';
import { attendee, type LiveEvent, publishedEvent, rowsMap } from '@happening/testing/inventory';
import { joinLine, POW_TEST_ENV, randomAddress } from '@happening/testing/proof-of-work';
import { bearer, buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import { connected, openSockets, send, urlOf, widgetSocket } from '@happening/testing/sockets';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let app: TestApp;
let owner: SignedUp;
beforeAll(async () => {
  app = await buildTestApp({
    ...POW_TEST_ENV,
    QUEUE_TICK_MS: '100',
    QUEUE_PUSH_INTERVAL_MS: '100',
    QUEUE_STATS_INTERVAL_MS: '300',
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  owner = await signup(app, 'waiting-room');
});
afterAll(async () => {
  for (const socket of openSockets) socket.close();
  await app?.close();
});

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();
const ticketState = async (live: LiveEvent, ticket: string): Promise<QueueTicketState> =>
  (await app.inject({ url: `/api/v1/queue/${ticket}`, headers: bearer(live.publishableKey) })).json();
const hold = (live: LiveEvent, payload: Record<string, unknown>, remoteAddress = randomAddress()) =>
  app.inject({
    method: 'POST',
    url: `/api/v1/events/${live.eventId}/holds`,
    headers: bearer(live.publishableKey),
    remoteAddress,
    payload,
  });
const control = (live: LiveEvent, what: string) =>
  app.inject({
    method: 'POST',
    url: `/api/v1/events/${live.eventId}/sale/${what}`,
    headers: bearer(owner.token),
  });
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The event's outbox rows of a queue webhook, once there is at least one. */
const queuedWebhooks = (type: 'queue_opened' | 'queue_sold_out', live: LiveEvent) =>
  until(
    async () =>
      (
        await app.pg.query<{ payload: Record<string, unknown> }>(
          `SELECT payload FROM outbox WHERE type = $1 AND payload->>'eventId' = $2`,
          [type, live.eventId],
        )
      ).rows,
    (rows) => rows.length > 0,
    `the ${type} outbox row`,
  );

describe('the line', () => {
  it('pre-queues before the opening, draws distinct places at opening, and admits by the rate', async () => {
    const live = await publishedEvent(app, owner, rowsMap(2, 10), {
      onSaleAt: inAnHour(),
      waitingRoom: { enabled: true, admitPerMinute: 12 },
    });
    const joined = await Promise.all(Array.from({ length: 8 }, () => joinLine(app, live, 2)));
    expect(joined.map((answer) => answer.statusCode)).toEqual(Array(8).fill(201));
    const tickets = joined.map((answer) => answer.json() as QueueTicketState);
    for (const ticket of tickets) {
      expect(ticket).toMatchObject({ state: 'waiting', preQueue: true, position: null, partySize: 2 });
    }
    // Before the opening nobody holds, admitted or not.
    expect((await hold(live, { seats: ['main-A-1'] })).json().error.code).toBe('NOT_ON_SALE');

    expect((await control(live, 'open')).statusCode).toBe(200);
    const placed = await Promise.all(tickets.map((ticket) => ticketState(live, ticket.ticket)));
    const positions = placed.map((state) => state.position ?? state.state);
    // 12 a minute is a burst of one and one every 5 s: at most one is admitted yet.
    expect(placed.filter((state) => state.state === 'admitted').length).toBeLessThanOrEqual(1);
    const waitingPositions = placed
      .filter((state) => state.state === 'waiting')
      .map((state) => state.position);
    expect(new Set(waitingPositions).size).toBe(waitingPositions.length);
    expect(waitingPositions.every((position) => position !== null && position >= 1 && position <= 8)).toBe(
      true,
    );
    expect(positions).toHaveLength(8);

    // The opening is announced by whichever admission tick sees it first: the route's own, or the
    // background ticker's, which may still be writing its outbox row when the route answers.
    const rows = await queuedWebhooks('queue_opened', live);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.payload.waiting).toBe(8);
  });

  it('refuses holds without an admission, lets the admitted hold once and ends the admission at booking', async () => {
    const live = await publishedEvent(app, owner, rowsMap(2, 10), {
      directBooking: true,
      waitingRoom: { enabled: true, maxActiveShoppers: 1 },
    });
    const first = (await joinLine(app, live, 2)).json() as QueueTicketState;
    const second = (await joinLine(app, live, 2)).json() as QueueTicketState;

    const none = await hold(live, { seats: ['main-A-1'] });
    expect(none.statusCode).toBe(403);
    expect(none.json().error).toMatchObject({ code: 'ADMISSION_REQUIRED', reason: 'missing' });
    const forged = await hold(live, { seats: ['main-A-1'], admissionToken: 'adm1.nope' });
    expect(forged.json().error.code).toBe('ADMISSION_REQUIRED');

    const admitted = await until(
      () => ticketState(live, first.ticket),
      (s) => s.state === 'admitted',
      'admission',
    );
    expect(admitted.admissionToken).toBeTruthy();
    // One active shopper at most: the second waits at the head of the line.
    expect(await ticketState(live, second.ticket)).toMatchObject({ state: 'waiting', position: 1, ahead: 0 });

    // The admission is worth its party (2): a bigger hold is refused, and the refusal leaves the
    // admission free for the next try.
    const tooMany = await hold(live, {
      seats: ['main-A-1', 'main-A-2', 'main-A-3'],
      admissionToken: admitted.admissionToken,
    });
    expect(tooMany.statusCode).toBe(409);
    expect(tooMany.json().error).toMatchObject({ code: 'HOLD_LIMIT_EXCEEDED', max: 2 });
    const held = await hold(live, { seats: ['main-A-1'], admissionToken: admitted.admissionToken });
    expect(held.statusCode).toBe(200);
    const again = await hold(live, { seats: ['main-A-2'], admissionToken: admitted.admissionToken });
    expect(again.json().error).toMatchObject({ code: 'ADMISSION_REQUIRED', reason: 'in_use' });
    const added = await hold(live, {
      seats: ['main-A-2'],
      holdToken: held.json().holdToken,
      admissionToken: admitted.admissionToken,
    });
    expect(added.statusCode).toBe(200);
    // Nor may places added later take the hold past the party.
    const pastParty = await hold(live, {
      seats: ['main-A-3'],
      holdToken: held.json().holdToken,
      admissionToken: admitted.admissionToken,
    });
    expect(pastParty.json().error).toMatchObject({ code: 'HOLD_LIMIT_EXCEEDED', max: 2 });
    const socket = widgetSocket(urlOf(app), live.publishableKey);
    expect(await connected(socket)).toBe('connected');
    const bySocket = await send(socket, 'hold', {
      eventId: live.eventId,
      seatIds: ['main-A-3'],
      holdToken: held.json().holdToken,
      admissionToken: admitted.admissionToken,
    });
    expect(bySocket).toMatchObject({ ok: false, error: { code: 'HOLD_LIMIT_EXCEEDED', max: 2 } });
    socket.close();

    const booked = await app.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/bookings`,
      headers: bearer(live.secretKey),
      payload: { holdToken: held.json().holdToken, attendee: attendee('first') },
    });
    expect(booked.statusCode).toBe(201);
    // The booking ended the first admission, which frees the one shopper's place for the second.
    const next = await until(
      () => ticketState(live, second.ticket),
      (s) => s.state === 'admitted',
      'the next',
    );
    expect((await ticketState(live, first.ticket)).state).toBe('expired');
    const direct = await app.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/bookings`,
      headers: bearer(live.publishableKey),
      payload: { quantity: 3, attendee: attendee('second'), admissionToken: next.admissionToken },
    });
    expect(direct.json().error).toMatchObject({ code: 'ADMISSION_REQUIRED', reason: 'party_size' });
    const withinParty = await app.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/bookings`,
      headers: bearer(live.publishableKey),
      payload: { quantity: 2, attendee: attendee('second'), admissionToken: next.admissionToken },
    });
    expect(withinParty.statusCode).toBe(201);
  });

  it('needs a fresh proof of work for every publishable-key join', async () => {
    const live = await publishedEvent(app, owner, rowsMap(1, 4), { waitingRoom: { enabled: true } });
    const bare = await app.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/queue`,
      headers: bearer(live.publishableKey),
      payload: { partySize: 1 },
    });
    expect(bare.statusCode).toBe(428);
    expect(bare.json().error.code).toBe('CHALLENGE_REQUIRED');
    const off = await publishedEvent(app, owner, rowsMap(1, 4));
    expect((await joinLine(app, off)).json().error.code).toBe('QUEUE_CLOSED');
    expect(
      (
        await app.inject({
          url: `/api/v1/queue/${live.eventId}.q_${'A'.repeat(22)}`,
          headers: bearer(live.publishableKey),
        })
      ).json().error.code,
    ).toBe('QUEUE_TICKET_NOT_FOUND');
  });

  it('tells everyone waiting at once when the event sells out, and offers the waitlist with their party size', async () => {
    const live = await publishedEvent(app, owner, rowsMap(1, 2), {
      directBooking: true,
      waitingRoom: { enabled: true, maxActiveShoppers: 1 },
    });
    const first = (await joinLine(app, live, 2)).json() as QueueTicketState;
    const rest = await Promise.all(
      Array.from({ length: 3 }, async () => (await joinLine(app, live, 1)).json()),
    );
    const socket = widgetSocket(urlOf(app), live.publishableKey);
    expect(await connected(socket)).toBe('connected');
    const pushed: QueueTicketState[] = [];
    socket.on('queue', (state) => pushed.push(state));
    const follow = await send(socket, 'queue:follow', { ticket: rest[2].ticket });
    expect(follow).toMatchObject({ ok: true, data: { state: 'waiting' } });
    // Followed by this server alone: no Redis channel per ticket (a line of 50,000 would be 50,000).
    expect(
      await app.redis.call('PUBSUB', 'SHARDCHANNELS', `socket.io#/widget#queue-ticket:${live.eventId}*`),
    ).toEqual([]);

    const admitted = await until(
      () => ticketState(live, first.ticket),
      (s) => s.state === 'admitted',
      'admission',
    );
    // The line's order, which the waitlist must keep.
    const inLine = await Promise.all(rest.map((ticket) => ticketState(live, ticket.ticket)));
    expect(inLine.map((state) => state.position).sort()).toEqual([1, 2, 3]);
    const booked = await app.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/bookings`,
      headers: bearer(live.publishableKey),
      payload: { quantity: 2, attendee: attendee('all'), admissionToken: admitted.admissionToken },
    });
    expect(booked.statusCode).toBe(201);

    const told = await Promise.all(
      rest.map((ticket) =>
        until(
          () => ticketState(live, ticket.ticket),
          (s) => s.state === 'sold_out',
          'sold out',
        ),
      ),
    );
    for (const state of told) expect(state).toMatchObject({ waitlistOffered: true, position: null });
    await until(
      async () => pushed.at(-1)?.state,
      (state) => state === 'sold_out',
      'the push',
    );

    const join = (quantity: number, state: QueueTicketState, name = 'told') =>
      app.inject({
        method: 'POST',
        url: `/api/v1/events/${live.eventId}/bookings`,
        headers: bearer(live.publishableKey),
        payload: { quantity, attendee: attendee(name), admissionToken: state.admissionToken },
      });
    // Last in line clicks first: it must not overtake the others on the waitlist.
    const byClick = told
      .map((state, index) => ({ state, position: inLine[index]!.position! }))
      .sort((a, b) => b.position - a.position);
    expect((await join(2, byClick[0]!.state)).json().error.reason).toBe('party_size');
    // The sell-out's webhook is queued once the sell-out's waitlist number is drawn.
    const soldOutRows = await queuedWebhooks('queue_sold_out', live);
    expect(soldOutRows.map((row) => row.payload)).toMatchObject([{ waiting: 3, waitlistOffered: true }]);
    // A partner backend's waitlist join after the sell-out comes after everyone the line told.
    const partner = await app.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/bookings`,
      headers: bearer(live.secretKey),
      payload: { quantity: 1, attendee: attendee('partner') },
    });
    expect(partner.statusCode).toBe(202);
    const joined: { position: number; booking: string }[] = [];
    for (const { state, position } of byClick) {
      const answer = await join(1, state, `line-${position}`);
      expect(answer.statusCode).toBe(202);
      joined.push({ position, booking: answer.json().booking.id });
    }
    expect((await join(1, byClick[0]!.state)).json().error.reason).toBe('used');
    const waitlist = await app.pg.query<{ name: string }>(
      `SELECT attendee_name AS name FROM bookings
       WHERE event_id = $1 AND status = 'waitlisted' ORDER BY waitlist_seq`,
      [live.eventId],
    );
    expect(waitlist.rows.map((row) => row.name)).toEqual([
      attendee('line-1').name,
      attendee('line-2').name,
      attendee('line-3').name,
      attendee('partner').name,
    ]);
    // Redis serves the waitlist in the same order (its scores are the same numbers).
    const served = await app.redis.zrange(`inv:{${live.eventId}}:wl`, 0, -1);
    expect(served.slice(0, 3)).toEqual(
      [...joined].sort((a, b) => a.position - b.position).map((entry) => entry.booking),
    );

    // Whoever comes to the line after the sell-out is told at once, with the waitlist offered.
    const late = await joinLine(app, live, 1);
    expect(late.statusCode).toBe(201);
    expect(late.json()).toMatchObject({ state: 'sold_out', waitlistOffered: true, position: null });

    const stats = (
      await app.inject({ url: `/api/v1/events/${live.eventId}/queue/stats`, headers: bearer(owner.token) })
    ).json() as WaitingRoomStats;
    expect(stats).toMatchObject({ waiting: 0, enabled: true, expectedSellOutSeconds: 0 });
    expect(stats.series.length).toBeGreaterThan(0);
  });

  it('gates socket holds too, and pushes the line to consoles watching the event', async () => {
    const live = await publishedEvent(app, owner, rowsMap(1, 6), {
      waitingRoom: { enabled: true, admitPerMinute: 60 },
    });
    const ticket = (await joinLine(app, live, 1)).json() as QueueTicketState;
    const socket = widgetSocket(urlOf(app), live.publishableKey);
    expect(await connected(socket)).toBe('connected');
    const refused = await send(socket, 'hold', { eventId: live.eventId, seatIds: ['main-A-1'] });
    expect(refused).toMatchObject({ ok: false, error: { code: 'ADMISSION_REQUIRED' } });
    const admitted = await until(
      () => ticketState(live, ticket.ticket),
      (s) => s.state === 'admitted',
      'admission',
    );
    const held = await send(socket, 'hold', {
      eventId: live.eventId,
      seatIds: ['main-A-1'],
      admissionToken: admitted.admissionToken!,
    });
    expect(held).toMatchObject({ ok: true });

    const consoleSocket = io(`${urlOf(app)}/console`, {
      auth: { token: owner.token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    try {
      const stats = new Promise<WaitingRoomStats>((resolve) => consoleSocket.on('queue-stats', resolve));
      await new Promise((resolve) => consoleSocket.emit('watch', { eventId: live.eventId }, resolve));
      expect(await stats).toMatchObject({
        eventId: live.eventId,
        enabled: true,
        admitPerMinute: 60,
        activeShoppers: 1,
      });
    } finally {
      consoleSocket.close();
    }
  });

  it('admits even when the idle inventory was evicted during a long pre-queue (it is loaded back)', async () => {
    const live = await publishedEvent(app, owner, rowsMap(1, 4), { waitingRoom: { enabled: true } });
    // As an eviction leaves it: none of the event's inventory keys in Redis.
    await app.redis.del(...inventoryKeys(live.eventId));
    const ticket = (await joinLine(app, live, 1)).json() as QueueTicketState;
    await until(
      () => ticketState(live, ticket.ticket),
      (s) => s.state === 'admitted',
      'admission after a reload',
    );
  });
});
