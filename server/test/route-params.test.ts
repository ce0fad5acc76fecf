import { randomUUID } from 'node:crypto';
import { attendee, type LiveEvent, publishedEvent, rowsMap } from '@happening/testing/inventory';
import {
  addMember,
  bearer,
  buildTestApp,
  invite,
  type SignedUp,
  signup,
  type TestApp,
  uniqueEmail,
} from '@happening/testing/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTicket } from '../src/waiting-room/tickets.js';

/**
 * Every route's parameters, read from the OpenAPI document the server publishes, get real values
 * (made here: an event, a hold, a booking, a member, an invitation, a webhook, a message) and
 * malformed ones. Nothing answers 5xx; malformed values get a coded 400 or 404; a real hold token
 * (74 characters) is never refused by validation, on any route that takes one.
 */

interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
}
interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  hasBody: boolean;
}

let app: TestApp;
let owner: SignedUp;
let live: LiveEvent;
let operations: Operation[];
let addresses = 0;
/** A fresh client address per request, so no per-address limit or cap shapes an answer here. */
const remoteAddress = () => `10.66.${Math.floor(++addresses / 250) % 250}.${(addresses % 250) + 1}`;

const realHoldTokenShape = /^[0-9a-f-]{36}\.hold_[A-Za-z0-9_-]{32}$/;

beforeAll(async () => {
  app = await buildTestApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' });
  owner = await signup(app, 'params');
  live = await publishedEvent(app, owner, rowsMap(4, 20));
  const doc = (await app.inject({ url: '/docs/json' })).json() as {
    paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: unknown }>>;
  };
  operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      parameters: op.parameters ?? [],
      hasBody: op.requestBody !== undefined,
    })),
  );
});
afterAll(async () => {
  await app.close();
});

/** The organization's secret key as of now (every `publishedEvent` rotates it). */
async function currentSecretKey(): Promise<string> {
  const keys = await app.inject({
    method: 'POST',
    url: `/api/v1/orgs/${owner.orgId}/keys/rotate`,
    headers: bearer(owner.token),
  });
  return keys.json().secretKey;
}

async function call(method: string, url: string, token = owner.token, payload?: object) {
  const response = await app.inject({
    method: method as 'GET',
    url,
    headers: bearer(token),
    remoteAddress: remoteAddress(),
    ...(payload ? { payload } : {}),
  });
  let body: { error?: { code?: string; field?: string; message?: string } } = {};
  try {
    body = response.json();
  } catch {
    // 204s and HTML pages have no JSON body.
  }
  return {
    status: response.statusCode,
    code: body.error?.code,
    field: body.error?.field,
    body: response.body,
  };
}

let seatCounter = 0;
/** A new hold of two seats of `live`: its token and one of its seats. */
async function freshHold(): Promise<{ holdToken: string; seatId: string }> {
  const row = String.fromCharCode(65 + Math.floor(seatCounter / 10));
  const seats = [`main-${row}-${(seatCounter % 10) * 2 + 1}`, `main-${row}-${(seatCounter % 10) * 2 + 2}`];
  seatCounter++;
  const response = await app.inject({
    method: 'POST',
    url: `/api/v1/events/${live.eventId}/holds`,
    headers: bearer(live.publishableKey),
    remoteAddress: remoteAddress(),
    payload: { seats },
  });
  if (response.statusCode !== 200) throw new Error(`hold refused: ${response.body}`);
  return { holdToken: response.json().holdToken, seatId: seats[0]! };
}

async function freshBooking(): Promise<string> {
  const { holdToken } = await freshHold();
  const response = await app.inject({
    method: 'POST',
    url: `/api/v1/events/${live.eventId}/bookings`,
    headers: bearer(owner.token),
    remoteAddress: remoteAddress(),
    payload: { holdToken, attendee: attendee(randomUUID()) },
  });
  if (response.statusCode !== 201) throw new Error(`booking refused: ${response.body}`);
  return response.json().booking.id;
}

async function freshWebhook(): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: `/api/v1/orgs/${owner.orgId}/webhooks`,
    headers: bearer(owner.token),
    payload: { url: 'http://127.0.0.1:9/hook' },
  });
  if (response.statusCode !== 201) throw new Error(`webhook refused: ${response.body}`);
  return response.json().id ?? response.json().endpoint.id;
}

/**
 * Real values for every path parameter of `path`, made fresh for this request where the request
 * may use them up (a release ends a hold, a delete removes a member). A parameter nobody taught
 * this test fails it, so a new route cannot slip past unchecked.
 */
async function realValues(op: Operation): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  const names = op.parameters.filter((p) => p.in === 'path').map((p) => p.name);
  for (const name of names) {
    if (name === 'orgId') values.orgId = owner.orgId;
    else if (name === 'id' && op.path.includes('/events/{id}')) {
      // Cancelling ends an event: that one request gets an event of its own.
      values.id = op.path.endsWith('/cancel')
        ? (await publishedEvent(app, owner, rowsMap(1, 2))).eventId
        : live.eventId;
    } else if (name === 'id' && op.path.includes('/bookings/{id}')) values.id = await freshBooking();
    else if (name === 'holdToken') {
      const hold = await freshHold();
      values.holdToken = hold.holdToken;
      values.seatId = hold.seatId;
    } else if (name === 'seatId')
      continue; // comes with its hold
    else if (name === 'userId') values.userId = (await addMember(app, owner.orgId, 'viewer')).userId;
    else if (name === 'invitationId' || name === 'token') {
      const invitation = await invite(app, owner, uniqueEmail('invitee'), 'viewer');
      values.invitationId = invitation.id;
      values.token = invitation.token;
    } else if (name === 'endpointId') values.endpointId = await freshWebhook();
    // A well-formed ticket of the live event (its waiting room is off, so the line never made it).
    else if (name === 'ticket') values.ticket = newTicket(live.eventId);
    else if (name === 'messageId') {
      const invitation = await invite(app, owner, uniqueEmail('message'), 'viewer');
      const { rows } = await app.pg.query<{ id: string }>(
        `SELECT id FROM outbox WHERE payload->>'invitationId' = $1`,
        [invitation.id],
      );
      values.messageId = rows[0]!.id;
    } else throw new Error(`No real value for path parameter ${name} of ${op.method} ${op.path}: add one`);
  }
  if (names.includes('seatId') && !values.seatId) throw new Error(`seatId without a hold in ${op.path}`);
  return values;
}

const urlOf = (op: Operation, values: Record<string, string>, raw: Record<string, string> = {}) =>
  op.path.replace(/\{(\w+)\}/g, (_, name: string) => raw[name] ?? encodeURIComponent(values[name]!));

const pathParams = (op: Operation) => op.parameters.filter((p) => p.in === 'path').map((p) => p.name);
const isUuidParam = (name: string) => !['holdToken', 'seatId', 'token'].includes(name);

/** Values no id or token ever has; `raw` ones go into the URL as written (bad percent-encoding). */
const malformed: { label: string; value?: string; raw?: string }[] = [
  { label: 'too long', value: 'a'.repeat(300) },
  { label: 'wrong shape', value: 'not-an-id' },
  { label: '36 characters then .hold_abc', value: `${'x'.repeat(36)}.hold_abc` },
  { label: 'urn:uuid: prefix', value: `urn:uuid:${randomUUID()}` },
  { label: 'braces', value: `{${randomUUID()}}` },
  { label: 'unicode', value: `${'é'.repeat(12)}🎟️` },
  { label: 'NUL byte', value: `${'a'.repeat(20)}\u0000` },
  { label: 'empty', value: '' },
  { label: 'bad percent-encoding', raw: '%E0%A4%A' },
  { label: 'lone surrogate, percent-encoded', raw: '%ED%A0%80' },
];

describe('route parameters from the OpenAPI document', () => {
  it('covers the routes that take ids and tokens', () => {
    const withParams = operations.filter((op) => pathParams(op).length > 0);
    expect(withParams.length).toBeGreaterThan(30);
    expect(withParams.filter((op) => pathParams(op).includes('holdToken')).map((op) => op.method)).toEqual(
      expect.arrayContaining(['GET', 'POST', 'DELETE', 'DELETE']),
    );
  });

  it('takes real values on every route: never 5xx, never a refused parameter', async () => {
    // Deletions last, so a route that reads a thing runs before one that removes it.
    const ordered = operations
      .filter((op) => pathParams(op).length > 0)
      .sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
    const answers: string[] = [];
    for (const op of ordered) {
      const values = await realValues(op);
      const answer = await call(op.method, urlOf(op, values), owner.token, op.hasBody ? {} : undefined);
      const refusedParam = answer.status === 400 && (answer.field ?? '').startsWith('params');
      if (answer.status >= 500 || refusedParam)
        answers.push(`${op.method} ${op.path} → ${answer.status} ${answer.body}`);
    }
    expect(answers).toEqual([]);
  });

  it('serves a real 74-character hold token on every route that takes one', async () => {
    const { holdToken } = await freshHold();
    expect(holdToken).toMatch(realHoldTokenShape);
    expect(holdToken).toHaveLength(74);
    const seen: string[] = [];
    for (const op of operations.filter((o) => pathParams(o).includes('holdToken'))) {
      // A checkout is the partner backend's (secret key only); every other route serves both.
      const credentials = op.path.endsWith('/checkout')
        ? [await currentSecretKey()]
        : [live.publishableKey, owner.token];
      for (const credential of credentials) {
        const values = await realValues(op);
        const answer = await call(op.method, urlOf(op, values), credential);
        seen.push(`${op.method} ${op.path} → ${answer.status}`);
        expect({ route: `${op.method} ${op.path}`, status: answer.status, body: answer.body }).toMatchObject({
          status: op.method === 'DELETE' && !op.path.includes('{seatId}') ? 204 : 200,
        });
      }
    }
    expect(seen).toHaveLength(9);

    // And in bodies: adding to a hold and booking it.
    const more = await call('POST', `/api/v1/events/${live.eventId}/holds`, live.publishableKey, {
      holdToken,
      seats: ['main-D-20'],
    });
    expect(more.status).toBe(200);
    expect(JSON.parse(more.body).seats).toHaveLength(3);
    const booked = await call('POST', `/api/v1/events/${live.eventId}/bookings`, owner.token, {
      holdToken,
      attendee: attendee('real-token'),
    });
    expect(booked.status).toBe(201);
  });

  it('answers malformed ids and tokens with a coded 400 (or 404), never 5xx', async () => {
    const wrong: string[] = [];
    const holdInUse = await freshHold();
    const shared: Record<string, string> = {
      orgId: owner.orgId,
      id: live.eventId,
      holdToken: holdInUse.holdToken,
      seatId: holdInUse.seatId,
      userId: owner.userId,
      invitationId: randomUUID(),
      token: `inv_${'A'.repeat(43)}`,
      endpointId: randomUUID(),
      messageId: randomUUID(),
      ticket: `${randomUUID()}.q_${'C'.repeat(22)}`,
    };
    for (const op of operations) {
      for (const name of pathParams(op)) {
        for (const bad of malformed) {
          const url = urlOf(op, { ...shared, [name]: bad.value ?? '' }, bad.raw ? { [name]: bad.raw } : {});
          const answer = await call(op.method, url, owner.token, op.hasBody ? {} : undefined);
          const coded = (answer.status === 400 || answer.status === 404) && typeof answer.code === 'string';
          // An id or a hold token of the wrong shape is refused by validation, before any lookup.
          const shapeChecked = isUuidParam(name) || name === 'holdToken';
          const refusedByShape = answer.status === 400 && answer.code === 'VALIDATION_FAILED';
          const emptyRoute = bad.value === '' && answer.status === 404 && answer.code === 'NOT_FOUND';
          if (!coded || (shapeChecked && !refusedByShape && !emptyRoute)) {
            wrong.push(`${op.method} ${op.path} ${name}=${bad.label} → ${answer.status} ${answer.body}`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('answers well-shaped ids and tokens of nothing with 404 and a code', async () => {
    const wrong: string[] = [];
    const nothing: Record<string, string> = {
      orgId: randomUUID(),
      id: randomUUID(),
      holdToken: `${randomUUID()}.hold_${'A'.repeat(32)}`,
      seatId: 'main-Z-99',
      userId: randomUUID(),
      invitationId: randomUUID(),
      token: `inv_${'B'.repeat(43)}`,
      endpointId: randomUUID(),
      messageId: randomUUID(),
      ticket: `${randomUUID()}.q_${'C'.repeat(22)}`,
    };
    const secretKey = await currentSecretKey();
    for (const op of operations.filter((o) => pathParams(o).length > 0 && !o.hasBody)) {
      // Each route with the credential it serves: a checkout the partner's backend, a queue ticket the page.
      const credential = op.path.endsWith('/checkout')
        ? secretKey
        : op.path.startsWith('/api/v1/queue/')
          ? live.publishableKey
          : owner.token;
      const answer = await call(op.method, urlOf(op, nothing), credential);
      if (answer.status !== 404 || !answer.code)
        wrong.push(`${op.method} ${op.path} → ${answer.status} ${answer.body}`);
    }
    expect(wrong).toEqual([]);
    // A token of a real event that was never handed out, and one of a real event's shape but unknown.
    for (const holdToken of [`${live.eventId}.hold_nope`, `${randomUUID()}.hold_abc`]) {
      const answer = await call('GET', `/api/v1/holds/${encodeURIComponent(holdToken)}`, live.publishableKey);
      expect({ holdToken, status: answer.status, code: answer.code }).toEqual({
        holdToken,
        status: 404,
        code: 'HOLD_NOT_FOUND',
      });
    }
  });

  it('answers malformed query values with a coded 4xx, never 5xx', async () => {
    const wrong: string[] = [];
    const values = [
      'a'.repeat(600),
      '-1',
      'abc',
      '1e999',
      `${'é'.repeat(10)}🎟️`,
      'x\u0000y',
      '',
      `urn:uuid:${randomUUID()}`,
    ];
    for (const op of operations) {
      const queries = op.parameters.filter((p) => p.in === 'query');
      if (queries.length === 0) continue;
      const real = await realValues(op);
      for (const query of queries) {
        for (const value of values) {
          const url = `${urlOf(op, real)}?${query.name}=${encodeURIComponent(value)}`;
          const answer = await call(op.method, url);
          if (answer.status >= 500 || (answer.status >= 400 && !answer.code))
            wrong.push(
              `${op.method} ${op.path}?${query.name}=${JSON.stringify(value)} → ${answer.status} ${answer.body}`,
            );
        }
      }
    }
    expect(wrong).toEqual([]);
  });
});
