import type { ErrorCode } from '@happening/shared';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../lib/errors.js';
import { isStoreUnavailable } from '../lib/store-unavailable.js';

/** Fastify's own error codes, mapped to our stable codes. */
const fastifyCodes: Record<string, { status: number; code: ErrorCode }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'VALIDATION_FAILED' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'PAYLOAD_TOO_LARGE' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'MALFORMED_JSON' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'MALFORMED_JSON' },
};

/**
 * What the router refuses before any route runs (a path parameter over Fastify's 100 characters,
 * bad percent-encoding): Fastify's own answer would be `{ error: 'Bad Request', code: 'FST_…' }`,
 * not ours, so it is answered here in the shape and with the codes every other refusal has.
 */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const message =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? 'A path parameter is too long'
      : error.code === 'FST_ERR_BAD_URL'
        ? 'The URL is not valid percent-encoded UTF-8'
        : undefined;
  if (message) {
    void reply.status(400).send({ error: { code: 'VALIDATION_FAILED', message, field: 'params' } });
    return;
  }
  reply.log.error({ err: error }, 'router failed');
  void reply
    .status(500)
    .send({ error: { code: 'INTERNAL_ERROR', message: 'Something went wrong on our side' } });
}

/**
 * The one place errors become answers. Client mistakes get a 4xx with a stable code; anything
 * else is logged with the request's context and answered 500 without internals.
 */
export default fp(
  async (app) => {
    app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
      if (error instanceof AppError) {
        return reply
          .status(error.statusCode)
          .send({ error: { code: error.code, message: error.message, ...error.details } });
      }
      if (error.validation) {
        const first = error.validation[0];
        const where = error.validationContext ?? 'body';
        const path = first?.instancePath ? `${where}${first.instancePath.replaceAll('/', '.')}` : where;
        const extra =
          first?.params && 'additionalProperty' in first.params
            ? ` (${first.params.additionalProperty})`
            : '';
        return reply.status(400).send({
          error: {
            code: 'VALIDATION_FAILED',
            message: `${path} ${first?.message ?? 'is invalid'}${extra}`,
            field: path,
          },
        });
      }
      const mapped = error.code ? fastifyCodes[error.code] : undefined;
      if (mapped) {
        return reply.status(mapped.status).send({ error: { code: mapped.code, message: error.message } });
      }
      if (error.statusCode === 429) {
        return reply.status(429).send({ error: { code: 'RATE_LIMITED', message: error.message } });
      }
      if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
        request.log.info({ err: error }, 'client error without a mapped code');
        return reply
          .status(error.statusCode)
          .send({ error: { code: 'VALIDATION_FAILED', message: error.message } });
      }
      const store = isStoreUnavailable(error);
      if (store) {
        // Every PostgreSQL connection is busy, PostgreSQL is restarting, or Redis is out of reach
        // for a moment (a failover): not a bug. Ask the client to retry.
        request.log.warn({ err: error }, store === 'redis' ? 'Redis unreachable' : 'PostgreSQL unavailable');
        return reply
          .status(503)
          .header('retry-after', '1')
          .send({
            error: { code: 'SERVICE_UNAVAILABLE', message: 'The service is busy; retry in a moment' },
          });
      }
      request.log.error({ err: error }, 'request failed');
      return reply
        .status(500)
        .send({ error: { code: 'INTERNAL_ERROR', message: 'Something went wrong on our side' } });
    });

    app.setNotFoundHandler((request, reply) =>
      reply
        .status(404)
        .send({ error: { code: 'NOT_FOUND', message: `No route ${request.method} ${request.url}` } }),
    );
  },
  { name: 'errors' },
);
