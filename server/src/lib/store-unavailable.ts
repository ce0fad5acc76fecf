/**
 * Errors that mean a store is out of reach for a moment, not a bug: the request answers 503
 * `SERVICE_UNAVAILABLE` with `Retry-After` (REST) or that code in a socket's ack, never a 500.
 *
 * - Redis (ioredis): a node restarting, a cluster slot between a dead primary and its promoted
 *   replica. What such a moment can leave behind (a booking decided in Redis whose answer was
 *   lost) heals as docs/inventory.md says.
 * - PostgreSQL (node-postgres): the server restarting or failing over. Its connections are cut
 *   (`57P01 admin_shutdown`, "Connection terminated"), new ones are refused while it is down
 *   (`ECONNREFUSED`) or told to wait (`57P03` shutting down / starting up). The pool drops broken
 *   clients and connects afresh on the next request, so nothing needs restarting afterwards.
 */
const REDIS_UNREACHABLE = [
  /^Connection is closed/,
  /^Reached the max retries per request limit/,
  /^Too many Cluster redirections/,
  /^CLUSTERDOWN/,
  /^TRYAGAIN/,
  /^Failed to refresh slots cache/,
  /^None of startup nodes is available/,
  /^Cluster isn't ready/,
  // Redis's own "not now" replies: a node loading its data after a restart, a replica whose
  // primary is gone, a write that reached a primary just demoted by a failover.
  /^LOADING /,
  /^MASTERDOWN /,
  /^READONLY /,
];

export function isRedisUnreachable(error: unknown): boolean {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && REDIS_UNREACHABLE.some((pattern) => pattern.test(message));
}

/** Socket-level failures of a connection to PostgreSQL (node's `code` on the error). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of a server going away or full: class 08 (connection exception), 57P01
 * admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, and 53300 too_many_connections
 * (every `max_connections` slot taken, e.g. by more server processes × `PG_POOL_SIZE` than it
 * allows; seen in the scale-out drill). Not 57014 (a statement timeout is ours).
 */
const SERVER_GOING_CODES = /^(08...|57P0[123]|53300)$/;

/** node-postgres' own messages for a connection that ended under a query or a checkout. */
const PG_CLIENT_MESSAGES = [
  /^Connection terminated/,
  /^Client has encountered a connection error and is not queryable/,
  /^Client was closed and is not queryable/,
  // The pool waited PG_POOL_TIMEOUT_MS for a connection: every one is busy, or none can be made.
  /^timeout exceeded when trying to connect/,
];

export function isPostgresUnreachable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || SERVER_GOING_CODES.test(code))) return true;
  return typeof message === 'string' && PG_CLIENT_MESSAGES.some((pattern) => pattern.test(message));
}

/** Redis or PostgreSQL out of reach for a moment: answer 503 and let the client retry. */
export function isStoreUnavailable(error: unknown): 'redis' | 'postgres' | null {
  if (isRedisUnreachable(error)) return 'redis';
  if (isPostgresUnreachable(error)) return 'postgres';
  return null;
}
