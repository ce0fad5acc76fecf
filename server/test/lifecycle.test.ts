import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { servicePort } from '@happening/testing';
import { TEST_DATABASE_URL, testEnv } from '@happening/testing/env';
import { buildTestApp } from '@happening/testing/server';
import { Redis } from 'ioredis';
import pg from 'pg';
import { io as connectSocket } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const serverEntry = fileURLToPath(new URL('../src/server.ts', import.meta.url));
const serverDir = fileURLToPath(new URL('..', import.meta.url));

/** A port the server process binds seconds later: not one the kernel may hand out meanwhile. */
const freePort = () => servicePort();

function startServer(
  env: Record<string, string>,
  { readStdout = true }: { readStdout?: boolean } = {},
): {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
} {
  // node --import tsx: one process, so its pid is the one that names its connections.
  const child = spawn(process.execPath, ['--import', 'tsx', serverEntry], {
    cwd: serverDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  if (readStdout)
    child.stdout?.on('data', (chunk) => {
      output += chunk;
    });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exit };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('condition not met in time');
}

describe('configuration', () => {
  it('names the variable that is wrong', () => {
    expect(() => loadConfig(testEnv({ PORT: 'eighty' }))).toThrow(ConfigError);
    expect(() => loadConfig(testEnv({ PORT: 'eighty' }))).toThrow(/PORT/);
    expect(() => loadConfig(testEnv({ DATABASE_URL: 'mysql://localhost/x' }))).toThrow(/DATABASE_URL/);
    expect(() => loadConfig(testEnv({ TOKEN_SECRET: 'short' }))).toThrow(/TOKEN_SECRET/);
  });

  it('uses the documented defaults', () => {
    const config = loadConfig({ TOKEN_SECRET: 'x'.repeat(40) });
    expect(config).toMatchObject({
      PORT: 3000,
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/happening',
      REDIS_URL: 'redis://127.0.0.1:6379',
      RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:5672',
      NOTIFICATIONS_QUEUE: 'notifications',
    });
  });

  it('refuses to start on a bad value and says which variable', async () => {
    const server = startServer(testEnv({ PORT: '99999' }));
    expect(await server.exit).toBe(78);
    expect(server.output()).toMatch(/PORT/);
  });
});

describe('graceful shutdown', () => {
  it('closes every connection it opened when the app closes', async () => {
    const app = await buildTestApp();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const socket = connectSocket(`http://127.0.0.1:${port}`, { transports: ['websocket'] });
    await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
    await app.inject({ url: '/readyz' });
    const disconnected = new Promise<string>((resolve) =>
      socket.on('disconnect', (reason) => resolve(reason)),
    );

    await app.close();

    expect(await disconnected).toBe('io server disconnect');
    expect(app.pg.totalCount).toBe(0);
    expect(app.redis.status).toBe('end');
    expect(app.amqp.isConnected()).toBe(false);
    socket.close();
  });

  it('on SIGTERM finishes, releases its PostgreSQL and Redis connections and exits 0', async () => {
    const port = await freePort();
    const server = startServer(testEnv({ PORT: String(port), LOG_LEVEL: 'info' }));
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, 20_000);
    const pid = server.child.pid!;
    const postgres = new pg.Client({ connectionString: TEST_DATABASE_URL });
    const redis = new Redis(testEnv().REDIS_URL!);
    await postgres.connect();
    try {
      const pgConnections = async () =>
        (
          await postgres.query(
            'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
            [`happening-server-${pid}`],
          )
        ).rows[0].n as number;
      expect(await pgConnections()).toBeGreaterThan(0);

      server.child.kill('SIGTERM');
      expect(await server.exit).toBe(0);
      expect(server.output()).toContain('closing gracefully');
      await waitFor(async () => (await pgConnections()) === 0, 5_000);
      const clients = (await redis.client('LIST')) as string;
      expect(clients).not.toMatch(new RegExp(`name=happening-server-${pid}\\b`));
    } finally {
      await postgres.end();
      redis.disconnect();
      server.child.kill('SIGKILL');
    }
  });

  it('lets a request in flight finish when SIGTERM arrives', async () => {
    const port = await freePort();
    // A deliberately slow request: signup with an expensive password hash.
    const server = startServer(testEnv({ PORT: String(port), PASSWORD_HASH_COST: '17' }));
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 20_000);
      const pending = fetch(`http://127.0.0.1:${port}/api/v1/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          email: `inflight-${Date.now()}@example.test`,
          password: 'correct horse battery staple',
          name: 'In flight',
          organization: { name: 'In flight' },
        }),
      });
      await new Promise((resolve) => setTimeout(resolve, 60));
      server.child.kill('SIGTERM');
      const response = await pending;
      expect(response.status).toBe(201);
      expect(await server.exit).toBe(0);
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('stops on SIGTERM even when nobody reads its log output any more', async () => {
    const port = await freePort();
    // stdout is a pipe nobody reads: it fills after a few hundred log lines, as when the reader of
    // a server's output (a supervisor, a log shipper) hangs. Writing a log line must not block it.
    const server = startServer(testEnv({ PORT: String(port), LOG_LEVEL: 'info' }), { readStdout: false });
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 20_000);
      for (let i = 0; i < 1_500; i++) {
        const response = await fetch(`http://127.0.0.1:${port}/api/v1/no-such-route-${i}`);
        expect(response.status).toBe(404);
      }
      server.child.kill('SIGTERM');
      expect(await server.exit).toBe(0);
    } finally {
      server.child.kill('SIGKILL');
    }
  });
});
