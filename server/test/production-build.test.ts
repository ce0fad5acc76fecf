import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { servicePort } from '@happening/testing';
import { testEnv } from '@happening/testing/env';
import { publishedEvent, rowsMap } from '@happening/testing/inventory';
import { bearer, buildTestApp, signup, type TestApp } from '@happening/testing/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** A port the server process binds seconds later: not one the kernel may hand out meanwhile. */
const freePort = () => servicePort();

function startCompiled(entry: string, env: Record<string, string>): ChildProcess {
  // Plain node, no tsx: a module that still resolved to TypeScript would fail to load.
  return spawn(process.execPath, ['--conditions=compiled', entry], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function answers(url: string, timeoutMs: number): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(url).catch(() => null);
    if (response?.ok) return response;
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 in time`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once('exit', () => resolve()));

describe('the production build (npm run build)', () => {
  let app: TestApp;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    await promisify(execFile)('npm', ['run', 'build:node'], { cwd: root });
    app = await buildTestApp();
  }, 120_000);

  afterAll(async () => {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map(exited));
    await app?.close();
  });

  it('runs the compiled server: its Lua scripts, migrations and pages come along', async () => {
    const port = await freePort();
    const server = startCompiled('server/dist/server.js', testEnv({ PORT: String(port) }));
    children.push(server);
    const base = `http://127.0.0.1:${port}`;
    const ready = (await (await answers(`${base}/readyz`, 30_000)).json()) as { status: string };
    expect(ready.status).toBe('ready');

    // An event made by the TypeScript app is held through the compiled one: same stores.
    const owner = await signup(app, 'compiled');
    const live = await publishedEvent(app, owner, rowsMap(1, 5));
    const hold = await fetch(`${base}/api/v1/events/${live.eventId}/holds`, {
      method: 'POST',
      headers: { ...bearer(live.publishableKey), 'content-type': 'application/json' },
      body: JSON.stringify({ seats: ['main-A-1'] }),
    });
    expect(hold.status).toBe(200);
    expect(((await hold.json()) as { seats: string[] }).seats).toEqual(['main-A-1']);
    const page = await fetch(`${base}/pages/assets/page.css`);
    expect(page.status).toBe(200);
  });

  it('runs the compiled worker', async () => {
    const port = await freePort();
    const worker = startCompiled(
      'worker/dist/worker.js',
      testEnv({ WORKER_HTTP_PORT: String(port), NOTIFICATIONS_QUEUE: 'production-build-test' }),
    );
    children.push(worker);
    const ready = (await (await answers(`http://127.0.0.1:${port}/readyz`, 30_000)).json()) as {
      status: string;
    };
    expect(ready.status).toBe('ok');
  });
});
