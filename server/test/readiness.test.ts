import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { buildTestApp } from './helpers.js';

/** A port that nothing listens on: bind one, then close it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('health and readiness', () => {
  it('is ready when Redis, PostgreSQL and RabbitMQ answer', async () => {
    const app = await buildTestApp();
    try {
      // RabbitMQ connects in the background; give it a moment on a cold broker.
      let response = await app.inject({ url: '/readyz' });
      for (let i = 0; i < 50 && response.statusCode !== 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        response = await app.inject({ url: '/readyz' });
      }
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ status: 'ready', down: [] });
      expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    } finally {
      await app.close();
    }
  });

  it('answers 503 naming Redis when REDIS_URL points at a closed port, and stays alive', async () => {
    const app = await buildTestApp({ REDIS_URL: `redis://127.0.0.1:${await closedPort()}` });
    try {
      const response = await app.inject({ url: '/readyz' });
      expect(response.statusCode).toBe(503);
      expect(response.json().down).toContain('redis');
      expect(response.json().down).not.toContain('postgres');
      expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('names PostgreSQL and RabbitMQ when they are unreachable', async () => {
    const port = await closedPort();
    const app = await buildTestApp({
      DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/happening_test`,
      RABBITMQ_URL: `amqp://guest:guest@127.0.0.1:${port}`,
    });
    try {
      const response = await app.inject({ url: '/readyz' });
      expect(response.statusCode).toBe(503);
      expect(response.json().down.sort()).toEqual(['postgres', 'rabbitmq']);
    } finally {
      await app.close();
    }
  });

  it('serves Prometheus metrics and the OpenAPI document', async () => {
    const app = await buildTestApp();
    try {
      await app.inject({ url: '/healthz' });
      const metrics = await app.inject({ url: '/metrics' });
      expect(metrics.body).toContain('happening_http_request_duration_seconds_bucket');
      const openapi = await app.inject({ url: '/docs/json' });
      expect(openapi.json().paths).toHaveProperty('/api/v1/auth/signup');
    } finally {
      await app.close();
    }
  });
});
