import type { Ack, ErrorCode } from '@happening/shared';
import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '../lib/errors.js';
import { isStoreUnavailable } from '../lib/store-unavailable.js';

/**
 * Runs a socket handler and answers its ack with `{ok: true, data}` or `{ok: false, error}`.
 * Client mistakes carry their code; Redis or PostgreSQL out of reach for a moment is
 * SERVICE_UNAVAILABLE (retry), as over REST; anything else is logged and answered INTERNAL_ERROR.
 */
export function acknowledged<P, T>(
  log: FastifyBaseLogger,
  handler: (payload: P) => Promise<T>,
): (payload: P, ack?: (answer: Ack<T>) => void) => void {
  return (payload, ack) => {
    const reply = typeof ack === 'function' ? ack : () => {};
    handler(payload).then(
      (data) => reply({ ok: true, data }),
      (error: unknown) => {
        if (error instanceof AppError) {
          reply({ ok: false, error: { code: error.code, message: error.message, ...error.details } });
        } else if (isStoreUnavailable(error)) {
          log.warn({ err: error }, 'socket handler: a store is unavailable');
          reply({
            ok: false,
            error: { code: 'SERVICE_UNAVAILABLE', message: 'The service is busy; retry in a moment' },
          });
        } else {
          log.error({ err: error }, 'socket handler failed');
          reply({
            ok: false,
            error: { code: 'INTERNAL_ERROR' as ErrorCode, message: 'Something went wrong on our side' },
          });
        }
      },
    );
  };
}
