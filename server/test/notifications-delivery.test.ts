/**
 * The notification pipeline end to end against real peers: outbox → relay → RabbitMQ → worker →
 * SMTP server, webhook receiver (signatures verified) and in-app records.
 */
import { randomUUID } from 'node:crypto';
import type { PersonalNotificationMessage as NotificationMessage } from '@happening/shared';
import { TEST_DATABASE_URL } from '@happening/testing/env';
import {
  bookingMessage,
  deletePipeline,
  enqueue,
  invitationMessage,
  peekDeadLetters,
  quietLog,
  RABBITMQ_URL,
  TestReceiver,
  TestSmtp,
  testRetry,
  uniqueQueue,
  waitFor,
  workerEnv,
} from '@happening/testing/notifications';
import {
  accountOutsideSignup,
  bearer,
  buildTestApp,
  type SignedUp,
  signup,
  type TestApp,
  uniqueEmail,
} from '@happening/testing/server';
import { createLogger, loadWorkerConfig, NotificationWorker } from '@happening/worker';
import amqplib from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxRelay } from '../src/notifications/relay.js';

const queue = uniqueQueue();
const smtp = new TestSmtp();
const receiver = new TestReceiver();
let app: TestApp;
let owner: SignedUp;
let flaky: SignedUp;
let operator: SignedUp;
const operatorEmail = uniqueEmail('delivery-operator');
let relay: OutboxRelay;
let worker: NotificationWorker;

async function registerEndpoint(org: SignedUp, path: string): Promise<void> {
  const response = await app.inject({
    method: 'POST',
    url: `/api/v1/orgs/${org.orgId}/webhooks`,
    headers: bearer(org.token),
    payload: { url: receiver.url(path), description: 'test receiver' },
  });
  expect(response.statusCode).toBe(201);
  receiver.secrets.set(path, response.json().secret);
}

async function deliveries(org: SignedUp, messageId: string) {
  const response = await app.inject({
    method: 'GET',
    url: `/api/v1/orgs/${org.orgId}/deliveries?messageId=${messageId}`,
    headers: bearer(org.token),
  });
  expect(response.statusCode).toBe(200);
  return response.json().deliveries as {
    channel: string;
    status: string;
    attempts: number;
    lastError: string | null;
  }[];
}

beforeAll(async () => {
  await Promise.all([smtp.start(), receiver.start()]);
  app = await buildTestApp({
    NOTIFICATIONS_QUEUE: queue,
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    OPERATOR_EMAILS: operatorEmail,
  });
  operator = await accountOutsideSignup(app, operatorEmail);
  owner = await signup(app, 'owner');
  flaky = await signup(app, 'flaky');
  await registerEndpoint(owner, '/owner');
  await registerEndpoint(flaky, '/flaky');
  receiver.statuses.set('/flaky', 503);
  relay = new OutboxRelay({
    pool: app.pg,
    databaseUrl: TEST_DATABASE_URL,
    rabbitmqUrl: RABBITMQ_URL,
    queue,
    orgIds: [owner.orgId, flaky.orgId],
    log: quietLog,
  });
  await relay.start();
  const config = loadWorkerConfig(workerEnv(queue, smtp.url));
  worker = new NotificationWorker(config, createLogger(config));
  await worker.start();
});

afterAll(async () => {
  await worker?.stop();
  await relay?.stop();
  await app?.close();
  await Promise.all([smtp.stop(), receiver.stop()]);
  await deletePipeline(queue, testRetry);
});

const subjects: Record<NotificationMessage['type'], string> = {
  booking_confirmed: 'Booking confirmed: Night of the Strings',
  booking_waitlisted: 'You are on the waitlist: Night of the Strings',
  waitlist_promoted: 'Places are waiting for you: Night of the Strings',
  booking_cancelled: 'Booking cancelled: Night of the Strings',
  event_cancelled: 'Event cancelled: Night of the Strings',
  invitation_received: 'Grace Hopper invited you to Harbour Concerts on Happening',
  queue_opened: 'never emailed',
  queue_sold_out: 'never emailed',
};

describe('notification delivery', () => {
  const six: NotificationMessage[] = [];

  it('delivers each of the six types to the right person by email and by signed webhook', async () => {
    six.push(
      bookingMessage('booking_confirmed', owner.orgId),
      bookingMessage('booking_waitlisted', owner.orgId),
      bookingMessage('waitlist_promoted', owner.orgId),
      bookingMessage('booking_cancelled', owner.orgId),
      bookingMessage('event_cancelled', owner.orgId),
      invitationMessage(owner.orgId),
    );
    await enqueue(app.pg, six);
    const ids = six.map((message) => message.id);
    await waitFor(
      () =>
        smtp.mailsFor(ids).length === 6 &&
        receiver.received.filter((hook) => ids.includes(hook.id)).length === 6,
      'six emails and six webhooks',
    );

    for (const message of six) {
      const [mail] = smtp.mailsFor([message.id]);
      const recipient =
        message.type === 'invitation_received'
          ? message.invitee.email
          : 'attendee' in message
            ? message.attendee.email
            : '';
      expect(mail!.to).toEqual([recipient]);
      expect(mail!.subject).toBe(subjects[message.type]);
      expect(mail!.messageIdHeader).toBe(`<${message.id}@notifications.happening>`);
      expect(mail!.body).toContain('text/html');
      if (message.type === 'invitation_received') {
        expect(mail!.body).toContain(message.acceptUrl);
        expect(mail!.body).toContain('as organizer');
      } else {
        expect(mail!.body).toContain('Hello Ada Lovelace');
        expect(mail!.body).toContain(
          'Night of the Strings, Wednesday, 1 May 2030 at 19:30 UTC, Harbour Hall',
        );
        if (message.type === 'booking_waitlisted') expect(mail!.body).toContain('number 3 on the waitlist');
        else expect(mail!.body).toContain('orch-A-1 and orch-A-2');
      }
      const hook = receiver.received.find((candidate) => candidate.id === message.id)!;
      expect(hook.path).toBe('/owner');
      expect(hook.verified).toBe(true);
      expect(hook.body.type).toBe(message.type);
      if (message.type === 'invitation_received') {
        // The accept link is the invitee's alone (its token creates the invited account).
        const { acceptUrl, ...withoutLink } = message;
        expect(hook.body.data).toEqual(withoutLink);
        expect(JSON.stringify(hook.body)).not.toContain(new URL(acceptUrl).hash.slice(1));
      } else {
        expect(hook.body.data).toEqual(message);
      }
    }

    // Status through the API: published, handled, three deliveries sent (email, webhook, in-app).
    const status = await app.inject({
      method: 'GET',
      url: `/api/v1/orgs/${owner.orgId}/notifications/${six[0]!.id}`,
      headers: bearer(owner.token),
    });
    expect(status.json()).toMatchObject({ handled: true, publishAttempts: 1 });
    expect(status.json().publishedAt).not.toBeNull();
    expect(
      status
        .json()
        .deliveries.map((d: { channel: string; status: string }) => `${d.channel}:${d.status}`)
        .sort(),
    ).toEqual(['email:sent', 'in_app:sent', 'webhook:sent']);
    const inbox = await app.inject({
      method: 'GET',
      url: `/api/v1/orgs/${owner.orgId}/notifications`,
      headers: bearer(owner.token),
    });
    expect(
      inbox
        .json()
        .notifications.map((n: { title: string }) => n.title)
        .sort(),
    ).toEqual([
      'Booking cancelled',
      'Booking confirmed',
      'Event cancelled',
      'Invitation sent',
      'Waitlist promoted',
      'Waitlisted',
    ]);
  });

  it('does not send a redelivered message to the person again', async () => {
    const message = six[0]!;
    const before = worker.outcomes.duplicate;
    // The relay may publish a row twice (a crash between confirm and commit); simulate that.
    const connection = await amqplib.connect(RABBITMQ_URL);
    const channel = await connection.createConfirmChannel();
    channel.sendToQueue(queue, Buffer.from(JSON.stringify(message)), {
      messageId: message.id,
      persistent: true,
    });
    await channel.waitForConfirms();
    await connection.close();
    await waitFor(() => worker.outcomes.duplicate > before, 'the duplicate to be consumed');
    expect(smtp.mailsFor([message.id])).toHaveLength(1);
    expect(receiver.received.filter((hook) => hook.id === message.id)).toHaveLength(1);
  });

  it('retries while SMTP is down and delivers once it is back', async () => {
    const port = smtp.port;
    await smtp.stop();
    const message = bookingMessage('booking_confirmed', owner.orgId);
    await enqueue(app.pg, [message]);
    await waitFor(async () => {
      const email = (await deliveries(owner, message.id)).find((d) => d.channel === 'email');
      return email?.status === 'pending' && email.attempts >= 1;
    }, 'a failed first attempt');
    const pending = (await deliveries(owner, message.id)).find((d) => d.channel === 'email')!;
    expect(pending.lastError).toMatch(/SMTP/);
    expect(smtp.mailsFor([message.id])).toHaveLength(0);

    await smtp.start(port);
    await waitFor(() => smtp.mailsFor([message.id]).length === 1, 'the email after SMTP came back');
    await waitFor(
      async () => (await deliveries(owner, message.id)).every((d) => d.status === 'sent'),
      'every delivery recorded as sent',
    );
    // The webhook went out on the first attempt and was not repeated by the email's retries.
    expect(receiver.received.filter((hook) => hook.id === message.id)).toHaveLength(1);
  });

  it('dead-letters unreadable and invalid messages at once, with the reason', async () => {
    const retriesBefore = worker.outcomes.retry;
    const connection = await amqplib.connect(RABBITMQ_URL);
    const channel = await connection.createConfirmChannel();
    const garbageId = randomUUID();
    const invalidId = randomUUID();
    channel.sendToQueue(queue, Buffer.from('{not json'), { messageId: garbageId });
    channel.sendToQueue(queue, Buffer.from(JSON.stringify({ id: invalidId, type: 'booking_confirmed' })), {
      messageId: invalidId,
    });
    await channel.waitForConfirms();
    await connection.close();
    let dead: { messageId: string; reason: string }[] = [];
    await waitFor(async () => {
      dead = await peekDeadLetters(queue);
      return [garbageId, invalidId].every((id) => dead.some((letter) => letter.messageId === id));
    }, 'both dead letters');
    expect(dead.find((letter) => letter.messageId === garbageId)!.reason).toMatch(/^unreadable: not JSON/);
    expect(dead.find((letter) => letter.messageId === invalidId)!.reason).toMatch(
      /^invalid: .*must have required/,
    );
    expect(worker.outcomes.retry).toBe(retriesBefore);
  });

  it('retries a failing webhook with backoff, dead-letters it after the limit, and replays it', async () => {
    const message = bookingMessage('booking_cancelled', flaky.orgId);
    await enqueue(app.pg, [message]);
    let dead: { messageId: string; reason: string }[] = [];
    await waitFor(async () => {
      dead = await peekDeadLetters(queue);
      return dead.some((letter) => letter.messageId === message.id);
    }, 'the dead letter');
    expect(dead.find((letter) => letter.messageId === message.id)!.reason).toMatch(
      /webhook .*: webhook answered HTTP 503 \(gave up after 4 attempts\)/,
    );
    const failed = await deliveries(flaky, message.id);
    expect(failed.find((d) => d.channel === 'webhook')).toMatchObject({ status: 'failed', attempts: 4 });
    expect(failed.find((d) => d.channel === 'email')).toMatchObject({ status: 'sent', attempts: 1 });

    // The operator sees the deployment's queues; the organization's admin its own dead letter.
    const stats = await app.inject({
      method: 'GET',
      url: '/api/v1/ops/queues',
      headers: bearer(operator.token),
    });
    expect(stats.statusCode).toBe(200);
    expect(stats.json().queues[0]).toMatchObject({ name: queue, consumers: 1 });
    expect(stats.json().deadLetters).toBeGreaterThanOrEqual(1);
    expect(stats.json().perMinute.length).toBeGreaterThanOrEqual(1);
    const own = await app.inject({
      method: 'GET',
      url: `/api/v1/orgs/${flaky.orgId}/dead-letters`,
      headers: bearer(flaky.token),
    });
    expect(own.statusCode).toBe(200);
    expect(own.json().deadLetters).toContainEqual(
      expect.objectContaining({
        messageId: message.id,
        type: 'booking_cancelled',
        reason: expect.stringMatching(/webhook answered HTTP 503 \(gave up after 4 attempts\)/),
      }),
    );

    receiver.statuses.set('/flaky', 200);
    const replay = await app.inject({
      method: 'POST',
      url: `/api/v1/orgs/${flaky.orgId}/dead-letters/replay`,
      headers: bearer(flaky.token),
      payload: {},
    });
    expect(replay.statusCode).toBe(200);
    expect(replay.json().replayed).toBeGreaterThanOrEqual(1);
    await waitFor(
      () => receiver.received.some((hook) => hook.id === message.id && hook.path === '/flaky'),
      'the replayed webhook',
    );
    await waitFor(
      async () => (await deliveries(flaky, message.id)).every((d) => d.status === 'sent'),
      'every delivery sent after the replay',
    );
    // The email had gone out before; the replay did not send it again.
    expect(smtp.mailsFor([message.id])).toHaveLength(1);
    expect((await peekDeadLetters(queue)).some((letter) => letter.messageId === message.id)).toBe(false);
  });
});
