/**
 * A small static file server for the renderer's web build: what `npm run console:web` and the end
 * to end tests serve. Sends the same CSP as the desktop app. @fastify/send does the file part
 * (never outside `root`, ETag and 304, ranges); `mime-types` names the types, as in the app's
 * `app://` protocol.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname } from 'node:path';
import send from '@fastify/send';
import { contentType } from 'mime-types';
import { CONTENT_SECURITY_POLICY } from '../src/main/csp.js';

export interface StaticServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function serveStatic(root: string, port: number, host = '127.0.0.1'): Promise<StaticServer> {
  const server = createServer(async (request, response) => {
    const pathname = new URL(request.url ?? '/', 'http://x').pathname;
    const { statusCode, headers, stream, type, metadata } = await send(request, pathname, {
      root,
      index: ['index.html'],
      // Hashed asset names may be cached for good; index.html must be revalidated (set below).
      cacheControl: false,
      contentType: false,
      dotfiles: 'deny',
    });
    if (type !== 'file') {
      // Errors (404, 403 for a path that tries to leave root) and folder redirects: no body of ours.
      response
        .writeHead(type === 'error' ? statusCode : 404, { 'content-type': 'text/plain' })
        .end('Not found');
      stream.destroy();
      return;
    }
    const extension = extname(metadata.path);
    response.writeHead(statusCode, {
      ...headers,
      'content-type': contentType(extension) || 'application/octet-stream',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'cache-control': extension === '.html' ? 'no-cache' : 'public, max-age=31536000, immutable',
    });
    stream.pipe(response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    url: `http://${host === '0.0.0.0' ? 'localhost' : host}:${address.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
