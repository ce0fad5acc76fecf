/**
 * Operators and organization admins: the shared queues and every dead letter belong to the
 * deployment's operators (OPERATOR_EMAILS); an organization's admin sees and replays only its own
 * organization's dead letters, and the other organizations' stay where they were, in order. Real
 * RabbitMQ queues with unique names.
 */
import {
  type DeadLetter,
  deadLetterQueueName,
  declareTopology,
  NotificationHeaders,
  type NotificationMessage,
  notificationTopology,
  type QueueStats,
} from '@happening/shared';
import {
  bookingMessage,
  deletePipeline,
  invitationMessage,
  RABBITMQ_URL,
  testRetry,
  uniqueQueue,
} from '@happening/testing/notifications';
import {
  accountOutsideSignup,
  addMember,
  bearer,
  buildTestApp,
  type SignedUp,
  signup,
  type TestApp,
  uniqueEmail,
} from '@happening/testing/server';
import amqplib from 'amqplib';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const queue = uniqueQueue();
const operatorEmail = uniqueEmail('operator');
/** Listed as an operator but without an account: nobody may claim it by signing up. */
const unclaimedOperatorEmail = uniqueEmail('unclaimed-operator');
let app: TestApp;
let url: string;
let operator: SignedUp;
let adminA: SignedUp;
let adminB: SignedUp;
let organizerA: SignedUp;
const sockets: Socket[] = [];

beforeAll(async () => {
  app = await buildTestApp({
    NOTIFICATIONS_QUEUE: queue,
    OPERATOR_EMAILS: ` ${operatorEmail.toUpperCase()}, ${unclaimedOperatorEmail} `,
    QUEUE_STATS_PUSH_MS: '150',
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  operator = await accountOutsideSignup(app, operatorEmail);
  adminA = await signup(app, 'dead-letters-a');
  adminB = await signup(app, 'dead-letters-b');
  organizerA = await addMember(app, adminA.orgId, 'organizer');
  // The pipeline exists before anything is dead-lettered into it (the worker declares it so too).
  const connection = await amqplib.connect(RABBITMQ_URL);
  const channel = await connection.createChannel();
  await declareTopology(channel, notificationTopology(queue));
  await connection.close();
});

afterAll(async () => {
  for (const socket of sockets) socket.close();
  await app?.close();
  await deletePipeline(queue, testRetry).catch(() => {});
});

/** Dead-letters messages the way the worker does: into `N.dead`, with the reason in a header. */
async function deadLetter(messages: NotificationMessage[]): Promise<void> {
  const connection = await amqplib.connect(RABBITMQ_URL);
  const channel = await connection.createConfirmChannel();
  for (const message of messages) {
    channel.sendToQueue(deadLetterQueueName(queue), Buffer.from(JSON.stringify(message)), {
      persistent: true,
      contentType: 'application/json',
      messageId: message.id,
      type: message.type,
      headers: {
        [NotificationHeaders.reason]: `email attendee: 550 mailbox of ${message.id} unknown`,
        [NotificationHeaders.deadLetteredAt]: new Date().toISOString(),
      },
    });
  }
  channel.sendToQueue(deadLetterQueueName(queue), Buffer.from('{not json'), { messageId: 'poison' });
  await channel.waitForConfirms();
  await connection.close();
}

/**
 * The message ids in a queue, in queue order. Each message is taken and given back explicitly in
 * that order (closing the channel instead gives them back in no particular order).
 */
async function idsIn(name: string): Promise<string[]> {
  const connection = await amqplib.connect(RABBITMQ_URL);
  const channel = await connection.createChannel();
  const held: amqplib.GetMessage[] = [];
  for (;;) {
    const message = await channel.get(name, { noAck: false });
    if (!message) break;
    held.push(message);
  }
  for (const message of held) channel.nack(message, false, true);
  // Nacks are not confirmed: wait until the queue shows every message back before going on.
  await expect
    .poll(async () => (await channel.checkQueue(name)).messageCount)
    .toBeGreaterThanOrEqual(held.length);
  await connection.close();
  return held.map((message) => String(message.properties.messageId));
}

const call = (method: 'GET' | 'POST', path: string, token?: string, payload?: object) =>
  app.inject({
    method,
    url: `/api/v1${path}`,
    ...(token ? { headers: bearer(token) } : {}),
    ...(method === 'POST' ? { payload: payload ?? {} } : {}),
  });

describe('operators and organization admins', () => {
  it('keeps the deployment-wide routes to operators, and organization admins to their own dead letters', async () => {
    const a1 = bookingMessage('booking_confirmed', adminA.orgId);
    const a2 = invitationMessage(adminA.orgId);
    const b1 = bookingMessage('booking_cancelled', adminB.orgId);
    const b2 = bookingMessage('booking_waitlisted', adminB.orgId);
    const b3 = bookingMessage('event_cancelled', adminB.orgId);
    // Interleaved, as failures of several organizations arrive; the poison message is nobody's.
    await deadLetter([b1, a1, b2, a2, b3]);
    const dead = deadLetterQueueName(queue);
    const everyLetter = [b1.id, a1.id, b2.id, a2.id, b3.id, 'poison'];
    expect(await idsIn(dead)).toEqual(everyLetter);

    // A freshly signed-up admin, an organizer, a stranger and a bad token: the operator routes
    // answer as if they did not exist.
    const unknownRoute = await call('GET', '/ops/nothing-here', adminA.token);
    for (const token of [adminA.token, organizerA.token, undefined, 'not-a-token', `${operator.token}x`]) {
      for (const [method, path] of [
        ['GET', '/ops/queues'],
        ['POST', '/ops/dead-letters/replay'],
      ] as const) {
        const refused = await call(method, path, token);
        expect(refused.statusCode, `${method} ${path}`).toBe(404);
        expect(refused.json().error.code).toBe(unknownRoute.json().error.code);
        expect(refused.json().error.message).toBe(`No route ${method} /api/v1${path}`);
      }
    }
    // Nor can an admin reach another organization's letters through the organization routes.
    expect((await call('GET', `/orgs/${adminB.orgId}/dead-letters`, adminA.token)).statusCode).toBe(404);
    expect((await call('POST', `/orgs/${adminB.orgId}/dead-letters/replay`, adminA.token)).statusCode).toBe(
      404,
    );
    const organizerView = await call('GET', `/orgs/${adminA.orgId}/dead-letters`, organizerA.token);
    expect(organizerView.statusCode).toBe(403);
    expect(organizerView.json().error.code).toBe('FORBIDDEN');
    expect(
      (await call('POST', `/orgs/${adminA.orgId}/dead-letters/replay`, organizerA.token)).statusCode,
    ).toBe(403);
    expect(await idsIn(dead)).toEqual(everyLetter);

    // Each admin sees its own organization's letters, oldest first, and why they failed.
    const viewA = await call('GET', `/orgs/${adminA.orgId}/dead-letters`, adminA.token);
    expect(viewA.statusCode).toBe(200);
    expect(viewA.json()).toEqual({
      total: 2,
      deadLetters: [a1, a2].map((message) => ({
        messageId: message.id,
        type: message.type,
        reason: `email attendee: 550 mailbox of ${message.id} unknown`,
        deadLetteredAt: expect.any(String),
      })),
    });
    // Only what failed and why: never a body (booking links carry manage tokens).
    expect(viewA.body).not.toContain('manage');
    expect(viewA.body).not.toContain('invitations/inv_');
    const viewB = await call('GET', `/orgs/${adminB.orgId}/dead-letters?limit=2`, adminB.token);
    expect(viewB.json().total).toBe(3);
    expect(viewB.json().deadLetters.map((letter: DeadLetter) => letter.messageId)).toEqual([b1.id, b2.id]);
    // Looking took nothing away and moved nothing.
    expect(await idsIn(dead)).toEqual(everyLetter);

    // The operator sees the whole deployment.
    const stats = await call('GET', '/ops/queues', operator.token);
    expect(stats.statusCode).toBe(200);
    expect(stats.json().deadLetters).toBe(6);
    expect(stats.json().queues.map((q: { name: string }) => q.name)).toEqual([queue, dead]);

    // Organization A replays its own: exactly those go back to work, B's and the poison stay, in order.
    const replayA = await call('POST', `/orgs/${adminA.orgId}/dead-letters/replay`, adminA.token);
    expect(replayA.statusCode).toBe(200);
    expect(replayA.json()).toEqual({ replayed: 2 });
    expect(await idsIn(queue)).toEqual([a1.id, a2.id]);
    expect(await idsIn(dead)).toEqual([b1.id, b2.id, b3.id, 'poison']);
    expect((await call('GET', `/orgs/${adminA.orgId}/dead-letters`, adminA.token)).json()).toEqual({
      total: 0,
      deadLetters: [],
    });
    expect((await call('GET', `/orgs/${adminB.orgId}/dead-letters`, adminB.token)).json().total).toBe(3);

    // B replays one of three; then the operator replays everything that is left, of everyone.
    const replayOne = await call('POST', `/orgs/${adminB.orgId}/dead-letters/replay`, adminB.token, {
      limit: 1,
    });
    expect(replayOne.json()).toEqual({ replayed: 1 });
    expect(await idsIn(dead)).toEqual([b2.id, b3.id, 'poison']);
    const replayAll = await call('POST', '/ops/dead-letters/replay', operator.token);
    expect(replayAll.statusCode).toBe(200);
    expect(replayAll.json()).toEqual({ replayed: 3 });
    expect(await idsIn(dead)).toEqual([]);
    expect(await idsIn(queue)).toEqual([a1.id, a2.id, b1.id, b2.id, b3.id, 'poison']);
  });

  it('says who is an operator, and lets nobody sign up with an operator address', async () => {
    const me = await call('GET', '/auth/me', operator.token);
    expect(me.json()).toMatchObject({ user: { email: operatorEmail }, organizations: [], operator: true });
    expect((await call('GET', '/auth/me', adminA.token)).json().operator).toBe(false);
    const login = await call('POST', '/auth/login', undefined, {
      email: operatorEmail,
      password: operator.password,
    });
    expect(login.json().operator).toBe(true);

    // An operator address nobody has claimed yet answers like a taken one, whatever the case.
    const claim = await call('POST', '/auth/signup', undefined, {
      email: unclaimedOperatorEmail.toUpperCase(),
      password: 'correct horse battery staple',
      name: 'Mallory',
      organization: { name: 'Not an operator' },
    });
    expect(claim.statusCode).toBe(409);
    expect(claim.json().error).toEqual({
      code: 'EMAIL_TAKEN',
      message: 'An account with this email already exists',
    });
  });

  it("pushes queue stats to operators' consoles only", async () => {
    const connect = (token: string) => {
      const socket = io(`${url}/console`, {
        auth: { token },
        transports: ['websocket'],
        reconnection: false,
      });
      sockets.push(socket);
      const pushed: QueueStats[] = [];
      socket.on('queues', (stats) => pushed.push(stats));
      return { socket, pushed };
    };
    const admin = connect(adminA.token);
    await new Promise<void>((resolve) => admin.socket.once('connect', () => resolve()));
    const ops = connect(operator.token);
    await expect.poll(() => ops.pushed.length).toBeGreaterThanOrEqual(3);
    expect(ops.pushed[0]!.queues.map((q) => q.name)).toEqual([queue, deadLetterQueueName(queue)]);
    expect(admin.socket.connected).toBe(true);
    expect(admin.pushed).toEqual([]);
  });
});
