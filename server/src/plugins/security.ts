import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { limitKeyOf } from '../lib/client-address.js';
import { LocalRateWindow } from '../lib/local-rate-window.js';
import { rateLimited } from '../lib/rate-counter.js';
import { registerSecurityHeaders } from './security-headers.js';

const SECRET_KEY_BEARER = /^Bearer sk_/;

/**
 * A request under the global limit alone (no route limit of its own, as signup has, and not exempt
 * from it, as holds are: they count their own) that
 * carries a secret key: a partner backend. Its limit is counted in this process (see below), so
 * its booking does not wait for a Redis round trip before anything else can start. Whether the
 * key is valid is the auth plugin's business: a forged `sk_` header is counted the same way.
 */
function locallyLimited(request: FastifyRequest): boolean {
  return (
    SECRET_KEY_BEARER.test(request.headers.authorization ?? '') &&
    (request.routeOptions.config as { rateLimit?: unknown } | undefined)?.rateLimit === undefined
  );
}

/**
 * CORS reflects any origin without credentials: every API credential is a bearer token, never a
 * cookie, so a foreign page gains nothing it could not do from a server. Publishable keys are
 * additionally tied to their organization's allowed origins (see plugins/auth.ts).
 */
export default fp(
  async (app) => {
    await app.register(cors, {
      origin: true,
      credentials: false,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Manage-Token', 'X-Request-Id'],
      exposedHeaders: ['X-Request-Id', 'Idempotent-Replayed', 'Retry-After'],
      maxAge: 600,
    });
    registerSecurityHeaders(app, {
      // Swagger UI needs inline styles; the API itself serves JSON only.
      contentSecurityPolicy: {
        directives: { 'style-src': ["'self'", "'unsafe-inline'"], 'img-src': ["'self'", 'data:'] },
      },
      // The widget bundle is loaded by partner pages on other origins.
      crossOriginResourcePolicy: { policy: 'cross-origin' },
    });
    // Counters live in Redis so the limit holds across every server process. Every limit is per
    // client address as TRUST_PROXY defines it, keyed by limitKeyOf (IPv6 by its /64); routes'
    // own `config.rateLimit` inherit this keyGenerator.
    await app.register(rateLimit, {
      global: true,
      keyGenerator: (request) => limitKeyOf(request.ip),
      max: app.config.RATE_LIMIT_PER_MINUTE,
      timeWindow: 60_000,
      redis: app.redis,
      nameSpace: 'happening:rl:',
      // A Redis outage must not take the API down with it; readiness reports it instead.
      skipOnError: true,
      allowList: (request, key) =>
        request.url === '/healthz' ||
        request.url === '/readyz' ||
        request.url === '/metrics' ||
        // Only the global limit's own key: a route's own limit (another key) still applies.
        (key === limitKeyOf(request.ip) && locallyLimited(request)),
    });
    // Secret-key callers: the same RATE_LIMIT_PER_MINUTE per client address, counted per server
    // process instead of in Redis (docs/security.md), off the booking's sequential path.
    const local = new LocalRateWindow(app.config.RATE_LIMIT_PER_MINUTE, 60_000);
    app.addHook('onRequest', async (request, reply) => {
      if (!locallyLimited(request)) return;
      const verdict = local.take(limitKeyOf(request.ip));
      if (verdict.allowed) return;
      reply.header('retry-after', String(verdict.retryAfterSeconds));
      throw rateLimited('Too many requests; slow down', verdict.retryAfterSeconds);
    });
  },
  { name: 'security', dependencies: ['config', 'redis'] },
);
