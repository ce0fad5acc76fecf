import { type Ack, type ErrorCode, isHoldToken, isUuid, SEAT_ID_MAX_LENGTH } from '@happening/shared';
import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '../lib/errors.js';

/**
 * Runs a socket handler and answers its ack with `{ok: true, data}` or `{ok: false, error}`.
 * Client mistakes carry their code; anything else is logged and answered INTERNAL_ERROR.
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

export function requireObject(payload: unknown): Record<string, unknown> {
  if (!payload || typeof payload !== 'object') throw new AppError(400, 'VALIDATION_FAILED', 'Send an object');
  return payload as Record<string, unknown>;
}

export function requireString(value: unknown, name: string, max = 128): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new AppError(400, 'VALIDATION_FAILED', `${name} must be a non-empty string`);
  }
  return value;
}

/** An id as REST params take it (`shared/src/ids.ts`): anything else is refused before any lookup. */
export function requireUuid(value: unknown, name: string): string {
  if (!isUuid(value)) throw new AppError(400, 'VALIDATION_FAILED', `${name} must be a UUID`);
  return value;
}

/** A hold token as the server hands it out, `<eventId>.hold_<random>`. */
export function requireHoldToken(value: unknown, name = 'holdToken'): string {
  if (!isHoldToken(value)) {
    throw new AppError(400, 'VALIDATION_FAILED', `${name} must be a hold token as a hold answered it`);
  }
  return value;
}

export function requireStrings(value: unknown, name: string, maxItems = 100): string[] {
  if (
    !Array.isArray(value) ||
    value.length > maxItems ||
    value.some((item) => typeof item !== 'string' || item.length > SEAT_ID_MAX_LENGTH)
  ) {
    throw new AppError(400, 'VALIDATION_FAILED', `${name} must be a list of at most ${maxItems} seat ids`);
  }
  return value as string[];
}
