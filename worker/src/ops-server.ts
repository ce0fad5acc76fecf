/**
 * A small HTTP listener for operators and orchestrators: `/healthz` (the process is up),
 * `/readyz` (503 naming each dependency that is down) and `/metrics` (Prometheus). Plain
 * `node:http`: three read-only routes do not need a framework in the worker.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WorkerMetrics } from './metrics.js';

export type Readiness = Record<string, boolean>;

export interface OpsServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startOpsServer(options: {
  host: string;
  port: number;
  metrics: WorkerMetrics;
  readiness: () => Promise<Readiness>;
}): Promise<OpsServer> {
  const { metrics, readiness } = options;
  const server: Server = createServer((request, response) => {
    const send = (status: number, body: string, type = 'application/json') => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    };
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      send(405, JSON.stringify({ error: { code: 'METHOD_NOT_ALLOWED', message: 'Only GET' } }));
      return;
    }
    if (path === '/healthz') {
      send(200, JSON.stringify({ status: 'ok' }));
    } else if (path === '/readyz') {
      readiness().then(
        (checks) => {
          const down = Object.keys(checks).filter((name) => !checks[name]);
          send(
            down.length === 0 ? 200 : 503,
            JSON.stringify({ status: down.length ? 'unavailable' : 'ok', down }),
          );
        },
        () => send(503, JSON.stringify({ status: 'unavailable', down: ['worker'] })),
      );
    } else if (path === '/metrics') {
      metrics.registry.metrics().then(
        (text) => send(200, text, metrics.registry.contentType),
        () => send(500, JSON.stringify({ error: { code: 'INTERNAL', message: 'metrics unavailable' } })),
      );
    } else {
      send(404, JSON.stringify({ error: { code: 'NOT_FOUND', message: 'No such route' } }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
