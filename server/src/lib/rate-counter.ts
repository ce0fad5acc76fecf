import type { FastifyInstance } from 'fastify';
import { AppError } from './errors.js';

export interface CounterVerdict {
  allowed: boolean;
  /** Seconds until the key's window ends (0 when allowed). */
  retryAfterSeconds: number;
}

export type RateCounter = (key: string) => Promise<CounterVerdict>;

/**
 * A fixed-window counter in the rate-limit plugin's Redis store, for limits that are not a
 * route's own (socket messages, bookings per event): `max` counts per key per `windowMs`, shared
 * by every server process. A Redis outage lets everything through, as the plugin's `skipOnError`
 * does for routes; readiness reports the outage.
 */
export function rateCounter(app: FastifyInstance, options: { max: number; windowMs: number }): RateCounter {
  const limiter = app.createRateLimit({
    max: options.max,
    timeWindow: options.windowMs,
    keyGenerator: (request) => (request as unknown as { rateKey: string }).rateKey,
  });
  return async (key) => {
    // The limiter only reads the key (through keyGenerator), the URL (allow-list) and the route config.
    const verdict = await limiter({ rateKey: key, url: '', routeOptions: { config: {} } } as never).catch(
      () => null,
    );
    if (verdict && !verdict.isAllowed && verdict.isExceeded) {
      return { allowed: false, retryAfterSeconds: Math.max(1, verdict.ttlInSeconds) };
    }
    return { allowed: true, retryAfterSeconds: 0 };
  };
}

/** The 429 every limit answers, REST and socket alike (`Retry-After` is set by the REST caller). */
export function rateLimited(message: string, retryAfterSeconds: number): AppError {
  return new AppError(429, 'RATE_LIMITED', message, { retryAfterSeconds });
}
