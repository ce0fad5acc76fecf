import { testEnv } from '@happening/testing/env';
import { type LiveEvent, publishedEvent, rowsMap } from '@happening/testing/inventory';
import {
  bearer,
  buildTestApp,
  type SignedUp,
  signup,
  type TestApp,
  uniqueEmail,
} from '@happening/testing/server';
import {
  connected,
  freshAddress,
  openSockets,
  type Transport,
  urlOf,
  widgetSocket,
} from '@happening/testing/sockets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { limitKeyOf, proxyTrustOf } from '../src/lib/client-address.js';

// The attack of the issue: with its default settings the product believed any X-Forwarded-For,
// so a script naming a new address on each request walked around every per-address limit.

/** An app with the shipped defaults for the login and hold limits (testEnv raises them). */
async function appWithDefaultLimits(overrides: Record<string, string> = {}): Promise<TestApp> {
  const env = testEnv(overrides);
  delete env.AUTH_RATE_LIMIT_PER_MINUTE;
  delete env.HOLD_RATE_LIMIT_PER_MINUTE;
  return buildApp(loadConfig(env));
}

const PROXY = '10.200.0.1';
let plain: TestApp;
let proxied: TestApp;
// Signs up and publishes from 127.0.0.1, which every test file shares: with raised limits.
let setup: TestApp;
let owner: SignedUp;
let live: LiveEvent;

beforeAll(async () => {
  [plain, proxied, setup] = await Promise.all([
    appWithDefaultLimits(),
    appWithDefaultLimits({ TRUST_PROXY: PROXY }),
    buildTestApp(),
  ]);
  owner = await signup(setup, 'client-address');
  live = await publishedEvent(setup, owner, rowsMap(1, 10));
});
afterAll(async () => {
  for (const socket of openSockets) socket.close();
  await Promise.all([plain.close(), proxied.close(), setup.close()]);
});

async function logins(
  app: TestApp,
  request: (i: number) => { remoteAddress: string; forwardedFor?: string },
) {
  const codes: number[] = [];
  for (let i = 0; i < 25; i++) {
    const { remoteAddress, forwardedFor } = request(i);
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      remoteAddress,
      headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
      payload: { email: uniqueEmail('guess'), password: 'not the password' },
    });
    codes.push(response.statusCode);
  }
  return codes;
}

describe('the limit key of an address', () => {
  it('is the address for IPv4, the /64 for IPv6, and the IPv4 address for IPv4-mapped IPv6', () => {
    expect(limitKeyOf('203.0.113.7')).toBe('203.0.113.7');
    expect(limitKeyOf('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(limitKeyOf('2001:db8:1:2::1')).toBe(limitKeyOf('2001:db8:1:2:ffff:ffff:ffff:fffe'));
    expect(limitKeyOf('2001:db8:1:2::1')).not.toBe(limitKeyOf('2001:db8:1:3::1'));
    expect(limitKeyOf(undefined)).toBe('unknown');
  });

  it('reads TRUST_PROXY as Fastify does: nobody, a hop count, or addresses and CIDRs', () => {
    expect(proxyTrustOf('')).toBeNull();
    expect(proxyTrustOf('1')!('198.51.100.1', 0)).toBe(true);
    expect(proxyTrustOf('1')!('198.51.100.1', 1)).toBe(false);
    expect(proxyTrustOf('loopback')!('127.0.0.1', 0)).toBe(true);
    expect(proxyTrustOf('loopback')!('192.0.2.1', 0)).toBe(false);
    const listed = proxyTrustOf('10.0.0.0/8, 192.0.2.1')!;
    expect([listed('10.1.2.3', 0), listed('192.0.2.1', 0), listed('192.0.2.2', 0)]).toEqual([
      true,
      true,
      false,
    ]);
  });
});

describe('REST with the default TRUST_PROXY (nobody)', () => {
  it('ignores X-Forwarded-For: rotating it, login still answers 429 by the 21st attempt', async () => {
    const remoteAddress = freshAddress();
    const codes = await logins(plain, (i) => ({ remoteAddress, forwardedFor: `203.0.113.${i + 1}` }));
    expect(codes.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(codes.slice(20)).toEqual(Array(5).fill(429));
  });

  it('ignores X-Forwarded-For for holds: the 121st hold request in a minute is refused', async () => {
    const remoteAddress = freshAddress();
    const codes: number[] = [];
    for (let i = 0; i < 121; i++) {
      // Seats that do not exist: the limit counts the request, and the inventory keeps no hold.
      const response = await plain.inject({
        method: 'POST',
        url: `/api/v1/events/${live.eventId}/holds`,
        remoteAddress,
        headers: { ...bearer(live.publishableKey), 'x-forwarded-for': `203.0.113.${i + 1}` },
        payload: { seats: ['main-Z-1'] },
      });
      codes.push(response.statusCode);
    }
    expect(codes.slice(0, 120).filter((code) => code === 429)).toEqual([]);
    expect(codes[120]).toBe(429);
  });

  it('counts an IPv6 client by its /64: rotating within it, the 121st hold request is refused', async () => {
    const prefix = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:1`;
    const codes: number[] = [];
    for (let i = 0; i < 121; i++) {
      const response = await plain.inject({
        method: 'POST',
        url: `/api/v1/events/${live.eventId}/holds`,
        remoteAddress: `${prefix}::${(i + 1).toString(16)}`,
        headers: bearer(live.publishableKey),
        payload: { seats: ['main-Z-1'] },
      });
      codes.push(response.statusCode);
    }
    expect(codes.slice(0, 120).filter((code) => code === 429)).toEqual([]);
    expect(codes[120]).toBe(429);
  });
});

describe('REST with TRUST_PROXY naming the proxy', () => {
  it('believes X-Forwarded-For from the proxy: each forwarded client has its own count', async () => {
    const codes = await logins(proxied, () => ({ remoteAddress: PROXY, forwardedFor: freshAddress() }));
    expect(codes).toEqual(Array(25).fill(401));
  });

  it('keys a request from any other peer on that peer, whatever its X-Forwarded-For says', async () => {
    const remoteAddress = freshAddress();
    const codes = await logins(proxied, (i) => ({ remoteAddress, forwardedFor: `203.0.113.${i + 1}` }));
    expect(codes.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(codes.slice(20)).toEqual(Array(5).fill(429));
  });

  it('counts a client the same whether the proxy forwards it or it comes directly', async () => {
    const client = freshAddress();
    const viaProxy = await logins(proxied, (i) =>
      i < 20 ? { remoteAddress: PROXY, forwardedFor: client } : { remoteAddress: client },
    );
    expect(viaProxy.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(viaProxy.slice(20)).toEqual(Array(5).fill(429));
  });
});

// Sockets: one open /widget socket per address here, so which address a socket is counted on
// shows in whether a second one is let in. Both transports carry the header on the request that
// opens the connection (the first polling request, or the WebSocket upgrade).
describe.each<Transport>(['websocket', 'polling'])('widget sockets over %s', (transport) => {
  const apps: Record<'none' | 'other' | 'peer', TestApp> = {} as never;
  beforeAll(async () => {
    const env = { SOCKET_CONNECTIONS_PER_ADDRESS: '1' };
    [apps.none, apps.other, apps.peer] = await Promise.all([
      buildTestApp(env),
      // Trusts a proxy that is not the test's peer: the header must still be ignored.
      buildTestApp({ ...env, TRUST_PROXY: '192.0.2.1' }),
      // The test's own address is the proxy: the header is the client.
      buildTestApp({ ...env, TRUST_PROXY: '127.0.0.1' }),
    ]);
    await Promise.all(Object.values(apps).map((app) => app.listen({ port: 0, host: '127.0.0.1' })));
  });
  afterAll(async () => {
    for (const socket of openSockets) socket.close();
    await Promise.all(Object.values(apps).map((app) => app.close()));
  });

  const open = (app: TestApp, forwardedFor: string) =>
    connected(widgetSocket(urlOf(app), live.publishableKey, { transport, forwardedFor }));

  it('without TRUST_PROXY, sockets naming different addresses are one client: the TCP peer', async () => {
    expect(await open(apps.none, '203.0.113.1')).toBe('connected');
    expect(await open(apps.none, '203.0.113.2')).toBe('RATE_LIMITED');
  });

  it('with TRUST_PROXY naming another proxy, the header is ignored just the same', async () => {
    expect(await open(apps.other, '203.0.113.1')).toBe('connected');
    expect(await open(apps.other, '203.0.113.2')).toBe('RATE_LIMITED');
  });

  it('with TRUST_PROXY naming the peer, each forwarded client is counted on its own address', async () => {
    expect(await open(apps.peer, '203.0.113.1')).toBe('connected');
    expect(await open(apps.peer, '203.0.113.2')).toBe('connected');
    expect(await open(apps.peer, '203.0.113.1')).toBe('RATE_LIMITED');
  });
});
