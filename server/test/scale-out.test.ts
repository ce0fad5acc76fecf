/**
 * Fault drills of a scaled-out deployment on one machine: a local Redis Cluster (3 primaries, 3
 * replicas), 3 server processes and 2 worker processes, started as `npm start` starts them.
 *
 * 1. 2,000 hold→book attempts on 100 seats, spread over the 3 servers, half over REST and half
 *    from widget sockets: exactly 100 sold, none twice (PostgreSQL), every acknowledged booking
 *    there with its seat, every other attempt refused with 409, and each booking's email
 *    delivered once by the workers.
 * 2. A server SIGKILLed mid-sale: widget clients holding seats on it reconnect to the next server
 *    of their list within the hold grace period, re-attach their holds (`join` with the hold
 *    token, as the widget does on reconnect) and book them; nothing oversold, no held seat taken.
 *
 * Notifications go to a queue of this file's own on the shared broker (deleted afterwards).
 */
import { randomUUID } from 'node:crypto';
import type { Ack, Hold } from '@happening/shared';
import { type LocalRedisCluster, startRedisCluster } from '@happening/testing';
import { attendee, type LiveEvent, publishedEvent, rowsMap } from '@happening/testing/inventory';
import {
  type Child,
  deletePipeline,
  TestSmtp,
  testRetry,
  uniqueQueue,
  waitFor,
} from '@happening/testing/notifications';
import {
  killAll,
  type ServerProcess,
  startServerProcess,
  startWorkerProcess,
} from '@happening/testing/processes';
import { buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import type { WidgetSocket } from '@happening/testing/sockets';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const queue = uniqueQueue();
const smtp = new TestSmtp();
let cluster: LocalRedisCluster;
let admin: TestApp;
let owner: SignedUp;
let servers: ServerProcess[] = [];
const children: Child[] = [];
const sockets: WidgetSocket[] = [];

beforeAll(async () => {
  await smtp.start();
  // Not a Redis failover drill (redis-cluster-failover.test.ts is): a node timeout long enough
  // that a loaded machine starving a node for a moment does not promote its replica.
  cluster = await startRedisCluster({ nodeTimeoutMs: 15_000 });
  const redis = { REDIS_CLUSTER_NODES: cluster.seeds };
  // In-process, for setting up events and reading PostgreSQL; it serves no attendee.
  admin = await buildTestApp(redis);
  owner = await signup(admin, 'scale-out');
  const serverEnv = {
    ...redis,
    NOTIFICATIONS_QUEUE: queue,
    // Every server relays this organization's outbox rows (they compete, as in production).
    OUTBOX_RELAY_ENABLED: 'true',
    OUTBOX_RELAY_ORG_IDS: owner.orgId,
    // The drill's attendees come through "a proxy" (the test) that names them in X-Forwarded-For.
    TRUST_PROXY: '127.0.0.1',
    SOCKET_HOLD_GRACE_SECONDS: '30',
    // Each drill socket holds again and again, faster than an attendee clicks.
    SOCKET_MESSAGES_PER_MINUTE: '100000',
    // The shared PostgreSQL's max_connections serves every test file at once: a small pool each.
    PG_POOL_SIZE: '5',
    // Errors only: what a failed assertion shows (serverErrors), nothing on a good run.
    LOG_LEVEL: 'error',
  };
  const workers = Promise.all([0, 1].map(() => startWorkerProcess(queue, smtp.url, redis)));
  servers = await Promise.all([0, 1, 2].map(() => startServerProcess(serverEnv)));
  children.push(...servers, ...(await workers));
}, 180_000);

afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await killAll(children);
  await admin?.close();
  await smtp.stop();
  await cluster?.stop();
  await deletePipeline(queue, testRetry);
}, 60_000);

/** The error lines the server processes logged (the last few kB of each), for failure messages. */
const serverErrors = () =>
  servers
    .flatMap((server) => server.output().split('\n'))
    .filter((line) => line.includes('"level":50'))
    .join('\n');

let addresses = 0;
/** An attendee's own address, so per-address caps see many people, as in a real sale. */
const nextAddress = () => {
  const n = addresses++;
  return `10.${20 + Math.floor(n / 62_500)}.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`;
};

/** The parts of a REST answer the drill reads. */
interface Reply {
  holdToken?: string;
  booking?: { id: string };
  error?: { code: string };
}

async function post(
  url: string,
  key: string,
  body: unknown,
  address: string,
): Promise<{ status: number; body: Reply }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
      'x-forwarded-for': address,
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, body: (await response.json()) as Reply };
}

function widget(url: string, publishableKey: string, address: string): WidgetSocket {
  const socket: WidgetSocket = io(`${url}/widget`, {
    auth: { publishableKey },
    transports: ['websocket'],
    extraHeaders: { 'x-forwarded-for': address },
    reconnection: false,
    forceNew: true,
  });
  sockets.push(socket);
  return socket;
}

function emit<T>(socket: WidgetSocket, event: 'hold' | 'join', payload: unknown): Promise<Ack<T>> {
  return new Promise((resolve) =>
    (socket.emit as (event: string, payload: unknown, ack: (answer: Ack<T>) => void) => void)(
      event,
      payload,
      resolve,
    ),
  );
}

async function opened(socket: WidgetSocket): Promise<void> {
  if (socket.connected) return;
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
}

interface Attempt {
  seat: string;
  via: 'rest' | 'socket';
  hold: number | string;
  book?: number;
  bookingId?: string;
  email?: string;
}

const seatOf = (n: number) => `main-${String.fromCharCode(65 + (n % 4))}-${(Math.floor(n / 4) % 25) + 1}`;

/** The partner's backend books a hold with the secret key (after payment), on any server. */
async function bookHold(live: LiveEvent, server: ServerProcess, holdToken: string, who: string) {
  const booked = await post(
    `${server.url}/api/v1/events/${live.eventId}/bookings`,
    live.secretKey,
    { holdToken, attendee: attendee(who) },
    nextAddress(),
  );
  return { status: booked.status, bookingId: booked.body.booking?.id };
}

async function soldInPostgres(eventId: string): Promise<{ id: string; seat_id: string; email: string }[]> {
  const { rows } = await admin.pg.query(
    `SELECT b.id, s.seat_id, b.attendee_email AS email FROM bookings b
       JOIN booking_seats s ON s.booking_id = b.id AND s.active
     WHERE b.event_id = $1 AND b.status = 'confirmed'`,
    [eventId],
  );
  return rows;
}

describe('3 servers and 2 workers on a Redis Cluster', () => {
  it('2,000 hold→book attempts on 100 seats: exactly 100 sold, none twice, each email once', async () => {
    const live = await publishedEvent(admin, owner, rowsMap(4, 25));
    const run = randomUUID().slice(0, 8);
    const attempts: Attempt[] = [];
    const TOTAL = 2_000;
    let next = 0;
    const take = () => (next < TOTAL ? next++ : null);
    const who = (i: number) => `${run}-${i}`;

    // Half the attempts over REST, round-robin over the servers, 30 at a time.
    const restLane = async () => {
      for (let i = take(); i !== null; i = take()) {
        if (i % 2 === 1) {
          socketQueue.push(i);
          continue;
        }
        const seat = seatOf(Math.floor(Math.random() * 100));
        const server = servers[i % 3]!;
        const held = await post(
          `${server.url}/api/v1/events/${live.eventId}/holds`,
          live.publishableKey,
          { seats: [seat] },
          nextAddress(),
        );
        if (held.status !== 200) {
          attempts.push({ seat, via: 'rest', hold: held.status });
          continue;
        }
        const booked = await bookHold(live, servers[(i + 1) % 3]!, held.body.holdToken!, who(i));
        attempts.push({
          seat,
          via: 'rest',
          hold: 200,
          book: booked.status,
          bookingId: booked.bookingId,
          email: attendee(who(i)).email,
        });
      }
    };
    // The other half from 30 widget sockets, 10 on each server, each holding then booking in turn.
    const socketQueue: number[] = [];
    let restDone = false;
    const socketLane = async (lane: number) => {
      const server = servers[lane % 3]!;
      const socket = widget(server.url, live.publishableKey, nextAddress());
      await opened(socket);
      const joined = await emit(socket, 'join', { eventId: live.eventId });
      expect(joined.ok).toBe(true);
      for (;;) {
        const i = socketQueue.shift() ?? (next < TOTAL ? take() : null);
        if (i === null || i === undefined) {
          if (restDone) return;
          await new Promise((resolve) => setTimeout(resolve, 10));
          continue;
        }
        const seat = seatOf(Math.floor(Math.random() * 100));
        const held = await emit<Hold>(socket, 'hold', { eventId: live.eventId, seatIds: [seat] });
        if (!held.ok) {
          attempts.push({ seat, via: 'socket', hold: held.error.code });
          continue;
        }
        const booked = await bookHold(live, servers[(lane + 1) % 3]!, held.data.holdToken, who(i));
        attempts.push({
          seat,
          via: 'socket',
          hold: 200,
          book: booked.status,
          bookingId: booked.bookingId,
          email: attendee(who(i)).email,
        });
      }
    };
    const started = Date.now();
    const sockets = Array.from({ length: 30 }, (_, lane) => socketLane(lane));
    await Promise.all(Array.from({ length: 30 }, restLane));
    restDone = true;
    await Promise.all(sockets);
    const saleMs = Date.now() - started;

    expect(attempts).toHaveLength(TOTAL);
    expect(attempts.filter((a) => a.via === 'socket').length).toBeGreaterThan(500);
    const sold = attempts.filter((a) => a.book === 201);
    // Every other attempt was told no: 409 over REST, SEAT_UNAVAILABLE in a socket's ack.
    const refused = attempts.filter((a) => a.book !== 201);
    expect(
      refused.filter((a) => a.hold !== 409 && a.hold !== 'SEAT_UNAVAILABLE'),
      serverErrors(),
    ).toEqual([]);
    expect(sold).toHaveLength(100);
    expect(new Set(sold.map((a) => a.seat)).size).toBe(100);

    const rows = await soldInPostgres(live.eventId);
    expect(rows).toHaveLength(100);
    expect(new Set(rows.map((r) => r.seat_id)).size).toBe(100);
    expect(rows.map((r) => `${r.id} ${r.seat_id}`).sort()).toEqual(
      sold.map((a) => `${a.bookingId} ${a.seat}`).sort(),
    );

    // The workers deliver each booking's confirmation once: one email per person.
    const emails = new Set(sold.map((a) => a.email!));
    const mine = () => smtp.mails.filter((mail) => emails.has(mail.to[0]!));
    await waitFor(
      () => new Set(mine().map((mail) => mail.to[0])).size === 100,
      'the 100 booking emails',
      60_000,
    );
    const byPerson = new Map<string, Set<string>>();
    for (const mail of mine())
      byPerson.set(mail.to[0]!, (byPerson.get(mail.to[0]!) ?? new Set()).add(mail.messageIdHeader));
    expect([...byPerson.values()].filter((ids) => ids.size !== 1)).toEqual([]);
    console.info(
      `[drill] scale-out: ${TOTAL} attempts (${attempts.filter((a) => a.via === 'socket').length} from sockets) ` +
        `in ${saleMs} ms over 3 servers: ${sold.length} sold, ${refused.length} refused, ` +
        `${mine().length} emails for ${byPerson.size} people`,
    );
  }, 120_000);

  it('a server SIGKILLed mid-sale: its widget clients reconnect elsewhere, keep their holds and book them', async () => {
    const live = await publishedEvent(admin, owner, rowsMap(4, 25));
    const run = randomUUID().slice(0, 8);
    const [victim, ...others] = servers as [ServerProcess, ServerProcess, ServerProcess];
    // 20 attendees on the victim, each holding one seat (the first 20 seats).
    const clients = await Promise.all(
      Array.from({ length: 20 }, async (_, n) => {
        const address = nextAddress();
        const socket = widget(victim.url, live.publishableKey, address);
        await opened(socket);
        await emit(socket, 'join', { eventId: live.eventId });
        const held = await emit<Hold>(socket, 'hold', { eventId: live.eventId, seatIds: [seatOf(n)] });
        if (!held.ok) throw new Error(`hold refused: ${held.error.code}`);
        return {
          n,
          address,
          socket,
          holdToken: held.data.holdToken,
          disconnected: new Promise((resolve) => socket.once('disconnect', resolve)),
        };
      }),
    );
    // Meanwhile others buy on the two other servers, trying every seat (the held ones too).
    let selling = true;
    const others409: string[] = [];
    const rest: Attempt[] = [];
    const buyer = async (lane: number) => {
      while (selling) {
        const seat = seatOf(Math.floor(Math.random() * 100));
        const server = others[lane % 2]!;
        const held = await post(
          `${server.url}/api/v1/events/${live.eventId}/holds`,
          live.publishableKey,
          { seats: [seat] },
          nextAddress(),
        );
        if (held.status !== 200) {
          others409.push(seat);
          rest.push({ seat, via: 'rest', hold: held.status });
          continue;
        }
        const booked = await bookHold(live, server, held.body.holdToken!, `${run}-rest-${rest.length}`);
        rest.push({ seat, via: 'rest', hold: 200, book: booked.status, bookingId: booked.bookingId });
      }
    };
    const buyers = Array.from({ length: 10 }, (_, lane) => buyer(lane));
    await new Promise((resolve) => setTimeout(resolve, 300));

    const killedAt = Date.now();
    victim.process.kill('SIGKILL');
    await victim.exited;
    // Each client notices, and reconnects to the next server of its list, re-attaching its hold.
    const reattached = await Promise.all(
      clients.map(async (client) => {
        await client.disconnected;
        const socket = widget(others[client.n % 2]!.url, live.publishableKey, client.address);
        await opened(socket);
        const joined = await emit(socket, 'join', { eventId: live.eventId, holdToken: client.holdToken });
        return joined.ok;
      }),
    );
    const reconnectedMs = Date.now() - killedAt;
    expect(reattached.every(Boolean)).toBe(true);
    // …and books it: every hold survived the server that made it.
    const bookings = await Promise.all(
      clients.map((client) =>
        bookHold(live, others[(client.n + 1) % 2]!, client.holdToken, `${run}-widget-${client.n}`),
      ),
    );
    selling = false;
    await Promise.all(buyers);
    expect(bookings.map((b) => b.status)).toEqual(clients.map(() => 201));

    // Nothing oversold, and none of the held seats went to anybody else.
    const rows = await soldInPostgres(live.eventId);
    expect(new Set(rows.map((r) => r.seat_id)).size).toBe(rows.length);
    const heldSeats = new Map(clients.map((client, i) => [seatOf(client.n), bookings[i]!.bookingId]));
    for (const row of rows) if (heldSeats.has(row.seat_id)) expect(row.id).toBe(heldSeats.get(row.seat_id));
    const restSold = rest.filter((a) => a.book === 201);
    expect(restSold.filter((a) => heldSeats.has(a.seat))).toEqual([]);
    expect(
      rest.filter((a) => a.hold !== 200 && a.hold !== 409),
      serverErrors(),
    ).toEqual([]);
    expect(rows.length).toBe(20 + restSold.length);
    console.info(
      `[drill] server SIGKILL: 20 widget holds on the killed server, all re-attached on another ` +
        `${reconnectedMs} ms after the kill and booked; ${restSold.length} sold meanwhile on the others, ` +
        `${rest.length - restSold.length} refused`,
    );
  }, 120_000);
});
