import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { HelmetOptions } from 'helmet';
import { contentType } from 'mime-types';

/**
 * What the server's own static pages (the invitation page, the booking page, the widget preview)
 * share: their security policy and how a page and its assets are served. Every page is static HTML
 * plus its ES module (built from TypeScript by the pages build into `server/pages-dist/`) and
 * stylesheets from the same origin; the script reads what it needs from the address and talks to
 * the public API, so no response ever contains something that came from a user.
 *
 * The files go out through @fastify/static (streaming, ETag and 304, ranges, no path outside its
 * folder); their types come from `mime-types`, which names JavaScript `text/javascript` (RFC 9239).
 * Each route names one file: what the server answers is a list here, not whatever a folder holds.
 */

/** Where the pages build (server/scripts/build-pages.ts) writes the pages' scripts. */
export const pagesDist = new URL('../../pages-dist/', import.meta.url);

/**
 * Stricter than the app-wide policy (which lets Swagger UI use inline styles): nothing inline,
 * nothing from elsewhere, no framing, and forms may not submit natively, so a password or a token
 * can never end up in a URL even if the script failed to take over a form. Trusted Types make
 * `innerHTML`-style sinks throw: the scripts only ever set text.
 */
export const pageHelmet: HelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      'default-src': ["'none'"],
      'script-src': ["'self'"],
      'style-src': ["'self'"],
      'connect-src': ["'self'"],
      'img-src': ["'self'"],
      'base-uri': ["'none'"],
      'form-action': ["'none'"],
      'frame-ancestors': ["'none'"],
      'object-src': ["'none'"],
      'require-trusted-types-for': ["'script'"],
      'trusted-types': ["'none'"],
    },
  },
  // Only these pages load their scripts and stylesheets.
  crossOriginResourcePolicy: { policy: 'same-origin' as const },
};

/** The route option `helmet` (plugins/security-headers.ts): the policy of the page the route belongs to. */
export type PageHelmet = HelmetOptions;

function typeOf(name: string): string {
  const type = contentType(name);
  if (!type) throw new Error(`No content type for ${name}`);
  return type;
}

/**
 * Registers @fastify/static in a scope of its own (its `sendFile` decorator stays there) and lets
 * `routes` add routes that send files with it. Its own cache header is off: each route sets one.
 */
async function withStatic(app: FastifyInstance, routes: (scope: FastifyInstance) => void): Promise<void> {
  await app.register(async (scope) => {
    await scope.register(fastifyStatic, {
      root: fileURLToPath(pagesDist),
      serve: false,
      cacheControl: false,
      contentType: false,
    });
    routes(scope);
  });
}

/** A file the server ships is missing: the server still starts, and says how to build it. */
async function warnIfMissing(app: FastifyInstance, path: string): Promise<void> {
  await access(path).catch(() =>
    app.log.warn(`${path} is missing: run "npm run build:pages -w server" (npm run build does it too)`),
  );
}

/**
 * Serves `files` at `urlPrefix` + name, e.g. `/bookings/assets/` + `booking.js`; each name maps to
 * the folder it is in (the pages build's output, or the page's `public/` folder). Revalidated every
 * time (a deploy shows at once), and a revalidation costs a 304.
 */
export async function serveAssets(
  app: FastifyInstance,
  urlPrefix: string,
  files: Record<string, URL>,
  helmet: PageHelmet = pageHelmet,
): Promise<void> {
  const entries = Object.entries(files).map(([name, folder]) => [name, fileURLToPath(folder)] as const);
  await Promise.all(entries.map(([name, folder]) => warnIfMissing(app, `${folder}${name}`)));
  await withStatic(app, (scope) => {
    for (const [name, folder] of entries) {
      const type = typeOf(name);
      scope.get(`${urlPrefix}${name}`, { schema: { hide: true }, helmet }, (_request, reply) =>
        reply.header('cache-control', 'no-cache').type(type).sendFile(name, folder),
      );
    }
  });
}

/**
 * Serves one HTML page at `route` whatever its parameters are: the page itself asks the API and
 * explains a link that does not work. Its address carries a secret (or leads to one in the
 * fragment), so it stays out of caches, out of Referer headers and out of search engines.
 */
export async function servePage(
  app: FastifyInstance,
  route: string,
  html: URL,
  helmet: PageHelmet = pageHelmet,
): Promise<void> {
  const path = fileURLToPath(html);
  await warnIfMissing(app, path);
  const name = path.slice(path.lastIndexOf('/') + 1);
  const folder = path.slice(0, path.length - name.length);
  await withStatic(app, (scope) => {
    scope.get(route, { schema: { hide: true }, helmet }, (_request, reply) =>
      reply
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .header('x-robots-tag', 'noindex')
        .type(typeOf(name))
        .sendFile(name, folder, { etag: false, lastModified: false }),
    );
  });
}
