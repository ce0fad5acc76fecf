/**
 * `RABBITMQ_URL` may name several nodes of one RabbitMQ cluster, comma-separated.
 * amqp-connection-manager takes the list and, whenever a connection fails or drops, connects to the
 * next node in turn, re-creating its channels there; quorum queues keep their messages while a node
 * is away.
 */
export function brokerUrlsOf(setting: string): string[] {
  return setting
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url !== '');
}
