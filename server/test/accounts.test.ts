import { bearer, buildTestApp, signup, type TestApp, uniqueEmail } from '@happening/testing/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let app: TestApp;
beforeAll(async () => {
  app = await buildTestApp();
});
afterAll(async () => {
  await app.close();
});

describe('signup and login', () => {
  it('signs up an organizer as admin of a new organization with keys', async () => {
    const email = uniqueEmail('signup');
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email, password: 'long enough password', name: 'Ada', organization: { name: 'Ada Events' } },
    });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body.user).toEqual({ id: expect.any(String), email, name: 'Ada' });
    expect(body.organization).toMatchObject({ name: 'Ada Events', role: 'admin' });
    expect(body).not.toHaveProperty('user.passwordHash');

    const { rows } = await app.pg.query('SELECT password_hash FROM users WHERE id = $1', [body.user.id]);
    expect(rows[0].password_hash).toMatch(/^scrypt\$/);
    expect(rows[0].password_hash).not.toContain('long enough password');

    const keys = await app.inject({
      url: `/api/v1/orgs/${body.organization.id}/keys`,
      headers: bearer(body.token),
    });
    expect(keys.json()).toMatchObject({ publishableKey: expect.stringMatching(/^pk_/), allowedOrigins: [] });
  });

  it('logs in with the right password and lists the organizations', async () => {
    const account = await signup(app, 'login');
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: account.email.toUpperCase(), password: account.password },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().organizations).toEqual([
      { id: account.orgId, name: 'Org of login', role: 'admin' },
    ]);
    const me = await app.inject({ url: '/api/v1/auth/me', headers: bearer(response.json().token) });
    expect(me.json().user.email).toBe(account.email);
  });

  it('refuses a wrong password and an unknown email alike', async () => {
    const account = await signup(app, 'wrong');
    for (const payload of [
      { email: account.email, password: 'not the password' },
      { email: uniqueEmail('nobody'), password: account.password },
    ]) {
      const response = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload });
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe('INVALID_CREDENTIALS');
    }
  });

  it('answers 409 EMAIL_TAKEN for a duplicate email, whatever its case, even when signups race', async () => {
    const email = uniqueEmail('dup');
    const payload = (e: string) => ({
      email: e,
      password: 'long enough password',
      name: 'Dup',
      organization: { name: 'D' },
    });
    const answers = await Promise.all(
      [email, email.toUpperCase(), email].map((e) =>
        app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: payload(e) }),
      ),
    );
    expect(answers.map((a) => a.statusCode).sort()).toEqual([201, 409, 409]);
    expect(answers.find((a) => a.statusCode === 409)?.json().error.code).toBe('EMAIL_TAKEN');
    const { rows } = await app.pg.query(
      'SELECT count(*)::int AS n FROM users WHERE lower(email) = lower($1)',
      [email],
    );
    expect(rows[0].n).toBe(1);
  });

  it('rejects a tampered or missing session token', async () => {
    const account = await signup(app, 'tamper');
    const tampered = `${account.token.slice(0, -3)}abc`;
    for (const headers of [bearer(tampered), {}, { authorization: 'Basic abc' }]) {
      const response = await app.inject({ url: '/api/v1/auth/me', headers });
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe('UNAUTHENTICATED');
    }
  });
});

describe('bad input', () => {
  const valid = () => ({
    email: uniqueEmail('bad'),
    password: 'long enough password',
    name: 'B',
    organization: { name: 'B' },
  });

  it('rejects unknown properties with 400 VALIDATION_FAILED naming the property', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { ...valid(), isAdmin: true },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(response.json().error.message).toContain('isAdmin');
  });

  it('rejects wrong types without coercing them', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { ...valid(), name: 42 },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body.name' });
  });

  it('rejects a malformed email and a short password', async () => {
    for (const patch of [{ email: 'not-an-email' }, { password: 'short' }]) {
      const response = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/signup',
        payload: { ...valid(), ...patch },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('answers 415 for text/plain', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      headers: { 'content-type': 'text/plain' },
      payload: JSON.stringify(valid()),
    });
    expect(response.statusCode).toBe(415);
    expect(response.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers 400 MALFORMED_JSON for broken JSON, reads an empty JSON body as none, and 413 for an oversized body', async () => {
    /** A POST with a JSON content type and exactly this text as its body. */
    const postJson = (url: string, payload: string, headers: Record<string, string> = {}) =>
      app.inject({
        method: 'POST',
        url,
        headers: { ...headers, 'content-type': 'application/json' },
        payload,
      });

    const broken = await postJson('/api/v1/auth/login', '{"email": ');
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error.code).toBe('MALFORMED_JSON');

    // An empty body under a JSON content type is no body: what is missing is said as such…
    const empty = await postJson('/api/v1/auth/login', '');
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.code).toBe('VALIDATION_FAILED');
    // …and a call that needs none is answered as a bare POST.
    const account = await signup(app, 'empty-json');
    const logout = await postJson('/api/v1/auth/logout', '', bearer(account.token));
    expect(logout.statusCode).toBe(204);

    const huge = await postJson(
      '/api/v1/auth/login',
      JSON.stringify({ email: 'a@b.test', password: 'x'.repeat(2_000_000) }),
    );
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers unknown routes with a coded 404 and sets security headers', async () => {
    const response = await app.inject({ url: '/api/v1/nope' });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('NOT_FOUND');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('rate limits', () => {
  it('limits login attempts per client across server instances, with counters in Redis', async () => {
    const [first, second] = await Promise.all([
      buildTestApp({ AUTH_RATE_LIMIT_PER_MINUTE: '3' }),
      buildTestApp({ AUTH_RATE_LIMIT_PER_MINUTE: '3' }),
    ]);
    try {
      // A fresh client address per run, so earlier runs' counters do not matter.
      const remoteAddress = `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.7`;
      const attempt = (instance: TestApp) =>
        instance.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          remoteAddress,
          payload: { email: uniqueEmail('rl'), password: 'whatever it is' },
        });
      const codes = [];
      for (const instance of [first, second, first, second]) codes.push((await attempt(instance)).statusCode);
      expect(codes).toEqual([401, 401, 401, 429]);
      const limited = await attempt(first);
      expect(limited.json().error.code).toBe('RATE_LIMITED');
      expect(limited.headers['retry-after']).toBeDefined();
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });
});
