import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { notFound } from '../lib/errors.js';

/** Built by `npm run build -w widget` (and by the widget's test setup). */
const distDir = fileURLToPath(new URL('../../../widget/dist/', import.meta.url));

interface BundleFile {
  body: Buffer;
  mtimeMs: number;
  etag: string;
  /** Short content hash: names the immutable copy of the bundle. */
  version: string;
  /** Subresource Integrity value for <script integrity="…">. */
  integrity: string;
}

/**
 * Serves the seat picker bundle partners embed:
 * - `/widget/happening.js`: the URL in the docs. `max-age=300` plus an ETag: partners never edit
 *   their tag, so a deploy reaches every page within five minutes, and revalidation is a 304.
 * - `/widget/happening-<version>.js`: the same bytes under a content-hashed name, cached for a year
 *   (`immutable`). This is the URL to pin with Subresource Integrity, since the plain URL's hash
 *   changes with every release. Older versions are not kept: only the current one answers.
 * - `/widget/happening.json`: the current versioned URL and its integrity value.
 * - `/widget/locales/<language>.json`: the element's strings in German, French or Spanish, which
 *   it fetches itself when its `locale` (or the page's `lang`) asks for one (English is built in).
 * CORS comes from the security plugin (module scripts are fetched in CORS mode) and
 * `Cross-Origin-Resource-Policy: cross-origin` from helmet, so pages isolated with COEP can load it.
 */
export default fp(
  async (app) => {
    const cache = new Map<string, BundleFile>();

    async function load(name: string): Promise<BundleFile> {
      const path = `${distDir}${name}`;
      const info = await stat(path).catch(() => null);
      if (!info) throw notFound(`${name} (the widget is not built: run "npm run build -w widget")`);
      const cached = cache.get(name);
      if (cached && cached.mtimeMs === info.mtimeMs) return cached;
      const body = await readFile(path);
      const file: BundleFile = {
        body,
        mtimeMs: info.mtimeMs,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
        version: createHash('sha256').update(body).digest('hex').slice(0, 12),
        integrity: `sha384-${createHash('sha384').update(body).digest('base64')}`,
      };
      cache.set(name, file);
      return file;
    }

    function send(
      request: FastifyRequest,
      reply: FastifyReply,
      file: BundleFile,
      type: string,
      cacheControl: string,
    ) {
      reply.header('cache-control', cacheControl).header('etag', file.etag).header('vary', 'Origin');
      if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
      return reply.type(type).send(file.body);
    }

    const js = 'text/javascript; charset=utf-8';
    const revalidate = 'public, max-age=300';
    const immutable = 'public, max-age=31536000, immutable';

    app.get('/widget/happening.js', { schema: { hide: true } }, async (request, reply) =>
      send(request, reply, await load('happening.js'), js, revalidate),
    );

    app.get('/widget/happening.js.map', { schema: { hide: true } }, async (request, reply) =>
      send(request, reply, await load('happening.js.map'), 'application/json', revalidate),
    );

    app.get<{ Params: { version: string } }>(
      '/widget/happening-:version.js',
      { schema: { hide: true } },
      async (request, reply) => {
        const file = await load('happening.js');
        if (request.params.version !== file.version)
          throw notFound(`Widget version ${request.params.version}`);
        return send(request, reply, file, js, immutable);
      },
    );

    app.get<{ Params: { language: string } }>(
      '/widget/locales/:language.json',
      { schema: { hide: true } },
      async (request, reply) => {
        const { language } = request.params;
        // Only a bare language code names a file: nothing else reaches the file system.
        if (!/^[a-z]{2}$/.test(language)) throw notFound(`Widget language ${language}`);
        const file = await load(`locales/${language}.json`);
        return send(request, reply, file, 'application/json; charset=utf-8', revalidate);
      },
    );

    app.get('/widget/happening.json', { schema: { hide: true } }, async (_request, reply) => {
      const file = await load('happening.js');
      reply.header('cache-control', 'no-cache');
      return {
        src: `/widget/happening-${file.version}.js`,
        integrity: file.integrity,
        version: file.version,
      };
    });
  },
  { name: 'widget-bundle', dependencies: ['security'] },
);
