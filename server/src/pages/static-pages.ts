import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * What the server's own static pages (the invitation page, the booking page) share: their security
 * policy, how their files are loaded and cached, and how a page and its assets are registered.
 * Every page is static HTML plus its ES module (which imports `/pages/assets/page-kit.js`) and
 * stylesheets from the same origin; the script reads what it needs from the address and talks to
 * the public API, so no response ever contains something that came from a user.
 */

export interface PageFile {
  body: Buffer;
  type: string;
  etag: string;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** Reads a file that ships with the server, once at start, with a content hash as its ETag. */
export async function loadPageFile(url: URL): Promise<PageFile> {
  const type = contentTypes[extname(url.pathname)];
  if (!type) throw new Error(`No content type for ${url.pathname}`);
  const body = await readFile(url);
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

/**
 * Stricter than the app-wide policy (which lets Swagger UI use inline styles): nothing inline,
 * nothing from elsewhere, no framing, and forms may not submit natively, so a password or a token
 * can never end up in a URL even if the script failed to take over a form. Trusted Types make
 * `innerHTML`-style sinks throw: the scripts only ever set text.
 */
export const pageHelmet = {
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

function sendRevalidated(request: FastifyRequest, reply: FastifyReply, file: PageFile) {
  // Revalidated every time (a deploy shows at once), and a revalidation costs a 304.
  reply.header('cache-control', 'no-cache').header('etag', file.etag);
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
  return reply.type(file.type).send(file.body);
}

/** Serves files of `directory` at `urlPrefix` + name, e.g. `/bookings/assets/` + `booking.js`. */
export async function serveAssets(
  app: FastifyInstance,
  directory: URL,
  urlPrefix: string,
  names: string[],
): Promise<void> {
  const files = await Promise.all(names.map((name) => loadPageFile(new URL(name, directory))));
  names.forEach((name, index) => {
    const file = files[index]!;
    app.get(`${urlPrefix}${name}`, { schema: { hide: true }, helmet: pageHelmet }, (request, reply) =>
      sendRevalidated(request, reply, file),
    );
  });
}

/**
 * Serves one HTML page at `route` whatever its parameters are: the page itself asks the API and
 * explains a link that does not work. Its address carries a secret (or leads to one in the
 * fragment), so it stays out of caches, out of Referer headers and out of search engines.
 */
export async function servePage(app: FastifyInstance, route: string, html: URL): Promise<void> {
  const page = await loadPageFile(html);
  app.get(route, { schema: { hide: true }, helmet: pageHelmet }, (_request, reply) =>
    reply
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .header('x-robots-tag', 'noindex')
      .type(page.type)
      .send(page.body),
  );
}
