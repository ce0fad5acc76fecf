/**
 * Hold events for partners, end to end over real services: holds made through the API of two
 * server processes, the inventory script's queue in Redis, the PostgreSQL outbox, the relay,
 * RabbitMQ, the worker, and an HTTP receiver that checks every signature with the stock
 * `standardwebhooks` library. Holds live a few seconds (HOLD_TTL_MIN_SECONDS lowered).
 */
import { randomUUID } from 'node:crypto';
import type { HoldNotificationMessage } from '@happening/shared';
import { TEST_DATABASE_URL } from '@happening/testing/env';
import { type LiveEvent, publishedEvent, rowsMap } from '@happening/testing/inventory';
import {
  deletePipeline,
  quietLog,
  RABBITMQ_URL,
  type ReceivedWebhook,
  TestReceiver,
  TestSmtp,
  testRetry,
  uniqueQueue,
  waitFor,
  workerEnv,
} from '@happening/testing/notifications';
import { bearer, buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import { connected, openSockets, send, urlOf, widgetSocket } from '@happening/testing/sockets';
import { createLogger, loadWorkerConfig, NotificationWorker } from '@happening/worker';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxRelay } from '../src/notifications/relay.js';

const TTL_SECONDS = 3;
/** The test database outlives a run: each run's partner references are its own. */
const run = randomUUID().slice(0, 8);
const ref = (name: string) => `${name}-${run}`;
const LEAD_SECONDS = 2;
const GRACE_SECONDS = 6;

const queue = uniqueQueue();
const smtp = new TestSmtp();
const receiver = new TestReceiver();
/** Two server processes on one Redis and one PostgreSQL: both sweep, both may move hold events. */
let servers: [TestApp, TestApp];
let partner: SignedUp;
let quiet: SignedUp;
let live: LiveEvent;
let roomy: LiveEvent;
let quietEvent: LiveEvent;
let relay: OutboxRelay;
let worker: NotificationWorker;

async function registerEndpoint(org: SignedUp, path: string, types?: string[]): Promise<string> {
  const response = await servers[0].inject({
    method: 'POST',
    url: `/api/v1/orgs/${org.orgId}/webhooks`,
    headers: bearer(org.token),
    payload: { url: receiver.url(path), ...(types ? { types } : {}) },
  });
  expect(response.statusCode, response.body).toBe(201);
  receiver.secrets.set(path, response.json().secret);
  return response.json().id;
}

async function hold(server: TestApp, event: LiveEvent, key: string, body: object) {
  return server.inject({
    method: 'POST',
    url: `/api/v1/events/${event.eventId}/holds`,
    headers: bearer(key),
    payload: body,
  });
}

type HoldHook = ReceivedWebhook & { body: { data: HoldNotificationMessage } };
const hooksFor = (path: string, externalId: string): HoldHook[] =>
  receiver.received.filter(
    (hook): hook is HoldHook => hook.path === path && hook.body.data.externalId === externalId,
  );
const typesOf = (hooks: HoldHook[]) => hooks.map((hook) => hook.body.type);

async function outboxRows(externalId: string) {
  const { rows } = await servers[0].pg.query<{ id: string; type: string }>(
    `SELECT id, type FROM outbox WHERE payload->>'externalId' = $1 ORDER BY created_at`,
    [externalId],
  );
  return rows;
}

beforeAll(async () => {
  await Promise.all([smtp.start(), receiver.start()]);
  const env = {
    NOTIFICATIONS_QUEUE: queue,
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    HOLD_TTL_MIN_SECONDS: '1',
    HOLD_EXPIRING_LEAD_SECONDS: String(LEAD_SECONDS),
    HOLD_CHECKOUT_GRACE_SECONDS: String(GRACE_SECONDS),
    HOLD_SWEEP_INTERVAL_MS: '100',
    SOCKET_HOLD_GRACE_SECONDS: '1',
  };
  servers = [await buildTestApp(env), await buildTestApp(env)];
  await servers[0].listen({ port: 0, host: '127.0.0.1' });
  partner = await signup(servers[0], 'hold-partner');
  quiet = await signup(servers[0], 'hold-quiet');
  await registerEndpoint(partner, '/all');
  await registerEndpoint(partner, '/extended-only', ['hold_extended']);
  await registerEndpoint(partner, '/bookings-only', ['booking_confirmed']);
  // An organization with webhooks, none of them for hold events: its holds queue nothing.
  await registerEndpoint(quiet, '/quiet', ['booking_confirmed', 'booking_cancelled']);
  live = await publishedEvent(servers[0], partner, rowsMap(2, 10), { holdTtlSeconds: TTL_SECONDS });
  roomy = await publishedEvent(servers[0], partner, rowsMap(1, 10), { holdTtlSeconds: 60 });
  // Each publishedEvent rotates the organization's keys: both events take the latest.
  live = { ...live, secretKey: roomy.secretKey, publishableKey: roomy.publishableKey };
  quietEvent = await publishedEvent(servers[0], quiet, rowsMap(1, 10), { holdTtlSeconds: TTL_SECONDS });
  relay = new OutboxRelay({
    pool: servers[0].pg,
    databaseUrl: TEST_DATABASE_URL,
    rabbitmqUrl: RABBITMQ_URL,
    queue,
    orgIds: [partner.orgId, quiet.orgId],
    log: quietLog,
  });
  await relay.start();
  const config = loadWorkerConfig(workerEnv(queue, smtp.url));
  worker = new NotificationWorker(config, createLogger(config));
  await worker.start();
});

afterAll(async () => {
  for (const socket of openSockets) socket.close();
  await worker?.stop();
  await relay?.stop();
  await Promise.all((servers ?? []).map((server) => server?.close()));
  await Promise.all([smtp.stop(), receiver.stop()]);
  await deletePipeline(queue, testRetry);
});

describe('hold events for partners', () => {
  it('a partner hold with externalId produces hold_expiring, then hold_expired, once each, signed, by webhook only', async () => {
    const made = await hold(servers[1], live, live.secretKey, {
      seats: ['main-A-1', 'main-A-2'],
      externalId: ref('order-42'),
    });
    expect(made.statusCode, made.body).toBe(200);
    expect(made.json()).toMatchObject({ externalId: ref('order-42'), seats: ['main-A-1', 'main-A-2'] });
    const expiresAt = made.json().expiresAt as string;

    await waitFor(
      () => typesOf(hooksFor('/all', ref('order-42'))).includes('hold_expired'),
      'hold_expired',
      15_000,
    );
    const hooks = hooksFor('/all', ref('order-42'));
    expect(typesOf(hooks)).toEqual(['hold_expiring', 'hold_expired']);
    for (const hook of hooks) {
      expect(hook.verified).toBe(true);
      expect(hook.body.data).toMatchObject({
        orgId: partner.orgId,
        eventId: live.eventId,
        externalId: ref('order-42'),
        expiresAt,
        seats: ['main-A-1', 'main-A-2'],
        general: [],
      });
      expect(hook.body.data.holderId).toMatch(/^hd_/);
      // The token is a credential: it is in no webhook.
      expect(JSON.stringify(hook.body)).not.toContain(made.json().holdToken);
    }
    const [expiring, expired] = hooks;
    // The warning came LEAD_SECONDS before the expiry; the expiry report no earlier than the expiry.
    expect(Date.parse(expiring!.body.data.occurredAt)).toBeLessThan(Date.parse(expiresAt));
    expect(Date.parse(expiring!.body.data.occurredAt)).toBeGreaterThanOrEqual(
      Date.parse(expiresAt) - LEAD_SECONDS * 1_000 - 50,
    );
    expect(Date.parse(expired!.body.data.occurredAt)).toBeGreaterThanOrEqual(Date.parse(expiresAt));

    // Two servers swept and moved hold events the whole time: one outbox row per event.
    expect((await outboxRows(ref('order-42'))).map((row) => row.type)).toEqual([
      'hold_expiring',
      'hold_expired',
    ]);
    // Webhooks only: no email, no in-app line, and only the endpoints subscribed to the type.
    const ids = hooks.map((hook) => hook.id);
    await waitFor(async () => {
      const { rows } = await servers[0].pg.query(
        `SELECT 1 FROM notification_inbox WHERE message_id = ANY ($1::uuid[])`,
        [ids],
      );
      return rows.length === 2;
    }, 'both handled');
    const { rows: deliveries } = await servers[0].pg.query<{ channel: string; target: string }>(
      `SELECT channel, target FROM notification_deliveries WHERE message_id = ANY ($1::uuid[])`,
      [ids],
    );
    expect(deliveries.map((row) => row.channel)).toEqual(['webhook', 'webhook']);
    expect(smtp.mailsFor(ids)).toEqual([]);
    expect(hooksFor('/extended-only', ref('order-42'))).toEqual([]);
    expect(hooksFor('/bookings-only', ref('order-42'))).toEqual([]);

    // A crash between the outbox commit and the removal from Redis leaves the notice queued: moved
    // again (by whichever server sweeps first), it is still the one outbox row.
    const notices = `inv:{${live.eventId}}:notices`;
    const again = {
      k: 'x',
      t: made.json().holdToken,
      exp: Date.parse(expiresAt),
      s: ['main-A-1', 'main-A-2'],
      g: {},
      at: Date.now(),
      x: ref('order-42'),
    };
    await servers[0].redis.zadd(notices, Date.now(), JSON.stringify(again));
    await waitFor(async () => (await servers[0].redis.zcard(notices)) === 0, 'the notice moved again');
    expect((await outboxRows(ref('order-42'))).map((row) => row.type)).toEqual([
      'hold_expiring',
      'hold_expired',
    ]);

    // The signature is the Standard Webhooks one: the stock library refuses it under another secret.
    const other = new Webhook(receiver.secrets.get('/extended-only')!);
    expect(() =>
      other.verify(JSON.stringify(hooks[0]!.body), {
        'webhook-id': hooks[0]!.id,
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': 'v1,AAAA',
      }),
    ).toThrow();
  });

  it('a booked hold reports neither warning nor expiry, and a hold of an organization nobody listens for queues nothing', async () => {
    const made = await hold(servers[0], live, live.secretKey, {
      seats: ['main-B-1'],
      externalId: ref('order-booked'),
    });
    expect(made.statusCode).toBe(200);
    const booked = await servers[0].inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/bookings`,
      headers: { ...bearer(live.secretKey), 'idempotency-key': ref('hold-events-booked') },
      payload: { holdToken: made.json().holdToken, attendee: { email: 'buyer@example.test', name: 'Buyer' } },
    });
    expect(booked.statusCode, booked.body).toBe(201);
    const quietHold = await hold(servers[0], quietEvent, quietEvent.secretKey, {
      seats: ['main-A-1'],
      externalId: ref('order-quiet'),
    });
    expect(quietHold.statusCode).toBe(200);
    // Past both holds' expiry and a few sweeps of both servers.
    const past = Date.parse(quietHold.json().expiresAt) + 500;
    await waitFor(() => Date.now() > past, 'the quiet hold to expire', 10_000);
    await servers[0].sweeper.upkeep(quietEvent.eventId);
    await servers[0].sweeper.upkeep(live.eventId);
    expect(await outboxRows(ref('order-booked'))).toEqual([]);
    expect(await outboxRows(ref('order-quiet'))).toEqual([]);
  });

  it('checkout grants its grace once, never past its bound, and reports it as hold_extended', async () => {
    const made = await hold(servers[0], live, live.secretKey, {
      seats: ['main-B-5'],
      externalId: ref('order-pay'),
    });
    expect(made.statusCode).toBe(200);
    const before = made.json().expiresAt as string;
    const url = `/api/v1/holds/${made.json().holdToken}/checkout`;

    // The widget's key cannot start a checkout.
    const widget = await servers[0].inject({ method: 'POST', url, headers: bearer(live.publishableKey) });
    expect(widget.statusCode).toBe(403);

    const asked = Date.now();
    const first = await servers[1].inject({ method: 'POST', url, headers: bearer(live.secretKey) });
    const answered = Date.now();
    expect(first.statusCode, first.body).toBe(200);
    const granted = Date.parse(first.json().expiresAt);
    expect(granted).toBeGreaterThan(Date.parse(before));
    expect(granted).toBeGreaterThanOrEqual(asked + GRACE_SECONDS * 1_000 - 50);
    expect(granted).toBeLessThanOrEqual(answered + GRACE_SECONDS * 1_000 + 50);
    expect(first.json().checkoutAt).toBeDefined();

    const second = await servers[0].inject({ method: 'POST', url, headers: bearer(live.secretKey) });
    expect(second.statusCode).toBe(409);
    expect(second.json().error.code).toBe('CHECKOUT_ALREADY_STARTED');
    // An extension afterwards cannot carry it past the bound either (it never shortens it).
    const extended = await servers[0].inject({
      method: 'POST',
      url: `/api/v1/holds/${made.json().holdToken}/extend`,
      headers: bearer(live.secretKey),
    });
    expect(extended.statusCode).toBe(200);
    expect(Date.parse(extended.json().expiresAt)).toBe(granted);

    await waitFor(
      () =>
        hooksFor('/all', ref('order-pay')).some((hook) => hook.body.type === 'hold_extended') &&
        hooksFor('/extended-only', ref('order-pay')).length === 1,
      'hold_extended at both subscribed endpoints',
    );
    for (const path of ['/all', '/extended-only']) {
      const [hook] = hooksFor(path, ref('order-pay')).filter(
        (candidate) => candidate.body.type === 'hold_extended',
      );
      expect(hook!.verified).toBe(true);
      expect(hook!.body.data).toMatchObject({
        type: 'hold_extended',
        reason: 'checkout',
        externalId: ref('order-pay'),
        previousExpiresAt: before,
        expiresAt: first.json().expiresAt,
      });
    }
    expect(hooksFor('/bookings-only', ref('order-pay'))).toEqual([]);
    // One hold_extended for the one checkout; the extend moved nothing, so it reported nothing.
    expect((await outboxRows(ref('order-pay'))).filter((row) => row.type === 'hold_extended')).toHaveLength(
      1,
    );

    // The grace is usable: the partner books the hold after its original expiry.
    await waitFor(() => Date.now() > Date.parse(before) + 200, 'the original expiry to pass', 10_000);
    const booked = await servers[0].inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/bookings`,
      headers: { ...bearer(live.secretKey), 'idempotency-key': ref('hold-events-pay') },
      payload: { holdToken: made.json().holdToken, attendee: { email: 'payer@example.test', name: 'Payer' } },
    });
    expect(booked.statusCode, booked.body).toBe(201);
  });

  it("a widget's hold in checkout outlives its page: the socket going away no longer releases it", async () => {
    const socket = widgetSocket(urlOf(servers[0]), live.publishableKey);
    expect(await connected(socket)).toBe('connected');
    const holdOf = async (seatIds: string[]) => {
      const answer = await send(socket, 'hold', { eventId: live.eventId, seatIds });
      if (!answer.ok) throw new Error(answer.error.message);
      return (answer.data as { holdToken: string }).holdToken;
    };
    const paying = await holdOf(['main-B-9']);
    const browsing = await holdOf(['main-B-10']);
    const checkout = await servers[0].inject({
      method: 'POST',
      url: `/api/v1/holds/${paying}/checkout`,
      headers: bearer(live.secretKey),
    });
    expect(checkout.statusCode).toBe(200);
    socket.close();
    const found = async (token: string) =>
      (await servers[1].inject({ url: `/api/v1/holds/${token}`, headers: bearer(live.secretKey) }))
        .statusCode;
    // Both holds' release timers started at the disconnect: once the other one is released, the
    // one in checkout would have been too.
    await waitFor(async () => (await found(browsing)) === 404, "the browsing hold's release", 10_000);
    expect(await found(paying)).toBe(200);
    // A widget hold is a hold of the organization: its checkout is reported as well.
    await waitFor(
      () =>
        receiver.received.some(
          (hook) =>
            hook.path === '/all' &&
            hook.body.type === 'hold_extended' &&
            (hook.body.data as HoldNotificationMessage).seats.includes('main-B-9'),
        ),
      'hold_extended of the widget hold',
    );
  });

  it('checkout never shortens a hold that has more time left than the grace', async () => {
    const made = await hold(servers[0], roomy, roomy.secretKey, {
      seats: ['main-A-1'],
      externalId: ref('order-roomy'),
    });
    const checkout = await servers[0].inject({
      method: 'POST',
      url: `/api/v1/holds/${made.json().holdToken}/checkout`,
      headers: bearer(roomy.secretKey),
    });
    expect(checkout.statusCode).toBe(200);
    expect(checkout.json().expiresAt).toBe(made.json().expiresAt);
  });

  it('refuses an externalId from the widget key, on an existing hold, or with control characters', async () => {
    const fromWidget = await hold(servers[0], live, live.publishableKey, {
      seats: ['main-A-9'],
      externalId: 'x',
    });
    expect(fromWidget.statusCode).toBe(403);
    expect(fromWidget.json().error.code).toBe('FORBIDDEN');
    const made = await hold(servers[0], live, live.secretKey, { seats: ['main-A-8'] });
    const added = await hold(servers[0], live, live.secretKey, {
      seats: ['main-A-7'],
      holdToken: made.json().holdToken,
      externalId: 'late',
    });
    expect(added.statusCode).toBe(400);
    expect(added.json().error.code).toBe('VALIDATION_FAILED');
    const control = await hold(servers[0], live, live.secretKey, { seats: ['main-A-6'], externalId: 'a\nb' });
    expect(control.statusCode).toBe(400);
    expect(control.json().error.code).toBe('VALIDATION_FAILED');
  });
});

describe('webhook subscriptions', () => {
  it('validates types, stores them, and changes them with PATCH', async () => {
    const base = `/api/v1/orgs/${quiet.orgId}/webhooks`;
    const unknown = await servers[0].inject({
      method: 'POST',
      url: base,
      headers: bearer(quiet.token),
      payload: { url: receiver.url('/typed'), types: ['hold_exploded'] },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.code).toBe('VALIDATION_FAILED');
    const empty = await servers[0].inject({
      method: 'POST',
      url: base,
      headers: bearer(quiet.token),
      payload: { url: receiver.url('/typed'), types: [] },
    });
    expect(empty.statusCode).toBe(400);

    const id = await registerEndpoint(quiet, '/typed', ['hold_expired']);
    const listed = await servers[0].inject({ url: base, headers: bearer(quiet.token) });
    expect(listed.json().endpoints.find((endpoint: { id: string }) => endpoint.id === id).types).toEqual([
      'hold_expired',
    ]);
    const patched = await servers[0].inject({
      method: 'PATCH',
      url: `${base}/${id}`,
      headers: bearer(quiet.token),
      payload: { types: ['hold_expiring', 'booking_confirmed'] },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().types).toEqual(['hold_expiring', 'booking_confirmed']);
    const reset = await servers[0].inject({
      method: 'PATCH',
      url: `${base}/${id}`,
      headers: bearer(quiet.token),
      payload: { types: null },
    });
    expect(reset.json().types).toBeNull();
    const nothing = await servers[0].inject({
      method: 'PATCH',
      url: `${base}/${id}`,
      headers: bearer(quiet.token),
      payload: {},
    });
    expect(nothing.statusCode).toBe(400);
    const removed = await servers[0].inject({
      method: 'DELETE',
      url: `${base}/${id}`,
      headers: bearer(quiet.token),
    });
    expect(removed.statusCode).toBe(204);
  });
});
