import { commonSettings } from '@happening/shared';
import { envSchema } from 'env-schema';
import { type Static, Type } from 'typebox';

/**
 * Every setting the worker reads, with its local default (the same names and defaults as the
 * server's where they overlap). Validated once at start; nothing else reads `process.env`.
 */
export const WorkerConfigSchema = Type.Object({
  ...commonSettings,
  /** Sender of every email. */
  SMTP_FROM: Type.String({ minLength: 3, default: 'Happening <no-reply@happening.test>' }),
  /**
   * Messages one worker holds at once (AMQP prefetch). Four times the default SMTP pool: a message
   * spends about as long in its two database transactions as on the wire, so twice the pool keeps
   * every SMTP connection busy, and twice that again leaves one organization's share (below) that
   * large.
   */
  WORKER_PREFETCH: Type.Integer({ minimum: 1, maximum: 1_000, default: 40 }),
  /**
   * Messages of one organization a worker handles at once, so that one organization's slow or
   * failing receivers take at most this share of its prefetch (half, by default). Values above
   * the prefetch act as the prefetch (no limit).
   */
  WORKER_ORG_IN_FLIGHT: Type.Integer({ minimum: 1, maximum: 1_000, default: 20 }),
  /**
   * How long an organization's messages may make no progress (none finishes) before the worker
   * hands back the ones waiting beyond its share (through a delay queue), so their prefetch
   * slots serve other organizations. While its work moves, they wait their turn.
   */
  WORKER_ORG_WAIT_MS: Type.Integer({ minimum: 0, default: 1_000 }),
  /**
   * How long a worker's claim on a message's deliveries lasts; must be longer than any send
   * (WEBHOOK_TIMEOUT_MS, SMTP's timeouts, a wait for a free SMTP connection). A worker that hangs
   * mid-send keeps its claims this long; one that dies loses them at once (its liveness lock).
   */
  WORKER_CLAIM_LEASE_MS: Type.Integer({ minimum: 1_000, default: 60_000 }),
  /** Processing attempts per message before it is dead-lettered (recoverable failures only). */
  NOTIFICATIONS_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 20, default: 6 }),
  /** First backoff delay; each further retry waits twice as long (5 s, 10 s, 20 s, …). */
  NOTIFICATIONS_RETRY_BASE_MS: Type.Integer({ minimum: 10, default: 5_000 }),
  /** Where `/healthz`, `/readyz` and `/metrics` listen (0: any free port, as tests use). */
  WORKER_HTTP_HOST: Type.String({ default: '127.0.0.1' }),
  WORKER_HTTP_PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: 9464 }),
  /** SMTP connection, greeting and socket timeout. */
  SMTP_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10_000 }),
  /**
   * The most one mail may take from being handed to a connection to the relay's final reply. The
   * socket timeout only notices silence: a relay that answers a byte at a time never trips it.
   */
  SMTP_SEND_DEADLINE_MS: Type.Integer({ minimum: 100, default: 30_000 }),
  /**
   * SMTP connections the worker keeps open at once. Each carries one mail at a time, so fewer
   * than the prefetch makes messages queue for a connection; relays limit concurrent connections
   * per sender, so this is the knob to lower for them.
   */
  SMTP_POOL_CONNECTIONS: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
  /** Mails per SMTP connection before it is closed and a new one opened (relays cap this). */
  SMTP_POOL_MAX_MESSAGES: Type.Integer({ minimum: 1, default: 100 }),
});

export type WorkerConfig = Static<typeof WorkerConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadWorkerConfig(env: Record<string, string | undefined> = process.env): WorkerConfig {
  try {
    return envSchema<WorkerConfig>({
      schema: WorkerConfigSchema,
      data: { ...env },
      env: false,
      dotenv: false,
    });
  } catch (error) {
    const message = (error as Error).message
      .replaceAll('env/', '')
      .replaceAll("env must have required property '", '');
    throw new ConfigError(`Invalid configuration: ${message}`);
  }
}
