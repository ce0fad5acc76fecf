/**
 * What a page on another site may read of a published event: nothing, with or without a key. A
 * browser names its page in `Origin`; only the organization's allowed origins (and the server's
 * own) get the event and its seats. Callers without `Origin` (servers) still read published events.
 * REST and the widget socket agree.
 */
import type { WidgetClientToServer, WidgetServerToClient } from '@happening/shared';
import { type LiveEvent, publishedEvent, rowsMap } from '@happening/testing/inventory';
import { bearer, buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type WidgetSocket = Socket<WidgetServerToClient, WidgetClientToServer>;

const allowedOrigin = 'https://tickets.example.com';
const foreignOrigin = 'https://resale.example.net';
const consoleOrigin = 'http://localhost:5173';
const publicOrigin = 'https://happening.example.org';

let app: TestApp;
let url: string;
let owner: SignedUp;
let live: LiveEvent;
/** Another organization, with its own allowed page. */
let other: SignedUp;
let otherLive: LiveEvent;
const sockets: WidgetSocket[] = [];

async function allowOrigins(org: SignedUp, origins: string[]): Promise<void> {
  const response = await app.inject({
    method: 'PUT',
    url: `/api/v1/orgs/${org.orgId}/allowed-origins`,
    headers: bearer(org.token),
    payload: { allowedOrigins: origins },
  });
  expect(response.statusCode).toBe(200);
}

beforeAll(async () => {
  app = await buildTestApp({ PUBLIC_URL: `${publicOrigin}/` });
  await app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  owner = await signup(app, 'origins-owner');
  other = await signup(app, 'origins-other');
  live = await publishedEvent(app, owner, rowsMap(1, 3));
  otherLive = await publishedEvent(app, other, rowsMap(1, 2));
  await allowOrigins(owner, [allowedOrigin]);
  await allowOrigins(other, [foreignOrigin]);
});

afterAll(async () => {
  for (const socket of sockets) socket.close();
  await app?.close();
});

const reads = () => [`/api/v1/events/${live.eventId}`, `/api/v1/events/${live.eventId}/availability`];

async function read(path: string, headers: Record<string, string>) {
  const response = await app.inject({ url: path, headers });
  return { status: response.statusCode, code: response.json().error?.code as string | undefined };
}

describe('REST reads of a published event', () => {
  it('refuse a page on a foreign origin, with or without a key', async () => {
    for (const path of reads()) {
      expect(await read(path, { origin: foreignOrigin }), path).toEqual({
        status: 403,
        code: 'ORIGIN_NOT_ALLOWED',
      });
      expect(await read(path, { origin: foreignOrigin, ...bearer(live.publishableKey) }), path).toEqual({
        status: 403,
        code: 'ORIGIN_NOT_ALLOWED',
      });
      // A browser's opaque origin (a sandboxed frame, a file) is no allowed page either.
      expect((await read(path, { origin: 'null' })).status, path).toBe(403);
    }
    // The answer still carries CORS headers, so the widget can show why.
    const refused = await app.inject({ url: reads()[1]!, headers: { origin: foreignOrigin } });
    expect(refused.headers['access-control-allow-origin']).toBe(foreignOrigin);
    expect(refused.json().error.message).toContain(foreignOrigin);
  });

  it("refuse another organization's key, even from that organization's own allowed page", async () => {
    for (const path of reads()) {
      expect(await read(path, { origin: foreignOrigin, ...bearer(otherLive.publishableKey) }), path).toEqual({
        status: 404,
        code: 'NOT_FOUND',
      });
      expect(await read(path, bearer(otherLive.publishableKey)), path).toEqual({
        status: 404,
        code: 'NOT_FOUND',
      });
    }
    // That key still reads its own organization's event from its page.
    const own = await read(`/api/v1/events/${otherLive.eventId}/availability`, {
      origin: foreignOrigin,
      ...bearer(otherLive.publishableKey),
    });
    expect(own.status).toBe(200);
  });

  it('answer the allowed page with or without its key, servers without Origin, and the server’s own pages', async () => {
    for (const path of reads()) {
      const callers: Record<string, string>[] = [
        { origin: allowedOrigin },
        { origin: allowedOrigin, ...bearer(live.publishableKey) },
        {},
        bearer(live.publishableKey),
        { origin: consoleOrigin },
        { origin: publicOrigin },
        // Members and the partner's backend read from anywhere.
        { origin: foreignOrigin, ...bearer(owner.token) },
        { origin: foreignOrigin, ...bearer(live.secretKey) },
      ];
      for (const headers of callers) {
        expect((await read(path, headers)).status, `${path} ${JSON.stringify(headers)}`).toBe(200);
      }
    }
    const availability = await app.inject({ url: reads()[1]!, headers: { origin: allowedOrigin } });
    expect(availability.json().sections[0]).toMatchObject({ id: 'main', available: 3 });
  });

  it('follow a change of the allowed origins at once', async () => {
    const path = reads()[1]!;
    await allowOrigins(owner, [allowedOrigin, 'https://second.example.com']);
    expect((await read(path, { origin: 'https://second.example.com' })).status).toBe(200);
    await allowOrigins(owner, [allowedOrigin]);
    expect((await read(path, { origin: 'https://second.example.com' })).status).toBe(403);
  });
});

function widget(publishableKey: string | undefined, origin?: string): WidgetSocket {
  const socket: WidgetSocket = io(`${url}/widget`, {
    auth: publishableKey ? { publishableKey } : {},
    transports: ['websocket'],
    extraHeaders: origin ? { origin } : {},
    reconnection: false,
  });
  sockets.push(socket);
  return socket;
}

function refusal(socket: WidgetSocket): Promise<string> {
  return new Promise((resolve) => socket.on('connect_error', (error) => resolve(error.message)));
}

function join(
  socket: WidgetSocket,
  eventId: string,
): Promise<{ ok: boolean; code?: string; data?: unknown }> {
  return new Promise((resolve) =>
    socket.emit('join', { eventId }, (answer) =>
      resolve(
        answer.ok
          ? { ok: true, data: answer.data }
          : { ok: false, code: (answer.error as { code: string }).code },
      ),
    ),
  );
}

describe('the widget socket', () => {
  it('joins from the allowed page and from a server, and refuses a foreign page or no key', async () => {
    for (const origin of [allowedOrigin, undefined]) {
      const socket = widget(live.publishableKey, origin);
      const joined = await join(socket, live.eventId);
      expect(joined.ok, String(origin)).toBe(true);
      expect(joined.data).toMatchObject({ sections: [{ id: 'main', available: 3 }] });
      socket.close();
    }
    expect(await refusal(widget(live.publishableKey, foreignOrigin))).toBe('ORIGIN_NOT_ALLOWED');
    expect(await refusal(widget(undefined, foreignOrigin))).toBe('UNAUTHENTICATED');
    expect(await refusal(widget(undefined))).toBe('UNAUTHENTICATED');
  });

  it("gives another organization's key no seats of this event", async () => {
    const socket = widget(otherLive.publishableKey, foreignOrigin);
    expect(await join(socket, live.eventId)).toEqual({ ok: false, code: 'NOT_FOUND' });
    expect((await join(socket, otherLive.eventId)).ok).toBe(true);
    socket.close();
  });
});
