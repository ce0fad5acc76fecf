import { brokerUrlsOf } from '@happening/runtime';
import amqp, { type AmqpConnectionManager } from 'amqp-connection-manager';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    amqp: AmqpConnectionManager;
  }
}

/**
 * One reconnecting RabbitMQ connection per process. Channels (confirm channels for the outbox
 * relay) are opened from it by the modules that publish, and re-created after every reconnect.
 */
export default fp(
  async (app) => {
    const connection = amqp.connect(brokerUrlsOf(app.config.RABBITMQ_URL), {
      heartbeatIntervalInSeconds: 15,
      reconnectTimeInSeconds: 1,
    });
    connection.on('connect', () => app.log.info('RabbitMQ connected'));
    connection.on('disconnect', ({ err }) => app.log.warn({ err }, 'RabbitMQ disconnected'));
    connection.on('connectFailed', ({ err }) => app.log.debug({ err }, 'RabbitMQ connection attempt failed'));
    app.decorate('amqp', connection);
    app.addHook('onClose', async () => {
      await connection.close();
    });
  },
  { name: 'rabbitmq', dependencies: ['config'] },
);
