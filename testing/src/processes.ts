/**
 * Servers and workers as real processes, the way `npm start` or a deployment runs them: each on
 * ports of its own, for the scale-out drills (several servers behind one Redis Cluster, killed
 * with SIGKILL mid-sale). Built on `spawnPart` from the notifications harness.
 */
import { testEnv } from './env.js';
import { type Child, spawnPart, waitFor, workerEnv } from './notifications.js';
import { servicePort } from './ports.js';

export interface ServerProcess extends Child {
  url: string;
}

/** Starts `server/src/server.ts` on a free port and resolves once its `/readyz` answers 200. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const port = await servicePort();
  const child = await spawnPart('server', 'src/server.ts', testEnv({ PORT: String(port), ...env }));
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  void child.exited.then(() => {
    exited = true;
  });
  // A server that never becomes ready is killed here: nobody else holds its handle.
  await waitFor(
    async () => {
      if (exited) throw new Error(`the server exited: ${child.output()}`);
      return (await fetch(`${url}/readyz`).catch(() => null))?.ok === true;
    },
    `a server process to be ready (${child.output()})`,
    90_000,
  ).catch((error: unknown) => {
    child.process.kill('SIGKILL');
    throw error;
  });
  return { ...child, url };
}

/** Starts `worker/src/worker.ts` on `queue`, delivering email to `smtpUrl`. */
export async function startWorkerProcess(
  queue: string,
  smtpUrl: string,
  env: Record<string, string> = {},
): Promise<Child> {
  return spawnPart('worker', 'src/worker.ts', workerEnv(queue, smtpUrl, env));
}

/** SIGKILLs what is still running and waits for each to be gone. */
export async function killAll(children: Child[]): Promise<void> {
  await Promise.all(
    children.map(async (child) => {
      if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
      await child.exited;
    }),
  );
}
