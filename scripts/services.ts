import { execFileSync, spawnSync } from 'node:child_process';
import { connect } from 'node:net';

export interface Service {
  name: string;
  url: string;
  defaultPort: number;
  /** How to start it from Debian's packages when there is no Docker engine. */
  startCommand: string;
  composeService: string;
}

export function portOf(url: string, fallback: number): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname || '127.0.0.1', port: parsed.port ? Number(parsed.port) : fallback };
}

export function reachable(url: string, fallback: number, timeoutMs = 1_500): Promise<boolean> {
  const { host, port } = portOf(url, fallback);
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export function dockerEngineAvailable(): boolean {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 5_000 });
    return spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0;
  } catch {
    return false;
  }
}

export async function waitUntilReachable(service: Service, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await reachable(service.url, service.defaultPort)) return true;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  return false;
}
