/**
 * Fault drill on a local Redis Cluster: the primary that owns an event's slot hands over to its
 * replica (`CLUSTER FAILOVER`) in the middle of a sale over two servers. Nothing is oversold,
 * every acknowledged booking is in PostgreSQL with its seat, every other attempt is refused with a
 * code (never a 5xx but 503 while the slot moves), and when the sale ends Redis agrees with
 * PostgreSQL seat by seat.
 */
import { type LocalRedisCluster, startRedisCluster } from '@happening/testing';
import { attendee, type LiveEvent, publishedEvent, rowsMap } from '@happening/testing/inventory';
import { bearer, buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryKeys } from '../src/inventory/keys.js';

let cluster: LocalRedisCluster;
let a: TestApp;
let b: TestApp;
let owner: SignedUp;

beforeAll(async () => {
  cluster = await startRedisCluster();
  const env = { REDIS_CLUSTER_NODES: cluster.seeds };
  [a, b] = await Promise.all([buildTestApp(env), buildTestApp(env)]);
  owner = await signup(a, 'failover');
}, 60_000);
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await cluster?.stop();
}, 30_000);

const SEATS = 100;
const ATTEMPTS = 400;
const AT_ONCE = 25;

interface Outcome {
  seat: string;
  hold: number;
  book?: number;
  bookingId?: string;
}

async function attempt(live: LiveEvent, i: number): Promise<Outcome> {
  const seat = `main-${String.fromCharCode(65 + (i % 4))}-${(Math.floor(i / 4) % 25) + 1}`;
  const server = i % 2 === 0 ? a : b;
  const held = await server.inject({
    method: 'POST',
    url: `/api/v1/events/${live.eventId}/holds`,
    headers: bearer(live.publishableKey),
    remoteAddress: `10.9.${Math.floor(i / 250)}.${i % 250}`,
    payload: { seats: [seat] },
  });
  if (held.statusCode !== 200) return { seat, hold: held.statusCode };
  const booked = await (i % 3 === 0 ? a : b).inject({
    method: 'POST',
    url: `/api/v1/events/${live.eventId}/bookings`,
    headers: bearer(live.secretKey),
    payload: { holdToken: held.json().holdToken, attendee: attendee(`failover-${i}`) },
  });
  return { seat, hold: 200, book: booked.statusCode, bookingId: booked.json().booking?.id };
}

async function keySlot(key: string): Promise<number> {
  const node = cluster.nodes[0]!;
  const client = new Redis(node.port, node.host);
  try {
    return (await client.call('CLUSTER', 'KEYSLOT', key)) as number;
  } finally {
    await client.quit();
  }
}

describe('a Redis primary fails over mid-sale', () => {
  it('oversells nothing, loses no acknowledged booking, and ends with Redis equal to PostgreSQL', async () => {
    const live = await publishedEvent(a, owner, rowsMap(4, 25));
    const slot = await keySlot(inventoryKeys(live.eventId)[0]!);
    const primary = await cluster.primaryOf(slot);
    // A replica can take over only once it is known to the cluster and in sync with its primary.
    await expect
      .poll(async () => (await cluster.replicasOf(primary.port)).length, { timeout: 30_000 })
      .toBe(1);
    const [replica] = await cluster.replicasOf(primary.port);
    const probe = new Redis(replica!.port, replica!.host);
    await expect
      .poll(async () => (await probe.info('replication')).includes('master_link_status:up'), {
        timeout: 30_000,
      })
      .toBe(true);
    await probe.quit();

    const outcomes: Outcome[] = [];
    let next = 0;
    let failedOver: Promise<void> | undefined;
    const lane = async () => {
      while (next < ATTEMPTS) {
        const i = next++;
        // A quarter into the sale, the replica takes over the event's slot.
        if (i === ATTEMPTS / 4) {
          const client = new Redis(replica!.port, replica!.host);
          failedOver = client
            .call('CLUSTER', 'FAILOVER')
            .then(() => client.quit())
            .then(() => undefined);
        }
        outcomes.push(await attempt(live, i));
      }
    };
    await Promise.all(Array.from({ length: AT_ONCE }, lane));
    await failedOver;
    expect((await cluster.primaryOf(slot)).port).toBe(replica!.port);

    // What the clients were told.
    const statuses = outcomes.flatMap((o) => [o.hold, ...(o.book ? [o.book] : [])]);
    expect(statuses.filter((s) => s >= 500 && s !== 503)).toEqual([]);
    const sold = outcomes.filter((o) => o.book === 201);
    expect(sold.length).toBeGreaterThan(0);
    expect(sold.length).toBeLessThanOrEqual(SEATS);
    expect(new Set(sold.map((o) => o.seat)).size).toBe(sold.length);

    // What PostgreSQL holds: every acknowledged booking with its seat, nothing else.
    const { rows } = await a.pg.query(
      `SELECT b.id, s.seat_id FROM bookings b JOIN booking_seats s ON s.booking_id = b.id AND s.active
       WHERE b.event_id = $1 AND b.status = 'confirmed'`,
      [live.eventId],
    );
    expect(rows.map((r) => `${r.id} ${r.seat_id}`).sort()).toEqual(
      sold.map((o) => `${o.bookingId} ${o.seat}`).sort(),
    );

    // And Redis, once the sale is over, says the same seat by seat.
    await expect
      .poll(async () => {
        const seats = (await b.inject({ url: `/api/v1/events/${live.eventId}/availability` })).json().seats;
        return Object.entries(seats as Record<string, string>)
          .filter(([, status]) => status === 'booked')
          .map(([seat]) => seat)
          .sort();
      })
      .toEqual(rows.map((r) => r.seat_id as string).sort());
  }, 120_000);
});
