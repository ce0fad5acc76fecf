import type { FastifyRequest } from 'fastify';

/**
 * What the request log may say about a URL. Access logs are read by more people, and kept longer,
 * than the credentials in them deserve: an invitation token lets its holder create the invited
 * account, a manage token cancels a booking, a hold token books or releases someone's seats. The
 * server's own links keep them out of URLs (fragments, headers, bodies), but an old email, an old
 * integration or a hand-typed address can still put one in a path or a query string, and the
 * request is logged before any route sees it. So the logged URL is rewritten here, whatever route
 * it reaches (or none).
 */

const REDACTED = '[redacted]';

/** Query parameters that carry a credential, compared without case. */
const secretParameters = new Set(['managetoken', 'token', 'holdtoken', 'invitationtoken']);

/** Path segments after these are credentials (the invitation page and the old API forms). */
const pathRules: { pattern: RegExp; replace: string }[] = [
  // `/invitations/<token>` (page links mailed before tokens moved to the fragment) and
  // `/api/v1/invitations/<token>[/accept|/signup]` (old API forms); not the page's own assets or
  // the body-token routes, whose segments are fixed words.
  {
    pattern: /(\/invitations\/)(?!assets(?:\/|$)|lookup$|accept$|signup$)[^/?#]+/i,
    replace: `$1${REDACTED}`,
  },
  // Hold tokens are `<eventId>.<secret>`: the event id stays, it is what an operator looks for.
  { pattern: /(\/holds\/[0-9a-fA-F-]{36}\.)[^/?#]+/, replace: `$1${REDACTED}` },
  { pattern: /(\/holds\/)(?![0-9a-fA-F-]{36}\.)[^/?#]+/, replace: `$1${REDACTED}` },
  // Queue tickets (`GET /queue/<eventId>.q_<secret>`) answer their admission token: the same rule.
  { pattern: /(\/queue\/[0-9a-fA-F-]{36}\.)[^/?#]+/, replace: `$1${REDACTED}` },
];

/** `url` (a request target: path and query) with every credential replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  const queryAt = url.indexOf('?');
  let path = queryAt === -1 ? url : url.slice(0, queryAt);
  for (const rule of pathRules) path = path.replace(rule.pattern, rule.replace);
  if (queryAt === -1) return path;
  const query = url
    .slice(queryAt + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const rawName = equals === -1 ? pair : pair.slice(0, equals);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replaceAll('+', ' '));
      } catch {
        // A malformed escape: compare the name as it was written.
      }
      return secretParameters.has(name.toLowerCase()) && equals !== -1 ? `${rawName}=${REDACTED}` : pair;
    })
    .join('&');
  return `${path}?${query}`;
}

/** Fastify's own `req` serializer (lib/logger-pino.js), with the URL redacted. */
export function requestSerializer(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    version: [request.headers?.['accept-version']].flat()[0],
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket ? request.socket.remotePort : undefined,
  };
}
