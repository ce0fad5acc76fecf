import { Type } from 'typebox';

/**
 * Settings the server and the worker both read, with the same names and local defaults
 * (docs/configuration.md). Each process spreads these into its own schema.
 */
export const commonSettings = {
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info' },
  ),
  DATABASE_URL: Type.String({
    pattern: '^postgres(ql)?://',
    default: 'postgres://postgres@127.0.0.1:5432/happening',
  }),
  REDIS_URL: Type.String({ pattern: '^rediss?://', default: 'redis://127.0.0.1:6379' }),
  /**
   * Comma-separated `host:port` seed nodes of a Redis Cluster. When set, every Redis client of the
   * server and the worker is a Cluster client and `REDIS_URL` is not used.
   */
  REDIS_CLUSTER_NODES: Type.String({
    pattern: '^$|^\\s*[^,\\s]+:[0-9]+\\s*(,\\s*[^,\\s]+:[0-9]+\\s*)*$',
    default: '',
  }),
  /** One broker URL, or the nodes of one RabbitMQ cluster comma-separated (tried in turn). */
  RABBITMQ_URL: Type.String({
    pattern: '^\\s*amqps?://[^,\\s]+\\s*(,\\s*amqps?://[^,\\s]+\\s*)*$',
    default: 'amqp://guest:guest@127.0.0.1:5672',
  }),
  NOTIFICATIONS_QUEUE: Type.String({ minLength: 1, default: 'notifications' }),
  SMTP_URL: Type.String({ pattern: '^smtps?://', default: 'smtp://127.0.0.1:1025' }),
  PUBLIC_URL: Type.String({ pattern: '^https?://', default: 'http://localhost:3000' }),
  /** Development only: let webhooks reach loopback and private-network addresses. */
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: Type.Boolean({ default: false }),
  /**
   * Development only: webhook URLs may be `http:` (otherwise `https:` is required, at registration
   * and at every delivery, so signed payloads never travel in the clear).
   */
  WEBHOOK_ALLOW_HTTP: Type.Boolean({ default: false }),
  /**
   * Total time one webhook delivery may take, from DNS through the last byte of the answer; a
   * receiver slower than this is a failed attempt, retried with backoff.
   */
  WEBHOOK_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10_000 }),
  /** Bytes of a webhook answer read at most; a longer answer is cut off and counts as failed. */
  WEBHOOK_MAX_RESPONSE_BYTES: Type.Integer({ minimum: 0, default: 65_536 }),
};
