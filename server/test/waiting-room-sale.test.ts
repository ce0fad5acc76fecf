/**
 * A hot on-sale behind the waiting room (issue 13), on two server processes: 2,000 attendees join
 * the pre-queue (REST, with proof of work; some follow their ticket over a socket), the sale
 * opens, admission is metered, admitted attendees hold and book, one server is killed mid-sale,
 * and everyone ends admitted or told sold out with the waitlist offered.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { QueueTicketState } from '@happening/shared';
import { testEnv } from '@happening/testing/env';
import { attendee, type LiveEvent, publishedEvent, rowsMap } from '@happening/testing/inventory';
import { solve } from '@happening/testing/proof-of-work';
import { bearer, buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import { Redis } from 'ioredis';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scriptKeys } from '../src/inventory/keys.js';
import { defineQueueCommand, runQueueScript } from '../src/waiting-room/queue-script.js';

const ATTENDEES = 2_000;
const FOLLOWERS = 300;
const SEATS = 120;
const RATE = 600; // a minute: a burst of 50, then 10 a second
const MAX_ACTIVE = 25;

const serverEntry = fileURLToPath(new URL('../src/server.ts', import.meta.url));
const serverDir = fileURLToPath(new URL('..', import.meta.url));

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

interface Child {
  url: string;
  process: ChildProcess;
  exited: Promise<unknown>;
}

async function startChild(): Promise<Child> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', serverEntry], {
    cwd: serverDir,
    env: {
      ...process.env,
      ...testEnv({
        PORT: String(port),
        POW_MAX_NUMBER: '50',
        QUEUE_TICK_MS: '200',
        QUEUE_PUSH_INTERVAL_MS: '300',
        QUEUE_STATS_INTERVAL_MS: '500',
      }),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 40_000;
  for (;;) {
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error('server process did not get ready');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { url, process: child, exited };
}

let admin: TestApp;
let owner: SignedUp;
let servers: Child[] = [];
const sockets: Socket[] = [];
let closing = false;
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
defineQueueCommand(redis as never);

beforeAll(async () => {
  // The organizer's side in this process (it also ticks, as a third server would).
  [admin, ...servers] = (await Promise.all([
    buildTestApp({ POW_MAX_NUMBER: '50' }),
    startChild(),
    startChild(),
  ])) as [TestApp, Child, Child];
  owner = await signup(admin, 'hot-sale');
}, 60_000);
afterAll(async () => {
  closing = true;
  for (const socket of sockets) socket.close();
  for (const server of servers) {
    if (server.process.exitCode === null && server.process.signalCode === null) {
      server.process.kill('SIGTERM');
      const stuck = setTimeout(() => server.process.kill('SIGKILL'), 10_000);
      await server.exited;
      clearTimeout(stuck);
    }
  }
  await admin?.close();
  redis.disconnect();
});

// biome-ignore lint/suspicious/noExplicitAny: answers are read as JSON of several shapes
async function api<T = any>(
  url: string,
  path: string,
  key: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${url}/api/v1${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json().catch(() => ({}))) as T };
}

/** Runs `work` over `items` with at most `limit` at once. */
async function pool<T, R>(items: T[], limit: number, work: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]!, i);
      }
    }),
  );
  return results;
}

describe('a hot on-sale behind the waiting room, on two server processes', () => {
  it('gives 2,000 early arrivals distinct shuffled places, meters admission, gates holds, survives a server dying, and tells everyone the end', async () => {
    const live: LiveEvent = await publishedEvent(admin, owner, rowsMap(4, SEATS / 4), {
      onSaleAt: new Date(Date.now() + 3_600_000).toISOString(),
      maxSeatsPerBooking: 2,
      maxSeatsPerAddress: 10_000,
      maxHoldsPerAddress: 1_000,
      waitingRoom: { enabled: true, admitPerMinute: RATE, maxActiveShoppers: MAX_ACTIVE },
    });
    const event = (await admin.findEvent(live.eventId))!;
    const started = Date.now();
    const lap = (what: string) => console.log(`[waiting-room-sale] ${what} at ${Date.now() - started} ms`);
    const serverFor = (i: number) => servers[i % 2]!;
    let alive = (i: number) => serverFor(i);

    // 2,000 joins before the opening, alternating servers, each paying its proof of work.
    const joined = await pool(
      Array.from({ length: ATTENDEES }, (_, i) => i),
      24,
      async (i) => {
        const url = serverFor(i).url;
        // The challenge GET /events/:id/challenge answers (same key, same difficulty), minus the round trip.
        const altcha = await solve(await admin.holdGuard.challengeFor(event));
        const answer = await api<QueueTicketState>(
          url,
          `/events/${live.eventId}/queue`,
          live.publishableKey,
          {
            partySize: 1 + (i % 2),
            altcha,
          },
        );
        expect(answer.status).toBe(201);
        return answer.body;
      },
    );
    lap('2,000 joined');
    const tickets = joined.map((state) => state.ticket);
    expect(new Set(tickets).size).toBe(ATTENDEES);
    expect(joined.every((state) => state.preQueue && state.position === null)).toBe(true);

    // Some follow their ticket live, half on each server.
    const pushes = new Map<string, QueueTicketState[]>();
    const follow = (i: number) =>
      new Promise<void>((resolve, reject) => {
        const socket = io(`${alive(i).url}/widget`, {
          auth: { publishableKey: live.publishableKey },
          transports: ['websocket'],
          reconnection: false,
          forceNew: true,
        });
        sockets.push(socket);
        socket.on('queue', (state: QueueTicketState) => pushes.get(tickets[i]!)!.push(state));
        socket.on('connect', () => {
          socket.emit(
            'queue:follow',
            { ticket: tickets[i] },
            (ack: { ok: boolean; data: QueueTicketState }) => {
              if (!ack.ok) return reject(new Error(JSON.stringify(ack)));
              pushes.get(tickets[i]!)!.push(ack.data);
              resolve();
            },
          );
        });
        // A server gone: the widget reconnects to the other and follows its ticket again there
        // (trying again while it has not yet learnt which server is gone).
        const again = () => {
          if (!closing) setTimeout(() => void follow(i).catch(() => {}), 100);
        };
        socket.on('disconnect', again);
        socket.on('connect_error', () => {
          socket.close();
          again();
        });
      });
    for (let i = 0; i < FOLLOWERS; i++) pushes.set(tickets[i]!, []);
    await pool(
      Array.from({ length: FOLLOWERS }, (_, i) => i),
      30,
      (i) => follow(i),
    );

    const opened = await admin.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/sale/open`,
      headers: bearer(owner.token),
    });
    expect(opened.statusCode).toBe(200);

    // One atomic read of the whole line: every ticket has a place or an admission, no place twice.
    const snapshot = await runQueueScript(redis as never, live.eventId, 'views', { tickets });
    const places = snapshot.views.flatMap((view) => (view && view.s === 'w' ? [view.pos!] : []));
    const admittedAtOnce = snapshot.views.filter((view) => view && view.s === 'a').length;
    expect(places.length + admittedAtOnce).toBe(ATTENDEES);
    expect(new Set(places).size).toBe(places.length);
    expect(Math.max(...places)).toBe(places.length);
    expect(admittedAtOnce).toBeLessThanOrEqual(MAX_ACTIVE);

    lap('opened');
    // Without an admission nobody holds, on either server (once its event cache has the opening).
    for (const server of servers) {
      await expect
        .poll(
          async () =>
            (
              await api(server.url, `/events/${live.eventId}/holds`, live.publishableKey, {
                bestAvailable: { quantity: 1 },
              })
            ).body.error?.code,
          { timeout: 5_000, interval: 200 },
        )
        .toBe('ADMISSION_REQUIRED');
    }

    // Shoppers: each admitted ticket holds best available (its party size) and its partner books it.
    const shopped = new Set<string>();
    let booked = 0;
    let killed = false;
    let maxActive = 0;
    const final = new Map<string, QueueTicketState>();
    const deadline = Date.now() + 45_000;
    while (final.size < ATTENDEES && Date.now() < deadline) {
      const open = tickets.map((ticket, i) => [ticket, i] as const).filter(([ticket]) => !final.has(ticket));
      const states = await runQueueScript(redis as never, live.eventId, 'views', {
        tickets: open.map(([t]) => t),
      });
      const stats = await runQueueScript(redis as never, live.eventId, 'stats', {});
      maxActive = Math.max(maxActive, stats.active);
      await pool(open, 16, async ([ticket, i]) => {
        const view = states.views[open.findIndex(([t]) => t === ticket)];
        if (!view) throw new Error(`ticket ${ticket} lost`);
        if (view.s === 'o' || view.s === 'e') {
          // Through the API, as the attendee sees it (the server that is still alive).
          const seen = await api<QueueTicketState>(alive(i).url, `/queue/${ticket}`, live.publishableKey);
          expect(seen.status).toBe(200);
          final.set(ticket, seen.body);
          return;
        }
        if (view.s !== 'a' || shopped.has(ticket)) return;
        shopped.add(ticket);
        const url = alive(i).url;
        const state = await api<QueueTicketState>(url, `/queue/${ticket}`, live.publishableKey);
        const hold = await api(url, `/events/${live.eventId}/holds`, live.publishableKey, {
          bestAvailable: { quantity: state.body.partySize },
          admissionToken: state.body.admissionToken,
        });
        if (hold.status !== 200) {
          final.set(ticket, state.body);
          return;
        }
        const booking = await api(url, `/events/${live.eventId}/bookings`, live.secretKey, {
          holdToken: hold.body.holdToken,
          attendee: attendee(i),
        });
        expect(booking.status).toBe(201);
        booked++;
      });
      if (!killed && booked >= 15) {
        // Mid-sale: one server process dies at once; its sockets and REST clients move to the other.
        killed = true;
        const dying = servers[1]!;
        dying.process.kill('SIGKILL');
        await dying.exited;
        alive = () => servers[0]!;
      }
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    lap('everyone told');
    expect(killed).toBe(true);
    expect(final.size).toBe(ATTENDEES);

    // The meters held across servers: never more active shoppers than allowed, and admissions
    // paced by the rate (a burst of 5 s' worth, then RATE a minute).
    expect(maxActive).toBeLessThanOrEqual(MAX_ACTIVE);
    const admits = (await redis.zrange(scriptKeys.queue(live.eventId)[5]!, 0, -1, 'WITHSCORES'))
      .filter((_, i) => i % 2 === 1)
      .map(Number);
    const burst = Math.ceil(RATE / 12);
    admits.forEach((at, i) => {
      expect(i + 1).toBeLessThanOrEqual(burst + Math.ceil(((at - admits[0]!) * RATE) / 60_000) + 1);
    });

    // Every seat sold, each to one admitted attendee; everyone else told it sold out, with the waitlist.
    const sold = await admin.pg.query(
      'SELECT count(*)::int AS n FROM bookings WHERE event_id = $1 AND status = $2',
      [live.eventId, 'confirmed'],
    );
    expect(sold.rows[0].n).toBe(booked);
    const ends = [...final.values()];
    const soldOut = ends.filter((state) => state.state === 'sold_out');
    expect(soldOut.length + ends.filter((state) => state.state !== 'sold_out').length).toBe(ATTENDEES);
    expect(soldOut.length).toBeGreaterThan(ATTENDEES - SEATS - MAX_ACTIVE * 2);
    expect(soldOut.every((state) => state.waitlistOffered === true)).toBe(true);
    expect(ends.filter((state) => state.state === 'waiting')).toEqual([]);

    // Nobody following lost their place to the dead server: each socket heard its ticket's end.
    await expect
      .poll(
        () =>
          [...pushes.values()].filter(
            (states) => !['sold_out', 'expired', 'admitted'].includes(states.at(-1)?.state ?? ''),
          ).length,
        {
          timeout: 10_000,
        },
      )
      .toBe(0);
  }, 120_000);
});
