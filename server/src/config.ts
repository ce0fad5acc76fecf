import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commonSettings } from '@happening/shared';
import { envSchema } from 'env-schema';
import { type Static, Type } from 'typebox';

/**
 * Every setting the server reads, with its local default. Validated once at start; a bad value
 * stops the start with a message naming the variable. Nothing else reads `process.env`.
 */
export const ConfigSchema = Type.Object({
  ...commonSettings,
  PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: 3000 }),
  HOST: Type.String({ default: '127.0.0.1' }),
  /**
   * Where `/metrics` and `/readyz` with details listen (0: any free port). Not the public port:
   * keep it on loopback or a private network that only monitoring reaches.
   */
  OPS_HOST: Type.String({ default: '127.0.0.1' }),
  OPS_PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: 9465 }),
  /**
   * A PostgreSQL replica for reads that may be slightly stale (console lists, booking totals).
   * Empty: every read goes to `DATABASE_URL`. Whatever decides (auth, holds, bookings) always does.
   */
  DATABASE_READ_URL: Type.String({ pattern: '^$|^postgres(ql)?://', default: '' }),
  /** PostgreSQL connections per process, and how long a request may wait for one before a 503. */
  PG_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 500, default: 20 }),
  PG_POOL_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10_000 }),
  /** Publish outbox rows to RabbitMQ from this process (every server runs a relay by default). */
  OUTBOX_RELAY_ENABLED: Type.Boolean({ default: true }),
  /** Rows per relay batch. */
  OUTBOX_RELAY_BATCH_SIZE: Type.Integer({ minimum: 1, maximum: 5_000, default: 200 }),
  /**
   * Relay batches awaiting their publisher confirms at once (the next is published meanwhile);
   * each holds a pool client. Unconfirmed messages are at most batch size × this. 1: no overlap.
   */
  OUTBOX_RELAY_MAX_IN_FLIGHT: Type.Integer({ minimum: 1, maximum: 16, default: 3 }),
  /** Fallback polling of the outbox when no NOTIFY arrives. */
  OUTBOX_RELAY_POLL_MS: Type.Integer({ minimum: 50, default: 1_000 }),
  /** Publish only these organizations' rows (comma-separated ids; empty: all). Lets relays share a database with others, as tests do. */
  OUTBOX_RELAY_ORG_IDS: Type.String({ pattern: '^([0-9a-fA-F-]{36}(, *[0-9a-fA-F-]{36})*)?$', default: '' }),
  /** Published outbox rows older than this are deleted by the relays (0 keeps them forever). */
  OUTBOX_RETENTION_HOURS: Type.Integer({ minimum: 0, default: 168 }),
  /** Organizations one person may belong to before creating another is refused (keeps the switcher usable, bounds abuse). */
  MAX_ORGANIZATIONS_PER_USER: Type.Integer({ minimum: 1, maximum: 1_000, default: 20 }),
  /** How long an invitation link stays valid. */
  INVITATION_TTL_HOURS: Type.Integer({ minimum: 1, default: 168 }),
  /** How often operators' consoles receive queue stats (`queues` on /console). */
  QUEUE_STATS_PUSH_MS: Type.Integer({ minimum: 100, default: 5_000 }),
  /**
   * The deployment's operators, by account email (comma-separated, case-insensitive). Only they
   * see deployment-wide queue stats and replay every dead letter; empty: nobody.
   */
  OPERATOR_EMAILS: Type.String({ default: '' }),
  /** Signs organizer session tokens. Unset: a random key is generated once and kept in .happening/. */
  TOKEN_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  TOKEN_TTL_SECONDS: Type.Integer({ minimum: 60, default: 43_200 }),
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1_024, default: 1_048_576 }),
  RATE_LIMIT_PER_MINUTE: Type.Integer({ minimum: 1, default: 1_200 }),
  /** Per client address (see TRUST_PROXY), for signup and login: slows password guessing. */
  AUTH_RATE_LIMIT_PER_MINUTE: Type.Integer({ minimum: 1, default: 20 }),
  HOLD_RATE_LIMIT_PER_MINUTE: Type.Integer({ minimum: 1, default: 120 }),
  HOLD_SWEEP_INTERVAL_MS: Type.Integer({ minimum: 50, default: 1_000 }),
  /** The shortest `holdTtlSeconds` an event may have (the API's own floor is 1). */
  HOLD_TTL_MIN_SECONDS: Type.Integer({ minimum: 1, maximum: 3_600, default: 30 }),
  /** `hold_expiring` goes out this long before a hold expires (at once for a hold with less left). */
  HOLD_EXPIRING_LEAD_SECONDS: Type.Integer({ minimum: 1, maximum: 3_600, default: 60 }),
  /**
   * `POST /holds/:token/checkout`: the hold lives at least this long from the call, once; never
   * longer than this from it (unless it had more left already).
   */
  HOLD_CHECKOUT_GRACE_SECONDS: Type.Integer({ minimum: 1, maximum: 1_800, default: 300 }),
  /**
   * An event's Redis inventory with no hold, no pending booking and no change (nor rebuild) for
   * this long is deleted; its next use rebuilds it from PostgreSQL. Bounds Redis by live sales.
   */
  INVENTORY_IDLE_SECONDS: Type.Integer({ minimum: 1, default: 600 }),
  /**
   * An event is over this many hours after its start: it sells nothing more, no longer counts
   * against its organization's quotas, and its inventory leaves Redis once its last holds are gone.
   */
  EVENT_OVER_AFTER_HOURS: Type.Integer({ minimum: 0, maximum: 8_760, default: 24 }),
  /** Events an organization may have that are neither cancelled nor over (drafts included). */
  MAX_EVENTS_PER_ORGANIZATION: Type.Integer({ minimum: 1, default: 1_000 }),
  /** Seats (reserved seats plus general-admission places) of those events, together. */
  MAX_SEATS_PER_ORGANIZATION: Type.Integer({ minimum: 1, default: 2_000_000 }),
  /**
   * Webhook endpoints one organization may register. Every notification is sent to each of them,
   * so this bounds the work one booking can cause.
   */
  MAX_WEBHOOK_ENDPOINTS_PER_ORGANIZATION: Type.Integer({ minimum: 1, maximum: 1_000, default: 10 }),
  SOCKET_HOLD_GRACE_SECONDS: Type.Integer({ minimum: 0, default: 30 }),
  /**
   * Which proxies' `X-Forwarded-For` to believe. Empty: none, the TCP peer is the client (a client
   * could otherwise name any address and walk around every per-address limit). A hop count
   * (`1`), or a comma-separated list of proxy addresses/CIDRs (or proxy-addr's `loopback`,
   * `linklocal`, `uniquelocal`), means what Fastify's `trustProxy` means. REST and both socket
   * transports apply it alike (lib/client-address.ts).
   */
  TRUST_PROXY: Type.String({
    pattern:
      '^([0-9]+|([0-9a-fA-F:.]+(/[0-9]+)?|loopback|linklocal|uniquelocal)(, *([0-9a-fA-F:.]+(/[0-9]+)?|loopback|linklocal|uniquelocal))*)?$',
    default: '',
  }),
  /**
   * How long the previous publishable key keeps working after `POST /orgs/:orgId/keys/rotate-publishable`,
   * so pages that embed it can be updated (0: refused at once). Rotating again ends it at once.
   */
  PUBLISHABLE_KEY_GRACE_HOURS: Type.Integer({ minimum: 0, maximum: 720, default: 48 }),
  /**
   * Signs proof-of-work challenges (ALTCHA's HMAC key). Unset: derived from TOKEN_SECRET. Every
   * server must share it, or a challenge one server issued fails on another.
   */
  POW_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  /**
   * Proof-of-work difficulty: ALTCHA's `maxnumber`, the most SHA-256 hashes a solver may need
   * (half of it on average). 50,000 costs a browser a fraction of a second.
   */
  POW_MAX_NUMBER: Type.Integer({ minimum: 1, maximum: 10_000_000, default: 50_000 }),
  /** How long a proof-of-work challenge may be solved and used (ALTCHA's `expires`). */
  POW_CHALLENGE_TTL_SECONDS: Type.Integer({ minimum: 5, maximum: 3_600, default: 120 }),
  /**
   * The waiting room (docs/waiting-room.md): how often each server runs the admission tick of every
   * live line (any server may; the script meters), pushes followed tickets' changes to its own
   * sockets, samples the console's line statistics, and how long an admission lasts without a hold.
   */
  QUEUE_TICK_MS: Type.Integer({ minimum: 50, default: 1_000 }),
  QUEUE_PUSH_INTERVAL_MS: Type.Integer({ minimum: 100, default: 1_000 }),
  QUEUE_STATS_INTERVAL_MS: Type.Integer({ minimum: 200, default: 2_000 }),
  QUEUE_ADMISSION_SECONDS: Type.Integer({ minimum: 10, maximum: 86_400, default: 600 }),
  /**
   * Publishable-key bookings (`directBooking` events) one client address may make per event per
   * BOOKING_LIMIT_WINDOW_SECONDS, and of those, how many may join the waitlist. Secret keys and
   * organizers are not counted: a partner backend books for many attendees from one address.
   */
  DIRECT_BOOKING_LIMIT: Type.Integer({ minimum: 1, default: 5 }),
  WAITLIST_JOIN_LIMIT: Type.Integer({ minimum: 1, default: 3 }),
  BOOKING_LIMIT_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 600 }),
  /** Messages one `/widget` socket may send per minute (bursts of a quarter of it). */
  SOCKET_MESSAGES_PER_MINUTE: Type.Integer({ minimum: 4, default: 120 }),
  /** Messages all `/widget` sockets of one client address may send per minute, across servers. */
  SOCKET_MESSAGES_PER_ADDRESS_PER_MINUTE: Type.Integer({ minimum: 1, default: 3_000 }),
  /** Open `/widget` sockets per client address on one server process. */
  SOCKET_CONNECTIONS_PER_ADDRESS: Type.Integer({ minimum: 1, default: 200 }),
  /** Messages one `/console` socket may send per minute (bursts of a quarter of it). */
  CONSOLE_SOCKET_MESSAGES_PER_MINUTE: Type.Integer({ minimum: 4, default: 600 }),
  /**
   * How long a console's watch of an event is remembered in Redis without being renewed; each
   * server renews its watchers' every third of it. Booking news of an event nobody watches is
   * not broadcast, and is again within this long of the last watcher leaving.
   */
  CONSOLE_WATCH_TTL_MS: Type.Integer({ minimum: 1_000, default: 60_000 }),
  /**
   * Longest a server serves one availability snapshot while it hears no change of the event
   * (changes end it at once); 0 reads Redis for every `join` and availability request.
   */
  AVAILABILITY_CACHE_MS: Type.Integer({ minimum: 0, default: 2_000 }),
  /** Origins that may call the API from a browser besides each organization's allowed origins. */
  CONSOLE_ORIGINS: Type.String({ default: 'http://localhost:5173,http://127.0.0.1:5173' }),
  /**
   * scrypt cost (log2 N, with r = 8, p = 1). The default 17 is OWASP's minimum (128 MiB and a few
   * hundred ms per hash); below it only for tests. Hashes made at a lower cost are upgraded at login.
   */
  PASSWORD_HASH_COST: Type.Integer({ minimum: 10, maximum: 20, default: 17 }),
});

export type Config = Static<typeof ConfigSchema> & { TOKEN_SECRET: string };

const stateDir = fileURLToPath(new URL('../../.happening/', import.meta.url));

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads the environment (or `overrides`, for tests) and returns a checked config. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  let parsed: Static<typeof ConfigSchema>;
  try {
    parsed = envSchema<Static<typeof ConfigSchema>>({
      schema: ConfigSchema,
      data: { ...env },
      env: false,
      dotenv: false,
    });
  } catch (error) {
    // env-schema's message reads like "env/PORT must be <= 65535"; make it name the variable plainly.
    const message = (error as Error).message
      .replaceAll('env/', '')
      .replaceAll("env must have required property '", '');
    throw new ConfigError(`Invalid configuration: ${message}`);
  }
  return { ...parsed, TOKEN_SECRET: parsed.TOKEN_SECRET ?? devTokenSecret() };
}

let warnedAboutDevSecret = false;

function devTokenSecret(): string {
  const file = `${stateDir}token-secret`;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    const secret = randomBytes(48).toString('base64url');
    mkdirSync(dirname(file), { recursive: true });
    // 'wx' makes a concurrent first start keep whichever key was written first.
    try {
      writeFileSync(file, secret, { flag: 'wx', mode: 0o600 });
    } catch {
      return readFileSync(file, 'utf8').trim();
    }
    return secret;
  } finally {
    if (!warnedAboutDevSecret) {
      warnedAboutDevSecret = true;
      process.emitWarning(
        `TOKEN_SECRET is not set; using a development key kept in ${file}. Set it in production.`,
      );
    }
  }
}
