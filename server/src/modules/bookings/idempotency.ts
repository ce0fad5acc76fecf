import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import type pg from 'pg';
import { AppError } from '../../lib/errors.js';

const KEEP_HOURS = 24;

export interface IdempotentAnswer {
  status: number;
  body: unknown;
}

/** Canonical JSON (sorted keys), so the same body hashes the same whatever its key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Stripe's semantics for `Idempotency-Key`: the same key with the same request replays the first
 * answer; with another request it is 422; while the first is still running it is 409. Answers
 * are kept 24 hours. Unexpected failures (5xx) and rate limits (429) release the key so the
 * client can retry.
 */
export async function withIdempotency(
  pool: pg.Pool,
  scope: string,
  key: string | undefined,
  request: { method: string; url: string; body: unknown },
  reply: FastifyReply,
  work: () => Promise<IdempotentAnswer>,
): Promise<void> {
  if (key === undefined) {
    const answer = await work();
    await reply.status(answer.status).send(answer.body);
    return;
  }
  if (key.length === 0 || key.length > 255) {
    throw new AppError(400, 'VALIDATION_FAILED', 'Idempotency-Key must be 1 to 255 characters');
  }
  const requestHash = createHash('sha256')
    .update(`${request.method} ${request.url} ${canonical(request.body)}`)
    .digest('hex');
  // Claim the key; an expired record is taken over as if it were absent.
  const claimed = await pool.query(
    `INSERT INTO idempotency_keys (scope, key, request_hash, status) VALUES ($1, $2, $3, 'in_flight')
     ON CONFLICT (scope, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, status = 'in_flight',
       response_status = NULL, response_body = NULL, created_at = now()
       WHERE idempotency_keys.created_at < now() - interval '${KEEP_HOURS} hours'
     RETURNING 1`,
    [scope, key, requestHash],
  );
  if (claimed.rowCount === 0) {
    const { rows } = await pool.query<{
      request_hash: string;
      status: string;
      response_status: number;
      response_body: unknown;
    }>(
      'SELECT request_hash, status, response_status, response_body FROM idempotency_keys WHERE scope = $1 AND key = $2',
      [scope, key],
    );
    const record = rows[0];
    if (!record) throw new AppError(409, 'IDEMPOTENCY_KEY_IN_FLIGHT', 'Retry: the key was just released');
    if (record.request_hash !== requestHash) {
      throw new AppError(
        422,
        'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was used with a different request',
      );
    }
    if (record.status === 'in_flight') {
      throw new AppError(
        409,
        'IDEMPOTENCY_KEY_IN_FLIGHT',
        'A request with this Idempotency-Key is still running',
      );
    }
    reply.header('Idempotent-Replayed', 'true');
    await reply.status(record.response_status).send(record.response_body);
    return;
  }

  let answer: IdempotentAnswer;
  try {
    answer = await work();
  } catch (error) {
    // A 429 is no answer to the request: the key is released so the same request can come back.
    if (error instanceof AppError && error.statusCode < 500 && error.statusCode !== 429) {
      answer = {
        status: error.statusCode,
        body: { error: { code: error.code, message: error.message, ...error.details } },
      };
    } else {
      await pool.query('DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2', [scope, key]);
      throw error;
    }
  }
  await pool.query(
    `UPDATE idempotency_keys SET status = 'done', response_status = $3, response_body = $4 WHERE scope = $1 AND key = $2`,
    [scope, key, answer.status, JSON.stringify(answer.body)],
  );
  await reply.status(answer.status).send(answer.body);
}

export async function purgeIdempotencyKeys(pool: pg.Pool): Promise<number> {
  const { rowCount } = await pool.query(
    `DELETE FROM idempotency_keys WHERE created_at < now() - interval '${KEEP_HOURS} hours'`,
  );
  return rowCount ?? 0;
}
