import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';

export default fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        info: {
          title: 'Happening API',
          version: '1.0.0',
          description:
            'Real-time seat booking for live events. Errors are `{ error: { code, message } }`. ' +
            'Every route is rate-limited per client address (`RATE_LIMIT_PER_MINUTE`; the address is ' +
            'the TCP peer unless `TRUST_PROXY` names the proxies, IPv6 counted by its /64): beyond ' +
            'it, 429 `RATE_LIMITED` with `Retry-After`.',
        },
        servers: [{ url: app.config.PUBLIC_URL }],
        components: {
          securitySchemes: {
            bearer: {
              type: 'http',
              scheme: 'bearer',
              description: 'Organizer session token, publishable key (pk_…) or secret key (sk_…)',
            },
          },
        },
        security: [{ bearer: [] }],
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  },
  { name: 'swagger', dependencies: ['config'] },
);
