import { CONSOLE_NAMESPACE } from '@happening/shared';
import { bearer, buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Two listening servers sharing PostgreSQL and Redis, as two processes behind a load balancer.
let a: TestApp;
let b: TestApp;
const urls: string[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
  [a, b] = await Promise.all([buildTestApp(), buildTestApp()]);
  for (const app of [a, b]) {
    await app.listen({ port: 0, host: '127.0.0.1' });
    urls.push(`http://127.0.0.1:${(app.server.address() as { port: number }).port}`);
  }
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await Promise.all([a.close(), b.close()]);
});

const me = (app: TestApp, token: string) =>
  app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(token) });

async function login(app: TestApp, person: SignedUp, password = person.password) {
  return app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: person.email, password },
  });
}

/** A connected /console socket on `url`, and a promise of the reason it is disconnected for. */
async function consoleSocket(url: string, token: string) {
  const socket = io(`${url}${CONSOLE_NAMESPACE}`, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
  });
  sockets.push(socket);
  const disconnected = new Promise<string>((resolve) => socket.on('disconnect', (reason) => resolve(reason)));
  await new Promise<void>((resolve, reject) => {
    socket.on('connect', () => resolve());
    socket.on('connect_error', reject);
  });
  return { socket, disconnected };
}

function connectError(url: string, token: string): Promise<string> {
  const socket = io(`${url}${CONSOLE_NAMESPACE}`, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
  });
  sockets.push(socket);
  return new Promise((resolve, reject) => {
    socket.on('connect', () => reject(new Error('connected with a token that should be refused')));
    socket.on('connect_error', (error) => resolve(error.message));
  });
}

describe('sign-out', () => {
  it('ends the token at once on every server and drops its console sockets there', async () => {
    const person = await signup(a, 'signout');
    const other = (await login(a, person)).json().token as string;
    const onB = await consoleSocket(urls[1]!, person.token);
    const otherOnB = await consoleSocket(urls[1]!, other);
    expect((await me(b, person.token)).statusCode).toBe(200);

    const out = await a.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(person.token) });
    expect(out.statusCode).toBe(204);

    // Server B has no cache to wait for: the very next request is refused.
    const refused = await me(b, person.token);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.code).toBe('UNAUTHENTICATED');
    expect(await onB.disconnected).toBe('io server disconnect');
    expect(await connectError(urls[1]!, person.token)).toBe('UNAUTHENTICATED');
    // Only that session: the same person's other session and its socket carry on.
    expect((await me(b, other)).statusCode).toBe(200);
    expect(otherOnB.socket.connected).toBe(true);
  });

  it('everywhere ends every session of the account', async () => {
    const person = await signup(a, 'everywhere');
    const second = (await login(b, person)).json().token as string;
    const onA = await consoleSocket(urls[0]!, second);
    const out = await b.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: bearer(person.token),
      payload: { everywhere: true },
    });
    expect(out.statusCode).toBe(204);
    expect((await me(a, person.token)).statusCode).toBe(401);
    expect((await me(a, second)).statusCode).toBe(401);
    expect(await onA.disconnected).toBe('io server disconnect');
    // Signing in again works as before.
    expect((await login(a, person)).statusCode).toBe(200);
  });

  it('answers 401 to a call without a session token', async () => {
    const out = await a.inject({ method: 'POST', url: '/api/v1/auth/logout' });
    expect(out.statusCode).toBe(401);
    expect(out.json().error.code).toBe('UNAUTHENTICATED');
  });
});

describe('token expiry', () => {
  it('drops a console socket when its token expires', async () => {
    const person = await signup(a, 'expiry');
    const shortLived = await a.issueSession(person.userId, { ttlSeconds: 2 });
    const { socket, disconnected } = await consoleSocket(urls[1]!, shortLived);
    expect(socket.connected).toBe(true);
    expect(await disconnected).toBe('io server disconnect');
    expect((await me(b, shortLived)).statusCode).toBe(401);
    // The long-lived session of the same person is untouched.
    expect((await me(b, person.token)).statusCode).toBe(200);
  });
});

describe('changing the password', () => {
  it('needs the current password, ends every other session, and hands back a fresh token', async () => {
    const person = await signup(a, 'password');
    const laptop = (await login(b, person)).json().token as string;
    const laptopSocket = await consoleSocket(urls[1]!, laptop);
    const newPassword = 'a much longer new passphrase';

    const wrong = await a.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: bearer(person.token),
      payload: { currentPassword: 'not the password', newPassword },
    });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error.code).toBe('CURRENT_PASSWORD_WRONG');
    // Nothing changed: both sessions and the old password still work.
    expect((await me(b, laptop)).statusCode).toBe(200);
    expect((await login(a, person)).statusCode).toBe(200);

    const changed = await a.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: bearer(person.token),
      payload: { currentPassword: person.password, newPassword },
    });
    expect(changed.statusCode).toBe(200);
    const fresh = changed.json().token as string;

    expect((await me(b, laptop)).statusCode).toBe(401);
    expect((await me(b, person.token)).statusCode).toBe(401);
    expect(await laptopSocket.disconnected).toBe('io server disconnect');
    expect((await me(b, fresh)).statusCode).toBe(200);

    const old = await login(b, person);
    expect(old.statusCode).toBe(401);
    expect(old.json().error.code).toBe('INVALID_CREDENTIALS');
    expect((await login(b, person, newPassword)).statusCode).toBe(200);
  });

  it('refuses a new password shorter than signup allows', async () => {
    const person = await signup(a, 'short');
    const response = await a.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: bearer(person.token),
      payload: { currentPassword: person.password, newPassword: 'short' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('VALIDATION_FAILED');
  });
});

describe('password hashing', () => {
  it('upgrades a hash made at a lower cost at the next login, and the password keeps working', async () => {
    const person = await signup(a, 'rehash'); // cost 10, as every test app
    const storedHash = async () =>
      (await a.pg.query<{ h: string }>('SELECT password_hash AS h FROM users WHERE id = $1', [person.userId]))
        .rows[0]!.h;
    expect(await storedHash()).toMatch(/^scrypt\$10\$8\$1\$/);

    const stronger = await buildTestApp({ PASSWORD_HASH_COST: '11' });
    try {
      const response = await login(stronger, person);
      expect(response.statusCode).toBe(200);
      expect(await storedHash()).toMatch(/^scrypt\$11\$8\$1\$/);
      // Stored again, not changed: the session of the first signup is still good, and so is the password.
      expect((await me(stronger, person.token)).statusCode).toBe(200);
      expect((await login(stronger, person)).statusCode).toBe(200);
      expect((await login(a, person)).statusCode).toBe(200);
      expect(await storedHash()).toMatch(/^scrypt\$11\$8\$1\$/);
    } finally {
      await stronger.close();
    }
  });
});
