/**
 * ioredis errors that mean Redis is out of reach for a moment (a node restarting, a cluster slot
 * between a dead primary and its promoted replica), not a bug: the request answers 503 with
 * `Retry-After`, as when every PostgreSQL connection is busy. What such a moment can leave behind
 * (a booking decided in Redis whose answer was lost) heals as docs/inventory.md says.
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
];

export function isRedisUnreachable(error: unknown): boolean {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && REDIS_UNREACHABLE.some((pattern) => pattern.test(message));
}
