import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { nonBlockingStdout } from '@happening/runtime';
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import bookingPagePlugin from './booking-page/plugin.js';
import type { Config } from './config.js';
import './decorations.js';
import invitationPagePlugin from './invitation-page/plugin.js';
import { proxyTrustOf } from './lib/client-address.js';
import { requestSerializer } from './lib/log-redaction.js';
import accountsRoutes from './modules/accounts/routes.js';
import { BookingNews } from './modules/bookings/booking-news.js';
import bookingRoutes from './modules/bookings/routes.js';
import eventRoutes from './modules/events/routes.js';
import saleRoutes from './modules/events/sale-routes.js';
import holdRoutes from './modules/holds/routes.js';
import invitationRoutes from './modules/invitations/routes.js';
import opsRoutes from './modules/ops/routes.js';
import orgRoutes from './modules/orgs/routes.js';
import webhookRoutes from './modules/webhooks/routes.js';
import notificationRoutes from './notifications/routes.js';
import pageAssetsPlugin from './pages/plugin.js';
import authPlugin from './plugins/auth.js';
import configPlugin from './plugins/config.js';
import errorsPlugin, { frameworkErrors } from './plugins/errors.js';
import gracefulPlugin from './plugins/graceful.js';
import healthPlugin from './plugins/health.js';
import holdGuardPlugin from './plugins/hold-guard.js';
import inventoryPlugin from './plugins/inventory.js';
import metricsPlugin from './plugins/metrics.js';
import operatorsPlugin from './plugins/operators.js';
import opsServerPlugin from './plugins/ops-server.js';
import outboxRelayPlugin from './plugins/outbox-relay.js';
import postgresPlugin from './plugins/postgres.js';
import rabbitmqPlugin from './plugins/rabbitmq.js';
import realtimePlugin from './plugins/realtime.js';
import redisPlugin from './plugins/redis.js';
import repositoriesPlugin from './plugins/repositories.js';
import securityPlugin from './plugins/security.js';
import socketioPlugin from './plugins/socketio.js';
import swaggerPlugin from './plugins/swagger.js';
import textInputPlugin from './plugins/text-input.js';
import { validatorCompiler } from './plugins/validation.js';
import waitingRoomPlugin from './plugins/waiting-room.js';
import widgetBundlePlugin from './plugins/widget-bundle.js';
import waitingRoomRoutes from './waiting-room/routes.js';
import widgetPreviewPlugin from './widget-preview/plugin.js';
import widgetPreviewRoutes from './widget-preview/routes.js';

/**
 * The whole application as one plugin, and its composition root: infrastructure clients first,
 * then the services built on them, then the API. Collaborators that cross plugins are made here
 * and handed to each plugin that needs them, so no plugin reaches into another's objects.
 */
export async function app(instance: FastifyInstance, { config }: { config: Config }): Promise<void> {
  // The booking service publishes what live clients must hear; the realtime plugin relays it.
  const bookingNews = new BookingNews();

  await instance.register(configPlugin, { config });
  // JSON only: a text/plain body is refused with 415 instead of being parsed as a string.
  instance.removeContentTypeParser('text/plain');
  await instance.register(errorsPlugin);
  await instance.register(textInputPlugin);
  await instance.register(gracefulPlugin);
  await instance.register(postgresPlugin);
  await instance.register(repositoriesPlugin);
  await instance.register(redisPlugin);
  await instance.register(rabbitmqPlugin);
  await instance.register(metricsPlugin);
  await instance.register(securityPlugin);
  await instance.register(swaggerPlugin);
  await instance.register(authPlugin);
  await instance.register(operatorsPlugin);
  await instance.register(socketioPlugin);
  await instance.register(inventoryPlugin, { bookingNews });
  await instance.register(holdGuardPlugin);
  await instance.register(waitingRoomPlugin);
  await instance.register(realtimePlugin, { bookingNews });
  await instance.register(healthPlugin);
  await instance.register(opsServerPlugin);
  await instance.register(outboxRelayPlugin);
  await instance.register(widgetBundlePlugin);
  await instance.register(widgetPreviewPlugin);
  await instance.register(pageAssetsPlugin);
  await instance.register(invitationPagePlugin);
  await instance.register(bookingPagePlugin);

  await instance.register(
    async (api) => {
      await api.register(accountsRoutes);
      await api.register(orgRoutes);
      await api.register(widgetPreviewRoutes);
      await api.register(invitationRoutes);
      await api.register(webhookRoutes);
      await api.register(notificationRoutes);
      await api.register(opsRoutes);
      await api.register(eventRoutes);
      await api.register(saleRoutes);
      await api.register(waitingRoomRoutes);
      await api.register(holdRoutes);
      await api.register(bookingRoutes);
    },
    { prefix: '/api/v1' },
  );
}

export function serverOptions(config: Config): FastifyServerOptions {
  return {
    logger:
      config.LOG_LEVEL === 'silent'
        ? false
        : {
            level: config.LOG_LEVEL,
            stream: nonBlockingStdout(),
            redact: ['req.headers.authorization', 'req.headers["idempotency-key"]'],
            // Logged URLs never carry an invitation, manage or hold token (lib/log-redaction.ts).
            serializers: { req: requestSerializer },
          },
    bodyLimit: config.BODY_LIMIT_BYTES,
    requestIdHeader: 'x-request-id',
    // Sockets stay open for long; requests must not.
    requestTimeout: 30_000,
    // One trust rule for REST and sockets (lib/client-address.ts); false keeps Fastify's fast path.
    trustProxy: proxyTrustOf(config.TRUST_PROXY) ?? false,
    frameworkErrors,
  };
}

/**
 * Builds a ready app without listening: what server.ts starts and what tests `inject` into.
 * `plugins` come after the application (see start.ts); the product itself passes none.
 */
export async function buildApp(
  config: Config,
  overrides: FastifyServerOptions = {},
  plugins: FastifyPluginAsync[] = [],
) {
  const instance = Fastify({
    ...serverOptions(config),
    ...overrides,
  }).withTypeProvider<TypeBoxTypeProvider>();
  instance.setValidatorCompiler(validatorCompiler());
  await instance.register(fp(app, { name: 'happening' }), { config });
  for (const plugin of plugins) await instance.register(plugin);
  await instance.ready();
  return instance;
}
