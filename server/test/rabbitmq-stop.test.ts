/**
 * Fault drill: RabbitMQ stopped (`rabbitmqctl stop_app`) while bookings keep coming, then started
 * again. Every booking's confirmation email reaches its attendee once (one Message-ID per person),
 * none is lost: the outbox keeps what the broker could not take, the relay and the worker
 * reconnect by themselves.
 *
 * The broker is a node this file starts itself (`@happening/testing/rabbitmq`: its own node name,
 * ports and directories), never the shared one, so this file may run beside other test files.
 */
import { TEST_DATABASE_URL } from '@happening/testing/env';
import { attendee, type LiveEvent, publishedEvent, rowsMap } from '@happening/testing/inventory';
import { quietLog, TestSmtp, uniqueQueue, waitFor, workerEnv } from '@happening/testing/notifications';
import { type RabbitNode, startRabbitNode } from '@happening/testing/rabbitmq';
import { bearer, buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import { createLogger, loadWorkerConfig, NotificationWorker } from '@happening/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxRelay } from '../src/notifications/relay.js';

const queue = uniqueQueue();
const smtp = new TestSmtp();
const PREFETCH = 10;
let broker: RabbitNode & { stopAll(): Promise<void> };
let app: TestApp;
let owner: SignedUp;
let relay: OutboxRelay;
let worker: NotificationWorker;

beforeAll(async () => {
  await smtp.start();
  broker = await startRabbitNode();
  app = await buildTestApp({ NOTIFICATIONS_QUEUE: queue, RABBITMQ_URL: broker.url });
  owner = await signup(app, 'broker-stop');
  relay = new OutboxRelay({
    pool: app.pg,
    databaseUrl: TEST_DATABASE_URL,
    rabbitmqUrl: broker.url,
    queue,
    orgIds: [owner.orgId],
    log: quietLog,
  });
  await relay.start();
  const config = loadWorkerConfig(
    workerEnv(queue, smtp.url, { RABBITMQ_URL: broker.url, WORKER_PREFETCH: String(PREFETCH) }),
  );
  worker = new NotificationWorker(config, createLogger(config));
  await worker.start();
}, 120_000);

afterAll(async () => {
  await worker?.stop(2_000);
  await relay?.stop();
  await app?.close();
  await smtp.stop();
  await broker?.stopAll();
}, 60_000);

const BOOKINGS = 120;
const AT_ONCE = 6;

async function book(live: LiveEvent, i: number, run: string): Promise<string> {
  const seat = `main-${String.fromCharCode(65 + (i % 6))}-${Math.floor(i / 6) + 1}`;
  const held = await app.inject({
    method: 'POST',
    url: `/api/v1/events/${live.eventId}/holds`,
    headers: bearer(live.publishableKey),
    // One attendee each: holds are capped per address.
    remoteAddress: `10.8.${Math.floor(i / 250)}.${i % 250}`,
    payload: { seats: [seat] },
  });
  if (held.statusCode !== 200) throw new Error(`hold ${held.statusCode} ${held.body}`);
  const who = attendee(`${run}-${i}`);
  const booked = await app.inject({
    method: 'POST',
    url: `/api/v1/events/${live.eventId}/bookings`,
    headers: bearer(live.secretKey),
    payload: { holdToken: held.json().holdToken, attendee: who },
  });
  if (booked.statusCode !== 201) throw new Error(`book ${booked.statusCode} ${booked.body}`);
  return who.email;
}

describe('RabbitMQ stopped and started mid-sale', () => {
  it('every booking email arrives once per person, none lost', async () => {
    const live = await publishedEvent(app, owner, rowsMap(6, 25));
    const run = crypto.randomUUID().slice(0, 8);
    const emails: string[] = [];
    // Bookings 0–29 with the broker up, 30–79 while it is stopped, 80– after it started again.
    let stoppedAt = 0;
    let startedAt = 0;
    let bookedWhileDown = 0;
    let bookedDuringOutage = 0;
    let wentDown: Promise<void> | undefined;
    let cameBack: Promise<void> | undefined;
    let next = 0;
    const lane = async () => {
      while (next < BOOKINGS) {
        const i = next++;
        if (i === 30) {
          wentDown = broker.stopApp().then(() => {
            stoppedAt = Date.now();
          });
        }
        if (i >= 30) await wentDown;
        if (i >= 80) {
          cameBack ??= waitFor(() => bookedDuringOutage >= 50, 'the bookings while down', 60_000)
            .then(() => broker.startApp())
            .then(() => {
              startedAt = Date.now();
            });
          await cameBack;
        }
        const email = await book(live, i, run);
        if (i >= 30 && i < 80) bookedDuringOutage++;
        if (stoppedAt && !startedAt) bookedWhileDown++;
        emails.push(email);
      }
    };
    await Promise.all(Array.from({ length: AT_ONCE }, lane));
    expect(bookedWhileDown).toBeGreaterThan(0);

    const mine = () => smtp.mails.filter((mail) => mail.to[0]?.includes(`-${run}-`));
    await waitFor(
      () => new Set(mine().map((mail) => mail.to[0])).size === BOOKINGS,
      `every booking email (${new Set(mine().map((mail) => mail.to[0])).size} of ${BOOKINGS})`,
      60_000,
    );
    const allDeliveredAt = Date.now();
    // Once per person: one Message-ID for each attendee, each confirming their booking.
    const byPerson = new Map<string, Set<string>>();
    for (const mail of mine()) {
      expect(mail.subject).toContain('Booking confirmed');
      byPerson.set(mail.to[0]!, (byPerson.get(mail.to[0]!) ?? new Set()).add(mail.messageIdHeader));
    }
    expect([...byPerson.keys()].sort()).toEqual([...emails].sort());
    expect([...byPerson.values()].filter((ids) => ids.size !== 1)).toEqual([]);
    // On the wire only a mail accepted in the instant the broker went (its ack lost) can repeat,
    // with the same Message-ID: bounded by what the worker had in flight.
    const repeats = mine().length - BOOKINGS;
    expect(repeats).toBeLessThanOrEqual(PREFETCH);
    console.info(
      `[drill] rabbitmq stop_app: ${BOOKINGS} bookings, ${bookedWhileDown} made while it was down ` +
        `(${startedAt - stoppedAt} ms), all ${BOOKINGS} emails delivered ${allDeliveredAt - startedAt} ms after ` +
        `start_app, ${repeats} repeated on the wire`,
    );
  }, 150_000);
});
