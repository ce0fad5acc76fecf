/**
 * A small fake of the server surface for component tests: REST answers and a Socket.IO `/widget`
 * namespace spoken over Playwright's WebSocket routing (Engine.IO v4 / Socket.IO v5 framing).
 * The end-to-end tests use the real server; these check the element's own rendering and logic.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Page, Request, WebSocketRoute } from 'playwright-core';

export const PARTNER = 'http://partner.test';
export const API = 'http://api.test';
const bundle = () => readFile(fileURLToPath(new URL('../dist/happening.js', import.meta.url)));

const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': '*' };

export type RestHandler = (
  request: Request,
  match: RegExpMatchArray,
) => { status: number; body?: unknown } | undefined;
export type SocketHandler = (
  payload: unknown,
) => { ok: true; data: unknown } | { ok: false; error: { code: string; message: string } };

export interface FakeServer {
  rest: Map<string, RestHandler>;
  socket: Map<string, SocketHandler>;
  /** Requests seen, as "METHOD /path". */
  calls: string[];
  /** Client emits seen, in order. */
  emits: { event: string; payload: unknown }[];
  /** Sends a server → client event on every connected socket. */
  push(event: string, payload: unknown): void;
  /** Refuses the handshake with this message (e.g. ORIGIN_NOT_ALLOWED). */
  refuseWith: string | null;
  /** Closes every connection, as a server restart or network drop would. */
  dropAll(): void;
  /** Ends every socket from the server side (Socket.IO's disconnect packet), as `socket.disconnect()` does. */
  disconnectAll(): void;
}

export async function fakeServer(page: Page, html: string): Promise<FakeServer> {
  const sockets = new Set<WebSocketRoute>();
  const fake: FakeServer = {
    rest: new Map(),
    socket: new Map(),
    calls: [],
    emits: [],
    refuseWith: null,
    push(event, payload) {
      for (const ws of sockets) ws.send(`42/widget,${JSON.stringify([event, payload])}`);
    },
    dropAll() {
      for (const ws of sockets) void ws.close();
      sockets.clear();
    },
    disconnectAll() {
      for (const ws of sockets) ws.send('41/widget,');
      sockets.clear();
    },
  };
  await page.route(`${PARTNER}/`, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: html }),
  );
  await page.route(`${API}/widget/happening.js`, async (route) =>
    route.fulfill({ status: 200, contentType: 'text/javascript', headers: cors, body: await bundle() }),
  );
  // The translations the element fetches for a page in German, French or Spanish.
  await page.route(`${API}/widget/locales/*.json`, async (route) => {
    const file = new URL(route.request().url()).pathname.replace('/widget/', '../dist/');
    const body = await readFile(fileURLToPath(new URL(file, import.meta.url))).catch(() => null);
    if (!body) return route.fulfill({ status: 404, headers: cors, body: '' });
    return route.fulfill({ status: 200, contentType: 'application/json', headers: cors, body });
  });
  await page.route(`${API}/api/v1/**`, async (route) => {
    const request = route.request();
    if (request.method() === 'OPTIONS')
      return route.fulfill({ status: 204, headers: { ...cors, 'access-control-allow-methods': '*' } });
    const path = new URL(request.url()).pathname.replace('/api/v1', '');
    fake.calls.push(`${request.method()} ${path}`);
    for (const [pattern, handler] of fake.rest) {
      const [method, regex] = pattern.split(' ') as [string, string];
      const match = path.match(new RegExp(`^${regex}$`));
      if (method !== request.method() || !match) continue;
      const answer = handler(request, match);
      if (!answer) continue;
      return route.fulfill({
        status: answer.status,
        headers: cors,
        contentType: 'application/json',
        body: answer.body === undefined ? '' : JSON.stringify(answer.body),
      });
    }
    return route.fulfill({
      status: 404,
      headers: cors,
      contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'NOT_FOUND', message: `no fake for ${path}` } }),
    });
  });
  await page.routeWebSocket(/ws:\/\/api\.test\/socket\.io\//, (ws) => {
    ws.send('0{"sid":"fake","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}');
    ws.onMessage((message) => {
      const text = String(message);
      if (text === '3') return;
      if (text.startsWith('40/widget,')) {
        if (fake.refuseWith) return ws.send(`44/widget,${JSON.stringify({ message: fake.refuseWith })}`);
        sockets.add(ws);
        return ws.send('40/widget,{"sid":"fake-socket"}');
      }
      const event = text.match(/^42\/widget,(\d+)(.*)$/s);
      if (!event) return;
      const [name, payload] = JSON.parse(event[2]!) as [string, unknown];
      fake.emits.push({ event: name, payload });
      const handler = fake.socket.get(name);
      const answer = handler
        ? handler(payload)
        : { ok: false, error: { code: 'NOT_FOUND', message: 'no fake' } };
      ws.send(`43/widget,${event[1]}${JSON.stringify([answer])}`);
    });
    ws.onClose(() => sockets.delete(ws));
  });
  return fake;
}

export function pickerPage(attributes: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Partner</title>
<script type="module" src="${API}/widget/happening.js"></script></head>
<body><main><h1>Partner page</h1>
<happening-seat-picker server="${API}" publishable-key="pk_test" ${attributes}></happening-seat-picker>
</main></body></html>`;
}
