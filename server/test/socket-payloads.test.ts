import { randomUUID } from 'node:crypto';
import {
  type Ack,
  CONSOLE_NAMESPACE,
  type ConsoleClientToServer,
  type ConsoleServerToClient,
  WIDGET_NAMESPACE,
  type WidgetClientToServer,
  type WidgetServerToClient,
} from '@happening/shared';
import { type LiveEvent, publishedEvent, rowsMap } from '@happening/testing/inventory';
import { buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Socket messages take the same id and token shapes as REST: a malformed `eventId`, `holdToken`,
 * `bookingId` or `orgId` gets an error ack with a code (never INTERNAL_ERROR from a failed uuid
 * cast), and a real 74-character hold token works on every message that takes one.
 */

let app: TestApp;
let url: string;
let owner: SignedUp;
let live: LiveEvent;
const sockets: Socket[] = [];

beforeAll(async () => {
  // Each test sends dozens of messages on one socket: more than the honest per-socket rate, whose
  // refusals (and the disconnect after ten) have their own test in widget-limits.test.ts.
  app = await buildTestApp({
    SOCKET_MESSAGES_PER_MINUTE: '100000',
    CONSOLE_SOCKET_MESSAGES_PER_MINUTE: '100000',
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  owner = await signup(app, 'sockets');
  live = await publishedEvent(app, owner, rowsMap(2, 10));
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await app.close();
});

async function connect<S extends Socket>(namespace: string, auth: Record<string, string>): Promise<S> {
  const socket = io(`${url}${namespace}`, { auth, transports: ['websocket'], reconnection: false });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket as S;
}

/** The ack of one message, whatever its name (the maps type the payloads of real clients). */
function send(socket: Socket, event: string, payload: unknown): Promise<Ack<unknown>> {
  return socket.timeout(10_000).emitWithAck(event, payload) as Promise<Ack<unknown>>;
}

const errorCode = (answer: Ack<unknown>) => (answer.ok ? 'ok' : answer.error.code);

/** Shapes no id or token has; each must be refused as VALIDATION_FAILED. */
const malformedIds: unknown[] = [
  'x'.repeat(36),
  `urn:uuid:${randomUUID()}`,
  `{${randomUUID()}}`,
  '',
  'é'.repeat(36),
  'a'.repeat(500),
  42,
  null,
  { $gt: '' },
];
const malformedTokens: unknown[] = [
  `${'x'.repeat(36)}.hold_abc`,
  `urn:uuid:${randomUUID()}.hold_abc`,
  'hold_abc',
  '',
  'a'.repeat(500),
  42,
  ['x'],
];

describe('widget socket payloads', () => {
  let widget: Socket<WidgetServerToClient, WidgetClientToServer>;
  beforeAll(async () => {
    widget = await connect(WIDGET_NAMESPACE, { publishableKey: live.publishableKey });
  });

  it('refuses malformed event ids, hold tokens and booking ids with VALIDATION_FAILED', async () => {
    const answers: { message: string; value: unknown; code: string }[] = [];
    const record = async (message: string, value: unknown, payload: unknown) =>
      answers.push({ message, value, code: errorCode(await send(widget, message, payload)) });
    for (const id of malformedIds) {
      await record('join', id, { eventId: id });
      await record('leave', id, { eventId: id });
      await record('hold', id, { eventId: id, seatIds: ['main-A-1'] });
      await record('waitlist:watch', id, { bookingId: id, manageToken: 'mt_x' });
    }
    for (const token of malformedTokens) {
      await record('join', token, { eventId: live.eventId, holdToken: token });
      await record('hold', token, { eventId: live.eventId, seatIds: ['main-A-1'], holdToken: token });
      await record('release', token, { holdToken: token, seatIds: ['main-A-1'] });
    }
    expect(answers.filter((answer) => answer.code !== 'VALIDATION_FAILED')).toEqual([]);
  });

  it('checks the whole payload before any lookup, and names the field', async () => {
    // The hand checks looked the event up first and answered NOT_FOUND for these.
    const unknownEvent = randomUUID();
    const cases: [string, unknown][] = [
      ['hold', { eventId: unknownEvent, seatIds: 'main-A-1' }],
      ['hold', { eventId: unknownEvent, seatIds: ['main-A-1'], altcha: 42 }],
      ['join', { eventId: unknownEvent, holdToken: 'hold_abc' }],
      ['release', { holdToken: `${unknownEvent}.hold_abc`, seatIds: [7] }],
      ['waitlist:watch', { bookingId: randomUUID(), manageToken: '' }],
      ['hold', ['not', 'an', 'object']],
    ];
    for (const [message, payload] of cases) {
      const answer = await send(widget, message, payload);
      expect(errorCode(answer), `${message} ${JSON.stringify(payload)}`).toBe('VALIDATION_FAILED');
    }
    const answer = await send(widget, 'hold', { eventId: live.eventId, seatIds: ['x'.repeat(65)] });
    expect(answer).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', field: 'seatIds.0' } });
  });

  it('answers well-shaped ids and tokens of nothing with a not-found code', async () => {
    const unknownToken = `${randomUUID()}.hold_${'A'.repeat(32)}`;
    expect(errorCode(await send(widget, 'join', { eventId: randomUUID() }))).toBe('NOT_FOUND');
    expect(errorCode(await send(widget, 'release', { holdToken: unknownToken, seatIds: [] }))).toBe(
      'NOT_FOUND',
    );
    expect(
      errorCode(await send(widget, 'release', { holdToken: `${live.eventId}.hold_nope`, seatIds: [] })),
    ).toBe('HOLD_NOT_FOUND');
    expect(
      errorCode(await send(widget, 'waitlist:watch', { bookingId: randomUUID(), manageToken: 'mt_x' })),
    ).toBe('NOT_FOUND');
  });

  it('takes a real 74-character hold token on join, hold and release', async () => {
    const first = await send(widget, 'hold', { eventId: live.eventId, seatIds: ['main-B-1'] });
    if (!first.ok) throw new Error(JSON.stringify(first.error));
    const { holdToken } = first.data as { holdToken: string };
    expect(holdToken).toHaveLength(74);
    const added = await send(widget, 'hold', { eventId: live.eventId, seatIds: ['main-B-2'], holdToken });
    expect(added).toMatchObject({ ok: true, data: { holdToken, seats: ['main-B-1', 'main-B-2'] } });
    expect(await send(widget, 'join', { eventId: live.eventId, holdToken })).toMatchObject({ ok: true });
    expect(await send(widget, 'release', { holdToken, seatIds: ['main-B-1'] })).toEqual({
      ok: true,
      data: { released: ['main-B-1'] },
    });
    const left = await app.inject({
      url: `/api/v1/holds/${holdToken}`,
      headers: { authorization: `Bearer ${live.publishableKey}` },
    });
    expect(left.json().seats).toEqual(['main-B-2']);
  });
});

describe('console socket payloads', () => {
  it('refuses malformed event and organization ids with VALIDATION_FAILED', async () => {
    const console = await connect<Socket<ConsoleServerToClient, ConsoleClientToServer>>(CONSOLE_NAMESPACE, {
      token: owner.token,
    });
    const answers: { message: string; value: unknown; code: string }[] = [];
    for (const id of malformedIds) {
      for (const [message, payload] of [
        ['watch', { eventId: id }],
        ['unwatch', { eventId: id }],
        ['org:watch', { orgId: id }],
        ['org:unwatch', { orgId: id }],
      ] as const) {
        answers.push({ message, value: id, code: errorCode(await send(console, message, payload)) });
      }
    }
    expect(answers.filter((answer) => answer.code !== 'VALIDATION_FAILED')).toEqual([]);
    expect(errorCode(await send(console, 'watch', { eventId: randomUUID() }))).toBe('NOT_FOUND');
    expect(errorCode(await send(console, 'org:watch', { orgId: randomUUID() }))).toBe('NOT_FOUND');
    expect(errorCode(await send(console, 'watch', { eventId: live.eventId }))).toBe('ok');
  });
});
