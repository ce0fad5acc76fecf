import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import { limitKeyOf } from '../lib/client-address.js';

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
    await app.register(helmet, {
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
      allowList: (request) =>
        request.url === '/healthz' || request.url === '/readyz' || request.url === '/metrics',
    });
  },
  { name: 'security', dependencies: ['config', 'redis'] },
);
