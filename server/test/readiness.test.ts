import { closedPort } from '@happening/testing';
import { buildTestApp } from '@happening/testing/server';
import { describe, expect, it } from 'vitest';

describe('health and readiness', () => {
  it('is ready when Redis, PostgreSQL and RabbitMQ answer', async () => {
    const app = await buildTestApp();
    try {
      // RabbitMQ connects in the background; give it a moment on a cold broker.
      let response = await app.ops.inject({ url: '/readyz' });
      for (let i = 0; i < 50 && response.statusCode !== 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        response = await app.ops.inject({ url: '/readyz' });
      }
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ status: 'ready', down: [] });
      expect((await app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready' });
      expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
      expect((await app.ops.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    } finally {
      await app.close();
    }
  });

  it('answers 503 naming Redis when REDIS_URL points at a closed port, and stays alive', async () => {
    const app = await buildTestApp({ REDIS_URL: `redis://127.0.0.1:${await closedPort()}` });
    try {
      const response = await app.ops.inject({ url: '/readyz' });
      expect(response.statusCode).toBe(503);
      expect(response.json().down).toContain('redis');
      expect(response.json().down).not.toContain('postgres');
      // The public answer says only that it is not ready: which dependency, and why, is not public.
      const open = await app.inject({ url: '/readyz' });
      expect(open.statusCode).toBe(503);
      expect(open.json()).toEqual({ status: 'not ready' });
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
      const response = await app.ops.inject({ url: '/readyz' });
      expect(response.statusCode).toBe(503);
      expect(response.json().down.sort()).toEqual(['postgres', 'rabbitmq']);
    } finally {
      await app.close();
    }
  });

  it('serves Prometheus metrics on the ops port only, and the OpenAPI document', async () => {
    const app = await buildTestApp();
    try {
      await app.inject({ url: '/healthz' });
      const metrics = await app.ops.inject({ url: '/metrics' });
      expect(metrics.statusCode).toBe(200);
      expect(metrics.body).toContain('happening_http_request_duration_seconds_bucket');
      const open = await app.inject({ url: '/metrics' });
      expect(open.statusCode).toBe(404);
      expect(open.body).not.toContain('happening_');
      const openapi = await app.inject({ url: '/docs/json' });
      expect(openapi.json().paths).toHaveProperty('/api/v1/auth/signup');
    } finally {
      await app.close();
    }
  });

  it('listens for operators on OPS_HOST:OPS_PORT, apart from the public port', async () => {
    const app = await buildTestApp();
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const publicUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
      const opsUrl = await app.ops.listen({ port: 0, host: '127.0.0.1' });
      expect(opsUrl).not.toBe(publicUrl);
      expect((await fetch(`${publicUrl}/metrics`)).status).toBe(404);
      expect(await (await fetch(`${opsUrl}/metrics`)).text()).toContain('happening_');
      // The ops listener serves nothing else: no API, no documents.
      expect((await fetch(`${opsUrl}/api/v1/auth/me`)).status).toBe(404);
    } finally {
      await app.close();
    }
  });
});
