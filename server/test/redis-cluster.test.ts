/**
 * The product on a real Redis Cluster (3 primaries, 3 replicas, started from the installed
 * `redis-server` by `startRedisCluster`): two servers with `REDIS_CLUSTER_NODES` sell each seat
 * once, rebuild an event from PostgreSQL, replay idempotent bookings, show one server's changes
 * to the other's sockets, and carry Socket.IO broadcasts and the worker's in-app pushes over
 * sharded pub/sub, on the one shard that owns the room's channel.
 */

import { once } from 'node:events';
import { closeRedis, createRedisClient } from '@happening/runtime';
import {
  CONSOLE_NAMESPACE,
  type ConsoleClientToServer,
  type ConsoleServerToClient,
  type InAppNotification,
  rooms,
  type SeatsMessage,
  type WidgetClientToServer,
  type WidgetServerToClient,
} from '@happening/shared';
import { type LocalRedisCluster, startRedisCluster } from '@happening/testing';
import { attendee, type LiveEvent, publishedEvent, rowsMap } from '@happening/testing/inventory';
import { bearer, buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import { urlOf } from '@happening/testing/sockets';
import { InAppPush } from '@happening/worker';
import { Cluster, Redis } from 'ioredis';
import { pino } from 'pino';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryLibrary } from '../src/inventory/inventory-script.js';
import { inventoryKeys } from '../src/inventory/keys.js';
import { pruneInventoryLibraries } from '../src/inventory/redis-inventory.js';

type ConsoleSocket = Socket<ConsoleServerToClient, ConsoleClientToServer>;
type WidgetSocket = Socket<WidgetServerToClient, WidgetClientToServer>;

const sockets: Socket[] = [];

function consoleSocket(app: TestApp, token: string): ConsoleSocket {
  const socket: ConsoleSocket = io(`${urlOf(app)}${CONSOLE_NAMESPACE}`, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
  });
  sockets.push(socket);
  return socket;
}

const notification = (orgId: string, title: string): InAppNotification => ({
  id: crypto.randomUUID(),
  orgId,
  type: 'booking_confirmed',
  title,
  body: '',
  createdAt: new Date().toISOString(),
});

describe('the worker’s in-app push on one Redis node', () => {
  let app: TestApp;
  afterAll(async () => {
    await app?.close();
  });

  it('reaches the console sockets of the organization, through the sharded adapter', async () => {
    app = await buildTestApp();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const owner = await signup(app, 'push-single');
    const socket = consoleSocket(app, owner.token);
    const heard: string[] = [];
    socket.on('notification', (n) => heard.push(n.title));
    expect(await socket.emitWithAck('org:watch', { orgId: owner.orgId })).toEqual({ ok: true, data: null });

    const redis = createRedisClient(
      { REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', REDIS_CLUSTER_NODES: '' },
      { name: 'push-test' },
    );
    const push = new InAppPush(redis, pino({ enabled: false }));
    try {
      push.push(notification(crypto.randomUUID(), 'someone else’s'));
      push.push(notification(owner.orgId, 'yours'));
      await expect.poll(() => heard).toEqual(['yours']);
    } finally {
      await push.close();
      await closeRedis(redis);
    }
  });
});

describe('on a Redis Cluster', () => {
  let cluster: LocalRedisCluster;
  let a: TestApp;
  let b: TestApp;
  let owner: SignedUp;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    const env = { REDIS_CLUSTER_NODES: cluster.seeds, HOLD_SWEEP_INTERVAL_MS: '200' };
    [a, b] = await Promise.all([buildTestApp(env), buildTestApp(env)]);
    for (const app of [a, b]) await app.listen({ port: 0, host: '127.0.0.1' });
    owner = await signup(a, 'cluster');
  }, 60_000);
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await Promise.all([a?.close(), b?.close()]);
    await cluster?.stop();
  }, 30_000);

  const hold = (app: TestApp, live: LiveEvent, seats: string[], address: string) =>
    app.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/holds`,
      headers: bearer(live.publishableKey),
      // Each attempt from its own address: the per-address hold caps are not what is tested here.
      remoteAddress: address,
      payload: { seats },
    });
  const book = (app: TestApp, live: LiveEvent, holdToken: string, n: number, key?: string) =>
    app.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/bookings`,
      headers: { ...bearer(live.secretKey), ...(key ? { 'idempotency-key': key } : {}) },
      payload: { holdToken, attendee: attendee(n) },
    });
  const availability = async (app: TestApp, live: LiveEvent) =>
    (await app.inject({ url: `/api/v1/events/${live.eventId}/availability` })).json();
  /** A client of its own to the cluster, connected, for what a test does to Redis directly. */
  async function withCluster(use: (client: Cluster) => Promise<void>): Promise<void> {
    const client = new Cluster(cluster.nodes);
    try {
      await once(client, 'ready');
      await use(client);
    } finally {
      client.disconnect();
    }
  }

  it('keeps the inventory on the cluster, not on REDIS_URL', async () => {
    const live = await publishedEvent(a, owner, rowsMap(1, 4));
    expect((await hold(a, live, ['main-A-1'], '10.1.0.1')).statusCode).toBe(200);
    const client = new Cluster(cluster.nodes);
    try {
      const [meta] = inventoryKeys(live.eventId);
      expect(await client.exists(meta!)).toBe(1);
      // The single-node Redis of the other tests has never heard of this event.
      const single = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
      expect(await single.exists(meta!)).toBe(0);
      await single.quit();
    } finally {
      client.disconnect();
    }
  });

  it('sells each of 10 seats once to 40 attempts spread over both servers, as PostgreSQL records', async () => {
    const live = await publishedEvent(a, owner, rowsMap(1, 10));
    const seats = Array.from({ length: 10 }, (_, i) => `main-A-${i + 1}`);
    const attempts = Array.from({ length: 40 }, async (_, i) => {
      const server = i % 2 === 0 ? a : b;
      const seat = seats[i % seats.length]!;
      const held = await hold(server, live, [seat], `10.2.${Math.floor(i / 200)}.${i % 200}`);
      if (held.statusCode !== 200) return { seat, outcome: held.statusCode };
      const booked = await book(i % 3 === 0 ? a : b, live, held.json().holdToken, i);
      return { seat, outcome: booked.statusCode, bookingId: booked.json().booking?.id as string };
    });
    const outcomes = await Promise.all(attempts);
    const sold = outcomes.filter((o) => o.outcome === 201);
    expect(sold).toHaveLength(10);
    expect(new Set(sold.map((o) => o.seat)).size).toBe(10);
    expect(outcomes.filter((o) => o.outcome !== 201).every((o) => o.outcome === 409)).toBe(true);

    const { rows } = await a.pg.query(
      `SELECT s.seat_id, b.id FROM bookings b JOIN booking_seats s ON s.booking_id = b.id AND s.active
       WHERE b.event_id = $1 AND b.status = 'confirmed' ORDER BY s.seat_id`,
      [live.eventId],
    );
    expect(rows.map((r) => r.seat_id).sort()).toEqual([...seats].sort());
    expect(rows.map((r) => r.id).sort()).toEqual(sold.map((o) => o.bookingId).sort());
    expect((await availability(b, live)).sections[0]).toMatchObject({ booked: 10, held: 0, available: 0 });
  });

  it('replays an idempotent booking and rebuilds a lost inventory from PostgreSQL', async () => {
    const live = await publishedEvent(a, owner, rowsMap(1, 4));
    const held = await hold(a, live, ['main-A-3'], '10.3.0.1');
    const first = await book(a, live, held.json().holdToken, 1, 'cluster-key-1');
    const again = await book(b, live, held.json().holdToken, 1, 'cluster-key-1');
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.json().booking.id).toBe(first.json().booking.id);
    expect(await holdOutcome(b, live, ['main-A-2'], '10.3.0.2')).toBe(200);

    // The event's slot loses its keys (a failover to an empty replica, a flush): the next read
    // stages the inventory again from PostgreSQL, in the same slot, and installs it atomically.
    const client = new Cluster(cluster.nodes);
    try {
      await client.del(...inventoryKeys(live.eventId));
    } finally {
      client.disconnect();
    }
    const rebuilt = await availability(b, live);
    expect(rebuilt.seats).toEqual({ 'main-A-3': 'booked' });
    expect(await holdOutcome(a, live, ['main-A-3'], '10.3.0.3')).toBe(409);
  });

  it("loads the inventory library again into a primary that lost it (a restart without a dump), on the call's node", async () => {
    const live = await publishedEvent(a, owner, rowsMap(1, 4));
    expect(await holdOutcome(a, live, ['main-A-1'], '10.4.0.1')).toBe(200);
    await withCluster(async (client) => {
      await Promise.all(client.nodes('master').map((node) => node.call('FUNCTION', 'FLUSH')));
      const libraries = async () =>
        (await Promise.all(client.nodes('master').map((node) => node.call('FUNCTION', 'LIST')))).map(
          (list) => (list as unknown[]).length,
        );
      expect(await libraries()).toEqual(client.nodes('master').map(() => 0));
      // Both servers' next calls find no function, load the library and are answered as usual.
      expect(await holdOutcome(a, live, ['main-A-2'], '10.4.0.2')).toBe(200);
      expect(await holdOutcome(b, live, ['main-A-2'], '10.4.0.3')).toBe(409);
      expect((await libraries()).every((count) => count === 1)).toBe(true);
    });
  });

  it("deletes earlier releases' inventory libraries from every primary, and nothing else", async () => {
    const live = await publishedEvent(a, owner, rowsMap(1, 2));
    expect(await holdOutcome(a, live, ['main-A-1'], '10.5.0.1')).toBe(200);
    await withCluster(async (client) => {
      const primaries = client.nodes('master');
      const old = 'happening_inventory_0000000000000000';
      const foreign = 'another_application';
      for (const node of primaries)
        for (const name of [old, foreign])
          await node.call(
            'FUNCTION',
            'LOAD',
            `#!lua name=${name}\nredis.register_function('${name}', function() return 1 end)`,
          );
      expect(await pruneInventoryLibraries(client)).toEqual([old]);
      const names = async (node: Redis) =>
        ((await node.call('FUNCTION', 'LIST')) as unknown[][]).map((library) => String(library[1])).sort();
      for (const node of primaries)
        expect(await names(node)).toEqual([foreign, inventoryLibrary().name].sort());
      // The current release's library stayed: the sale goes on without a reload.
      expect(await holdOutcome(b, live, ['main-A-2'], '10.5.0.2')).toBe(200);
    });
  });

  async function holdOutcome(app: TestApp, live: LiveEvent, seats: string[], address: string) {
    return (await hold(app, live, seats, address)).statusCode;
  }

  it('shows a hold on server A to a widget on server B, and its expiry after the sweep', async () => {
    const live = await publishedEvent(a, owner, rowsMap(1, 4));
    const watcher: WidgetSocket = io(`${urlOf(b)}/widget`, {
      auth: { publishableKey: live.publishableKey },
      transports: ['websocket'],
      reconnection: false,
    });
    sockets.push(watcher);
    const changes: string[] = [];
    watcher.on('seats', (message: SeatsMessage) => {
      for (const change of message.changes) changes.push(`${change.seatId} ${change.status}`);
    });
    const joined = await watcher.emitWithAck('join', { eventId: live.eventId });
    expect(joined.ok).toBe(true);

    const held = await hold(a, live, ['main-A-4'], '10.4.0.1');
    await expect.poll(() => changes).toEqual(['main-A-4 held']);
    // Expire it now instead of waiting out the minimum TTL: the sweeper of either server frees it.
    const client = new Cluster(cluster.nodes);
    try {
      const keys = inventoryKeys(live.eventId);
      const record = JSON.parse((await client.hget(keys[3]!, held.json().holdToken))!);
      await client.hset(keys[3]!, held.json().holdToken, JSON.stringify({ ...record, exp: Date.now() }));
      await client.zadd(keys[4]!, Date.now(), held.json().holdToken);
    } finally {
      client.disconnect();
    }
    await expect.poll(() => changes).toEqual(['main-A-4 held', 'main-A-4 available']);
  });

  it('carries broadcasts and in-app pushes on the one shard that owns the room’s channel', async () => {
    const live = await publishedEvent(a, owner, rowsMap(1, 4));
    const console = consoleSocket(b, owner.token);
    const bookings: string[] = [];
    const notifications: string[] = [];
    console.on('booking', (message) => bookings.push(message.booking.id));
    console.on('notification', (message) => notifications.push(message.title));
    expect((await console.emitWithAck('watch', { eventId: live.eventId })).ok).toBe(true);
    expect(await console.emitWithAck('org:watch', { orgId: owner.orgId })).toEqual({ ok: true, data: null });

    // A booking taken on server A reaches the console watching on server B (adapter broadcast).
    const held = await hold(a, live, ['main-A-1'], '10.5.0.1');
    const booked = await book(a, live, held.json().holdToken, 5);
    await expect.poll(() => bookings).toEqual([booked.json().booking.id]);

    // The worker's push, from a process with no sockets, reaches it too.
    const redis = createRedisClient(
      { REDIS_URL: 'redis://unused', REDIS_CLUSTER_NODES: cluster.seeds },
      { name: 'push-test' },
    );
    const push = new InAppPush(redis, pino({ enabled: false }));
    try {
      push.push(notification(owner.orgId, 'over the cluster'));
      await expect.poll(() => notifications).toEqual(['over the cluster']);
    } finally {
      await push.close();
      await closeRedis(redis);
    }

    // Sharded pub/sub: the org room's channel is subscribed on exactly one primary, the one
    // that owns its slot; no server uses classic channels for Socket.IO.
    const channel = `socket.io#${CONSOLE_NAMESPACE}#${rooms.org(owner.orgId)}#`;
    const holders: number[] = [];
    for (const node of cluster.nodes) {
      const client = new Redis(node.port, node.host);
      const channels = (await client.call('PUBSUB', 'SHARDCHANNELS', channel)) as string[];
      const classic = (await client.call('PUBSUB', 'CHANNELS', 'socket.io*')) as string[];
      await client.quit();
      expect(classic).toEqual([]);
      if (channels.length > 0) holders.push(node.port);
    }
    const any = new Redis(cluster.nodes[0]!.port, cluster.nodes[0]!.host);
    const slot = (await any.call('CLUSTER', 'KEYSLOT', channel)) as number;
    await any.quit();
    expect(holders).toEqual([(await cluster.primaryOf(slot)).port]);
  });
});
