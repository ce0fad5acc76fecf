import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../lib/errors.js';

const refusal = () =>
  new AppError(400, 'VALIDATION_FAILED', 'Text may not contain the NUL character (U+0000)');

/** Whether a parsed JSON value holds a string with a NUL character anywhere inside it. */
function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(holdsNul);
  if (value && typeof value === 'object') {
    return Object.entries(value).some(([key, item]) => key.includes('\u0000') || holdsNul(item));
  }
  return false;
}

/**
 * PostgreSQL's text and jsonb cannot hold U+0000, so a NUL that reached a query would fail it
 * (a 500) instead of being answered. It is refused here, once, for every route: in the URL (where
 * it can only arrive as `%00`, the HTTP parser refuses a raw one, as it does in headers) and in
 * JSON bodies (where it can only arrive as the escape `\u0000`).
 */
export default fp(
  async (app) => {
    app.addHook('onRequest', async (request: FastifyRequest, _reply: FastifyReply) => {
      if (request.url.includes('%00')) throw refusal();
    });

    // Fastify's own JSON parser (prototype-poisoning checks included), then the NUL check. Only a
    // body whose text has the escape is walked, so ordinary bodies cost one substring search.
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      // An empty body under a JSON content type (what many HTTP clients send on a POST without
      // data) is no body: a route that takes none answers as to a bare POST, and one that needs
      // one says what is missing (VALIDATION_FAILED), not that JSON was broken.
      if (body === '') return done(null, undefined);
      parseJson(request, body as string, (error, parsed) => {
        if (error) return done(error, undefined);
        if ((body as string).includes('\\u0000') && holdsNul(parsed)) return done(refusal(), undefined);
        done(null, parsed);
      });
    });
  },
  { name: 'text-input', dependencies: ['errors'] },
);
