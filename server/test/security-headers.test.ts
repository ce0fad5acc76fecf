import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerSecurityHeaders } from '../src/plugins/security-headers.js';

const app = Fastify();

beforeAll(async () => {
  registerSecurityHeaders(app, {
    contentSecurityPolicy: { directives: { 'style-src': ["'self'", "'unsafe-inline'"] } },
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  });
  app.get('/api', async () => ({ ok: true }));
  app.get(
    '/page',
    {
      helmet: {
        contentSecurityPolicy: { useDefaults: false, directives: { 'default-src': ["'none'"] } },
        crossOriginResourcePolicy: { policy: 'same-origin' },
      },
    },
    async () => 'page',
  );
  await app.ready();
});
afterAll(() => app.close());

describe('security headers', () => {
  it("gives every response the server's policy, a route with its own policy that one over it", async () => {
    const api = await app.inject({ method: 'GET', url: '/api' });
    expect(api.headers['content-security-policy']).toContain("style-src 'self' 'unsafe-inline'");
    expect(api.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(api.headers['x-content-type-options']).toBe('nosniff');

    const page = await app.inject({ method: 'GET', url: '/page' });
    expect(page.headers['content-security-policy']).toBe("default-src 'none'");
    expect(page.headers['cross-origin-resource-policy']).toBe('same-origin');
    // What the page does not set itself comes from the server's policy.
    expect(page.headers['x-content-type-options']).toBe('nosniff');

    // Unknown paths too (the not-found handler's own route).
    const missing = await app.inject({ method: 'GET', url: '/nowhere' });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['cross-origin-resource-policy']).toBe('cross-origin');
  });
});
