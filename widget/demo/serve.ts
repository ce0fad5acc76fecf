/**
 * The partner demo: a plain page on its own origin (port 5174 by default, not the API's) that
 * embeds <happening-seat-picker> exactly as a partner would, under a strict Content-Security-Policy
 * that allows only what the README's CSP section lists. `npm start` runs it with the seeded demo
 * event; tests start it in-process on a free port and pass their own event and key in the query.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface DemoOptions {
  /** Base URL of the Happening server the page loads the widget from. */
  server: string;
  eventId: string;
  publishableKey: string;
  port?: number;
  host?: string;
}

const pageTemplate = readFile(fileURLToPath(new URL('index.html', import.meta.url)), 'utf8');
const pageScript = readFile(fileURLToPath(new URL('demo.js', import.meta.url)));

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/** The CSP directives an embedding page needs (documented in the README's "Widget" section). */
export function widgetCsp(server: string): string {
  const api = new URL(server);
  const socket = `${api.protocol === 'https:' ? 'wss:' : 'ws:'}//${api.host}`;
  return [
    "default-src 'self'",
    `script-src 'self' ${api.origin}`,
    `connect-src 'self' ${api.origin} ${socket}`,
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export async function startDemoServer(options: DemoOptions): Promise<{ url: string; server: Server }> {
  const template = await pageTemplate;
  const script = await pageScript;
  const http = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://demo.invalid');
    if (url.pathname === '/demo.js') {
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      return response.end(script);
    }
    if (url.pathname === '/favicon.ico') {
      response.writeHead(204);
      return response.end();
    }
    if (url.pathname !== '/') {
      response.writeHead(404, { 'content-type': 'text/plain' });
      return response.end('Not found');
    }
    // Tests (and curious partners) may point the page at another event, key or server.
    const server = (url.searchParams.get('server') ?? options.server).replace(/\/+$/, '');
    const values: Record<string, string> = {
      SERVER: server,
      EVENT_ID: url.searchParams.get('event') ?? options.eventId,
      PUBLISHABLE_KEY: url.searchParams.get('key') ?? options.publishableKey,
      EXTRA_ATTRIBUTES: ['section', 'max-seats', 'party-size', 'locale']
        .filter((name) => url.searchParams.has(name))
        .map((name) => ` ${name}="${escapeHtml(url.searchParams.get(name)!)}"`)
        .join(''),
    };
    const page = template
      .replace(/\{\{(\w+)\}\}/g, (_, name: string) => escapeHtml(values[name] ?? ''))
      .replace(/\s*data-demo-options=""/, values.EXTRA_ATTRIBUTES!);
    response.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': widgetCsp(server),
      'cache-control': 'no-store',
    });
    response.end(page);
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 5174, options.host ?? '127.0.0.1', resolve);
  });
  const { port } = http.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server: http };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // The server serves widget/dist from disk; build it first so `npm start` on a fresh clone works.
  const { buildWidget } = await import('../scripts/build.js');
  await buildWidget();
  const port = Number(process.env.DEMO_PORT ?? 5174);
  const server = process.env.SERVER_URL ?? process.env.PUBLIC_URL ?? 'http://localhost:3000';
  await startDemoServer({
    server,
    port,
    host: process.env.DEMO_HOST ?? '127.0.0.1',
    eventId: process.env.DEMO_EVENT_ID ?? '',
    publishableKey: process.env.DEMO_PUBLISHABLE_KEY ?? '',
  });
  console.log(`Partner demo page: http://localhost:${port} (widget from ${server})`);
  if (!process.env.DEMO_EVENT_ID)
    console.log('DEMO_EVENT_ID is not set: pass ?event=<id>&key=<pk_…> in the URL.');
}
