import { randomUUID } from 'node:crypto';
import { ErrorCode } from '@happening/shared';
import { attendee, type LiveEvent, publishedEvent, rowsMap } from '@happening/testing/inventory';
import {
  bearer,
  buildTestApp,
  invite,
  type SignedUp,
  signup,
  type TestApp,
  uniqueEmail,
} from '@happening/testing/server';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * A few thousand generated requests (bodies shaped after each route's schema in the OpenAPI
 * document, then bent; parameters; query strings; headers) sent to every route of a running app.
 * No answer is a 5xx, every API refusal carries one of our error codes, no request hangs.
 *
 * Deterministic: a fixed seed (FUZZ_SEED=<n> runs another one). On failure fast-check reports the
 * seed and the shrunk request, and the assertion message repeats the seed.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_202);
const RUNS = 2_000;
const BATCH = 4;
/** Far above any honest answer on a loaded machine: only a request that never ends reaches it. */
const HANG_MS = 15_000;
/** Over the 1 MiB body limit. */
const OVERSIZED_BODY = `"${'a'.repeat(1_100_000)}"`;

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
}
interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  schema?: Schema;
}
interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body?: Schema;
}
interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

let app: TestApp;
let owner: SignedUp;
/**
 * Signs out and changes passwords: a fuzzed `POST /auth/logout {"everywhere": true}` or password
 * change ends every session of its caller, so those routes get an account of their own and the
 * owner's token stays valid for everything else.
 */
let sessionsOwner: SignedUp;
let live: LiveEvent;
let holdToken: string;
let bookingId: string;
let operations: Operation[];
const real: Record<string, string[]> = {};
const knownCodes = new Set<string>(Object.values(ErrorCode));

beforeAll(async () => {
  app = await buildTestApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' });
  owner = await signup(app, 'fuzz');
  sessionsOwner = await signup(app, 'fuzz-sessions');
  live = await publishedEvent(app, owner, rowsMap(3, 10), { directBooking: true });
  const hold = await app.inject({
    method: 'POST',
    url: `/api/v1/events/${live.eventId}/holds`,
    headers: bearer(live.publishableKey),
    payload: { seats: ['main-A-1', 'main-A-2'] },
  });
  holdToken = hold.json().holdToken;
  const booking = await app.inject({
    method: 'POST',
    url: `/api/v1/events/${live.eventId}/bookings`,
    headers: bearer(owner.token),
    payload: { quantity: 1, attendee: attendee('fuzz') },
  });
  bookingId = booking.json().booking.id;
  const invitation = await invite(app, owner, uniqueEmail('fuzz-invitee'), 'viewer');
  const webhook = await app.inject({
    method: 'POST',
    url: `/api/v1/orgs/${owner.orgId}/webhooks`,
    headers: bearer(owner.token),
    // Nothing listens on port 9: a test delivery is refused at once rather than waiting.
    payload: { url: 'http://127.0.0.1:9/hook' },
  });
  Object.assign(real, {
    orgId: [owner.orgId],
    id: [live.eventId, bookingId],
    userId: [owner.userId],
    holdToken: [holdToken],
    seatId: ['main-A-1', 'main-B-3'],
    token: [invitation.token],
    invitationId: [invitation.id],
    endpointId: [webhook.json().id],
    messageId: [randomUUID()],
    version: ['0.1.0'],
  });

  const doc = (await app.inject({ url: '/docs/json' })).json() as {
    paths: Record<
      string,
      Record<
        string,
        { parameters?: Parameter[]; requestBody?: { content?: Record<string, { schema: Schema }> } }
      >
    >;
  };
  operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      parameters: op.parameters ?? [],
      ...(op.requestBody?.content?.['application/json']
        ? { body: op.requestBody.content['application/json'].schema }
        : {}),
    })),
  );
  // Routes the document hides (pages, health, the widget bundle) and no route at all.
  const hidden = ['/healthz', '/readyz', '/metrics', '/widget/happening.js', '/widget/happening.json'];
  for (const path of hidden) operations.push({ method: 'GET', path, parameters: [] });
  operations.push(
    { method: 'GET', path: '/widget/happening-{version}.js', parameters: [{ in: 'path', name: 'version' }] },
    { method: 'GET', path: '/bookings/{id}', parameters: [{ in: 'path', name: 'id' }] },
    { method: 'GET', path: '/invitations/{token}', parameters: [{ in: 'path', name: 'token' }] },
    { method: 'GET', path: '/api/v1/{id}', parameters: [{ in: 'path', name: 'id' }] },
  );
});
afterAll(async () => {
  await app.close();
});

// ---------------------------------------------------------------- generators

const printable = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
});

/** Values that have broken servers before: boundaries, encodings, injections, real ids. */
function nastyStrings(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(
      '',
      ' ',
      '\u0000',
      'a\u0000b',
      '\uD800',
      '🎟️'.repeat(40),
      'é',
      '%00',
      '%',
      '../../etc/passwd',
      "'; DROP TABLE events; --",
      '<script>alert(1)</script>',
      '__proto__',
      'constructor',
      '1e999',
      '-0',
      'NaN',
      'null',
      'true',
      `urn:uuid:${randomUUID()}`,
      `${'x'.repeat(36)}.hold_abc`,
      `${randomUUID()}.hold_${'A'.repeat(32)}`,
      'a'.repeat(65),
      'a'.repeat(129),
      'a'.repeat(5_000),
    ),
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.uuid(),
    fc.constantFrom(...Object.values(real).flat()),
  );
}

/**
 * A value for `schema`. Tame values follow it everywhere, so requests get past validation into
 * the routes; wild ones follow it mostly, and anywhere in the tree may be anything at all.
 */
function fromSchema(schema: Schema, wild: boolean, depth = 0): fc.Arbitrary<unknown> {
  if (!wild) return shaped(schema, wild, depth);
  return fc.oneof(
    { weight: 10, arbitrary: shaped(schema, wild, depth) },
    { weight: 1, arbitrary: nastyStrings() },
    { weight: 1, arbitrary: depth > 4 ? fc.constant(null) : fc.jsonValue({ maxDepth: 2 }) },
  );
}

function shaped(schema: Schema, wild: boolean, depth: number): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return fc.oneof(...union.map((option) => fromSchema(option, wild, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const model = Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([key, value]) => [
          key,
          fromSchema(value, wild, depth + 1),
        ]),
      );
      const complete = fc.record(model, { requiredKeys: schema.required ?? [] });
      if (!wild) return complete;
      return fc.oneof(
        { weight: 3, arbitrary: complete },
        { weight: 1, arbitrary: fc.record(model, { requiredKeys: [] }) },
        {
          weight: 1,
          arbitrary: fc
            .tuple(complete, nastyStrings(), fc.jsonValue({ maxDepth: 1 }))
            .map(([record, key, value]) => ({ ...record, [key]: value })),
        },
      );
    }
    case 'array': {
      const items = schema.items ? fromSchema(schema.items, wild, depth + 1) : fc.jsonValue({ maxDepth: 1 });
      return fc.array(items, { minLength: wild ? 0 : 1, maxLength: depth > 3 ? 2 : 4 });
    }
    case 'string':
      return stringFor(schema, wild);
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? -10;
      const max = schema.maximum ?? min + 1_000;
      // Mostly small: a seat map of 10,000-seat rows is valid but slow to publish, not interesting.
      const small = fc.integer({ min, max: Math.min(max, min + 20) });
      if (!wild) return small;
      return fc.oneof(
        small,
        fc.constantFrom(min - 1, max, max + 1, 0, -1, 1.5, 2 ** 31, 2 ** 53 + 1, 1e300, -1e300),
      );
    }
    case 'boolean':
      return fc.boolean();
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function stringFor(schema: Schema, wild: boolean): fc.Arbitrary<string> {
  const options: fc.Arbitrary<string>[] = wild ? [nastyStrings()] : [];
  if (schema.format === 'uuid')
    options.push(fc.uuid(), fc.constantFrom(owner.orgId, live.eventId, bookingId));
  else if (schema.format === 'email') options.push(fc.emailAddress(), fc.constant(owner.email));
  else if (schema.format === 'date-time')
    options.push(
      fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
      fc.constantFrom('0000-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z', '2027-01-01t20:00:00z'),
    );
  else if (schema.pattern) options.push(fc.stringMatching(new RegExp(schema.pattern)));
  else {
    const length = { minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 60) };
    options.push(fc.string(length), fc.string({ ...length, unit: 'grapheme' }));
    // Values this app knows (real seats, the section, the hold), so requests get past "unknown".
    options.push(fc.constantFrom('main', 'main-A-3', 'main-C-10', holdToken, 'correct horse battery staple'));
  }
  return fc.oneof(...options);
}

const sometimes = (value: fc.Arbitrary<string>) =>
  fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: value });
const sendsBody = (method: string, body: string | null) =>
  body !== null && method !== 'GET' && method !== 'HEAD';

const encode = (value: string) => {
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ED%A0%80'; // a lone surrogate cannot be encoded; send its bytes as a client might
  }
};

const endsSessions = (op: Operation) =>
  op.path.endsWith('/auth/logout') || op.path.endsWith('/auth/password');

function requestFor(op: Operation): fc.Arbitrary<FuzzRequest> {
  const path = fc
    .tuple(
      ...op.parameters
        .filter((p) => p.in === 'path')
        .map((p) =>
          fc
            .oneof(
              { weight: 3, arbitrary: fc.constantFrom(...(real[p.name] ?? ['x'])) },
              { weight: 2, arbitrary: p.schema ? stringFor(p.schema, true) : nastyStrings() },
            )
            .map((value) => [p.name, encode(value)] as const),
        ),
    )
    .map((pairs) => {
      const values = Object.fromEntries(pairs);
      return op.path.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? '');
    });
  const query = fc
    .array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom(...op.parameters.filter((p) => p.in === 'query').map((p) => p.name), 'x'),
          printable,
        ),
        nastyStrings(),
      ),
      { maxLength: 4 },
    )
    .map((pairs) => pairs.map(([key, value]) => `${encode(key)}=${encode(value)}`).join('&'));
  const headers = fc.record({
    authorization: fc.oneof(
      {
        weight: 6,
        arbitrary: fc.constant(`Bearer ${endsSessions(op) ? sessionsOwner.token : owner.token}`),
      },
      { weight: 2, arbitrary: fc.constant(`Bearer ${live.publishableKey}`) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          `Bearer ${live.secretKey}`,
          'Bearer ',
          'Basic YTpi',
          `Bearer ${'x'.repeat(3_000)}`,
        ),
      },
      { weight: 1, arbitrary: printable.map((value) => `Bearer ${value}`) },
      { weight: 1, arbitrary: fc.constant('') }, // none at all
    ),
    'content-type': fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8') },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/json; charset=latin1',
          'application/vnd.api+json',
          ';;',
        ),
      },
    ),
    // Each of these is sent now and then ('' leaves it out), so most requests reach their route.
    'idempotency-key': sometimes(printable),
    'x-manage-token': sometimes(printable),
    origin: sometimes(
      fc.constantFrom('https://partner.example.test', 'null', 'not a url', 'http://127.0.0.1'),
    ),
    'x-forwarded-for': sometimes(fc.constantFrom('1.2.3.4', 'garbage', '::1, 10.0.0.1')),
    accept: sometimes(fc.constantFrom('application/json', 'text/html', '*/*', 'image/png')),
    'if-none-match': sometimes(printable),
  });
  const json = (wild: boolean) =>
    (op.body ? fromSchema(op.body, wild) : fc.jsonValue({ maxDepth: 2 })).map(
      (value) => JSON.stringify(value) ?? 'null',
    );
  const body = fc.oneof(
    { weight: 4, arbitrary: json(false) },
    { weight: 4, arbitrary: json(true) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '{',
        '[]',
        '',
        'null',
        '"x"',
        '{"__proto__":{"x":1}}',
        '{"constructor":{"prototype":{}}}',
        OVERSIZED_BODY,
      ),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
  );
  const method = fc.oneof(
    { weight: 9, arbitrary: fc.constant(op.method) },
    { weight: 1, arbitrary: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS') },
  );
  return fc
    .record({ method, path, query, headers, body: fc.option(body, { freq: 3 }) })
    .map(({ method, path, query, headers, body }) => ({
      method,
      url: query ? `${path}?${query}` : path,
      // No body, no content type: an empty JSON body is among the bodies above already.
      headers: Object.fromEntries(
        Object.entries(headers).filter(
          ([name, value]) => value !== '' && (name !== 'content-type' || sendsBody(method, body)),
        ),
      ),
      ...(sendsBody(method, body) ? { payload: body as string } : {}),
    }));
}

// ---------------------------------------------------------------- the run

async function send(request: FuzzRequest) {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${HANG_MS} ms`)), HANG_MS);
  });
  try {
    return await Promise.race([
      app.inject({
        method: request.method as 'GET',
        url: request.url,
        headers: request.headers,
        remoteAddress: '10.77.0.1',
        ...(request.payload !== undefined ? { payload: request.payload } : {}),
      }),
      hung,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe('fuzzing every route', () => {
  it(`answers ${RUNS} generated requests without a 5xx, an uncoded refusal or a hang (seed ${SEED})`, async () => {
    expect(operations.length).toBeGreaterThan(50);
    const requests = operations.map(requestFor);
    const anyRequest = fc.integer({ min: 0, max: requests.length - 1 }).chain((i) => requests[i]!);
    const statuses = new Map<number, number>();
    /** Why one answer is wrong, or null. */
    function verdict(request: FuzzRequest, response: Awaited<ReturnType<typeof send>>): string | null {
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      const seen = `seed ${SEED}: ${request.method} ${request.url.slice(0, 300)} → ${response.statusCode} ${response.body.slice(0, 300)}`;
      if (response.statusCode >= 500) return seen;
      const json = (response.headers['content-type'] ?? '').toString().startsWith('application/json');
      if (response.statusCode >= 400 && request.method !== 'HEAD' && json) {
        const code = (response.json() as { error?: { code?: unknown } }).error?.code;
        if (!knownCodes.has(code as string)) return `${seen} (no error code of ours)`;
      }
      return null;
    }
    await fc.assert(
      // A few requests at once, as clients send them: quicker on a busy machine, and it mixes
      // concurrent writes to the same event, hold and organization into the run.
      fc.asyncProperty(fc.array(anyRequest, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
        const responses = await Promise.all(batch.map(send));
        const wrong = batch.map((request, i) => verdict(request, responses[i]!)).filter(Boolean);
        expect(wrong).toEqual([]);
      }),
      { seed: SEED, numRuns: RUNS / BATCH, endOnFailure: false },
    );
    // The app is still whole afterwards, and the run reached past validation into the routes.
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    const reached = [...statuses].filter(([status]) => status < 300).reduce((sum, [, n]) => sum + n, 0);
    expect(reached).toBeGreaterThan(RUNS / 20);
  }, 240_000);

  it('refuses, with a coded 400, each input that once answered 500', async () => {
    const org = `/api/v1/orgs/${owner.orgId}`;
    const event = (changes: object) => ({
      name: 'Found by fuzzing',
      startsAt: '2027-01-01T20:00:00.000Z',
      venue: 'Hall',
      seatMap: rowsMap(1, 2),
      ...changes,
    });
    const cases: [string, string, object | undefined][] = [
      // new URL() threw on an origin the schema's pattern let by.
      ['PUT', `${org}/allowed-origins`, { allowedOrigins: ['http://%'] }],
      ['PUT', `${org}/allowed-origins`, { allowedOrigins: ['http://shop.example:99999'] }],
      // RFC 3339 has a year 0000; PostgreSQL does not.
      ['POST', `${org}/events`, event({ startsAt: '0000-01-01T00:00:00.000Z' })],
      // PostgreSQL text cannot hold NUL.
      ['POST', `${org}/events`, event({ name: 'a\u0000b' })],
      ['GET', `/api/v1/events/${live.eventId}/bookings?q=x%00y`, undefined],
      // Ajv coerced these to numbers no bigint holds.
      ['GET', `/api/v1/events/${live.eventId}/bookings?offset=1e999`, undefined],
      ['GET', `/api/v1/events/${live.eventId}/bookings?offset=1e300`, undefined],
    ];
    const answers: string[] = [];
    for (const [method, url, payload] of cases) {
      const response = await app.inject({
        method: method as 'GET',
        url,
        headers: bearer(owner.token),
        ...(payload ? { payload } : {}),
      });
      answers.push(`${method} ${url} → ${response.statusCode} ${response.json().error?.code}`);
    }
    expect(answers).toEqual(cases.map(([method, url]) => `${method} ${url} → 400 VALIDATION_FAILED`));
  });
});
