/**
 * Rotating the publishable key on a running sale, with two server processes: the new key works at
 * once everywhere, the previous one keeps working for its grace period (so embedded pages can be
 * updated) and is refused everywhere after it, REST, socket handshakes and open sockets alike;
 * rotating again ends the previous key's grace at once.
 */
import type { WidgetClientToServer, WidgetServerToClient } from '@happening/shared';
import { publishedEvent, rowsMap } from '@happening/testing/inventory';
import {
  addMember,
  bearer,
  buildTestApp,
  type SignedUp,
  signup,
  type TestApp,
} from '@happening/testing/server';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type WidgetSocket = Socket<WidgetServerToClient, WidgetClientToServer>;

const page = 'https://tickets.example.com';
/** Servers remember a key lookup for 5 s; a loaded machine may take longer to show the change. */
const afterKeyCache = { timeout: 20_000, interval: 100 };
let a: TestApp;
let b: TestApp;
const urls: string[] = [];
const sockets: WidgetSocket[] = [];

beforeAll(async () => {
  [a, b] = await Promise.all([buildTestApp(), buildTestApp()]);
  for (const app of [a, b]) {
    await app.listen({ port: 0, host: '127.0.0.1' });
    urls.push(`http://127.0.0.1:${(app.server.address() as { port: number }).port}`);
  }
});

afterAll(async () => {
  for (const socket of sockets) socket.close();
  await Promise.all([a?.close(), b?.close()]);
});

interface Sale {
  owner: SignedUp;
  eventId: string;
  /** The key the organization had before any rotation. */
  firstKey: string;
}

async function openSale(label: string): Promise<Sale> {
  const owner = await signup(a, label);
  const live = await publishedEvent(a, owner, rowsMap(4, 25));
  const origins = await a.inject({
    method: 'PUT',
    url: `/api/v1/orgs/${owner.orgId}/allowed-origins`,
    headers: bearer(owner.token),
    payload: { allowedOrigins: [page] },
  });
  expect(origins.statusCode).toBe(200);
  return { owner, eventId: live.eventId, firstKey: live.publishableKey };
}

async function rotate(sale: Sale, who: SignedUp = sale.owner) {
  return a.inject({
    method: 'POST',
    url: `/api/v1/orgs/${sale.owner.orgId}/keys/rotate-publishable`,
    headers: bearer(who.token),
  });
}

let attendees = 0;
/**
 * What a partner page gets when it holds a seat with `key` through server `app`. Each hold comes
 * from another attendee's address, so the per-address hold cap never answers for the key.
 */
async function holdWith(app: TestApp, sale: Sale, key: string): Promise<number | string> {
  attendees += 1;
  const response = await app.inject({
    method: 'POST',
    url: `/api/v1/events/${sale.eventId}/holds`,
    headers: { ...bearer(key), origin: page },
    remoteAddress: `10.77.${Math.floor(attendees / 250)}.${attendees % 250}`,
    payload: { bestAvailable: { quantity: 1 } },
  });
  return response.statusCode === 200 ? 200 : `${response.statusCode} ${response.json().error.code}`;
}

/** Whether server `app` takes `key` (reading the event with it holds nothing, so it can be polled). */
async function keyWorks(app: TestApp, sale: Sale, key: string): Promise<number | string> {
  const response = await app.inject({
    url: `/api/v1/events/${sale.eventId}`,
    headers: { ...bearer(key), origin: page },
  });
  return response.statusCode === 200 ? 200 : `${response.statusCode} ${response.json().error.code}`;
}

function widget(url: string, key: string): WidgetSocket {
  const socket: WidgetSocket = io(`${url}/widget`, {
    auth: { publishableKey: key },
    transports: ['websocket'],
    extraHeaders: { origin: page },
    reconnection: false,
  });
  sockets.push(socket);
  return socket;
}

/** 'connected', or the handshake's refusal. */
function handshake(url: string, key: string): Promise<string> {
  const socket = widget(url, key);
  return new Promise((resolve) => {
    socket.on('connect', () => {
      socket.close();
      resolve('connected');
    });
    socket.on('connect_error', (error) => {
      socket.close();
      resolve(error.message);
    });
  });
}

function join(socket: WidgetSocket, eventId: string): Promise<string> {
  return new Promise((resolve) =>
    socket.emit('join', { eventId }, (answer) =>
      resolve(answer.ok ? 'joined' : (answer.error as { code: string }).code),
    ),
  );
}

async function keysOf(sale: Sale) {
  const response = await a.inject({
    url: `/api/v1/orgs/${sale.owner.orgId}/keys`,
    headers: bearer(sale.owner.token),
  });
  expect(response.statusCode).toBe(200);
  return response.json() as {
    publishableKey: string;
    previousPublishableKey: string | null;
    previousPublishableKeyExpiresAt: string | null;
  };
}

describe('POST /orgs/:orgId/keys/rotate-publishable', () => {
  it('keeps the old key working on every server during the grace period, and refuses it after', async () => {
    const sale = await openSale('rotate-grace');
    // Both servers have the old key cached from a sale in progress.
    for (const app of [a, b]) expect(await holdWith(app, sale, sale.firstKey)).toBe(200);
    const open = widget(urls[1]!, sale.firstKey);
    expect(await join(open, sale.eventId)).toBe('joined');

    const before = Date.now();
    const rotated = await rotate(sale);
    expect(rotated.statusCode).toBe(200);
    const newKey: string = rotated.json().publishableKey;
    expect(newKey).toMatch(/^pk_/);
    expect(newKey).not.toBe(sale.firstKey);
    expect(rotated.json().previousPublishableKey).toBe(sale.firstKey);
    // The default grace, 48 hours, is what the answer and the key list say.
    const expiry = Date.parse(rotated.json().previousPublishableKeyExpiresAt);
    expect(expiry - before).toBeGreaterThan(47 * 3_600_000);
    expect(expiry - before).toBeLessThan(49 * 3_600_000);
    expect(await keysOf(sale)).toMatchObject({
      publishableKey: newKey,
      previousPublishableKey: sale.firstKey,
      previousPublishableKeyExpiresAt: rotated.json().previousPublishableKeyExpiresAt,
    });

    // The new key works at once on both servers; the old one still does, sockets included.
    for (const app of [a, b]) {
      expect(await holdWith(app, sale, newKey)).toBe(200);
      expect(await holdWith(app, sale, sale.firstKey)).toBe(200);
    }
    for (const url of urls) {
      expect(await handshake(url, newKey)).toBe('connected');
      expect(await handshake(url, sale.firstKey)).toBe('connected');
    }
    expect(await join(open, sale.eventId)).toBe('joined');

    // The grace period ends (its stored end moved to the past, as time would).
    await a.pg.query(
      `UPDATE organizations SET previous_publishable_key_expires_at = now() - interval '1 second' WHERE id = $1`,
      [sale.owner.orgId],
    );
    for (const app of [a, b]) {
      await expect.poll(() => keyWorks(app, sale, sale.firstKey), afterKeyCache).toBe('401 UNAUTHENTICATED');
      expect(await holdWith(app, sale, sale.firstKey)).toBe('401 UNAUTHENTICATED');
      expect(await holdWith(app, sale, newKey)).toBe(200);
    }
    for (const url of urls) {
      expect(await handshake(url, sale.firstKey)).toBe('UNAUTHENTICATED');
      expect(await handshake(url, newKey)).toBe('connected');
    }
    // A page still connected with the old key is refused on its next message, then let go.
    const dropped = new Promise<string>((resolve) => open.on('disconnect', (reason) => resolve(reason)));
    expect(await join(open, sale.eventId)).toBe('UNAUTHENTICATED');
    expect(await dropped).toBe('io server disconnect');
    expect(await keysOf(sale)).toMatchObject({
      publishableKey: newKey,
      previousPublishableKey: null,
      previousPublishableKeyExpiresAt: null,
    });
  });

  it('ends the grace of the key before at once when rotated again', async () => {
    const sale = await openSale('rotate-twice');
    for (const app of [a, b]) expect(await holdWith(app, sale, sale.firstKey)).toBe(200);
    const second: string = (await rotate(sale)).json().publishableKey;
    const again = await rotate(sale);
    expect(again.statusCode).toBe(200);
    const third: string = again.json().publishableKey;
    expect(again.json().previousPublishableKey).toBe(second);
    expect(new Set([sale.firstKey, second, third]).size).toBe(3);

    // On the server that rotated, the first key is refused at once; the others follow within
    // their 5 s key cache.
    expect(await holdWith(a, sale, sale.firstKey)).toBe('401 UNAUTHENTICATED');
    await expect.poll(() => keyWorks(b, sale, sale.firstKey), afterKeyCache).toBe('401 UNAUTHENTICATED');
    expect(await holdWith(b, sale, sale.firstKey)).toBe('401 UNAUTHENTICATED');
    for (const url of urls) expect(await handshake(url, sale.firstKey)).toBe('UNAUTHENTICATED');
    for (const app of [a, b]) {
      expect(await holdWith(app, sale, second)).toBe(200);
      expect(await holdWith(app, sale, third)).toBe(200);
    }
  });

  it('is for admins of the organization only', async () => {
    const sale = await openSale('rotate-roles');
    const organizer = await addMember(a, sale.owner.orgId, 'organizer');
    const stranger = await signup(a, 'rotate-stranger');
    const byOrganizer = await rotate(sale, organizer);
    expect(byOrganizer.statusCode).toBe(403);
    expect((await rotate(sale, stranger)).statusCode).toBe(404);
    const withKey = await a.inject({
      method: 'POST',
      url: `/api/v1/orgs/${sale.owner.orgId}/keys/rotate-publishable`,
      headers: bearer(sale.firstKey),
    });
    expect(withKey.statusCode).toBe(403);
    expect((await keysOf(sale)).publishableKey).toBe(sale.firstKey);
    expect(await holdWith(a, sale, sale.firstKey)).toBe(200);
  });
});
