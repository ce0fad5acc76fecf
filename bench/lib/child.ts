/**
 * Load generators and peers run in their own Node processes (so they do not share an event loop
 * with what they measure). A tiny request/answer protocol over the IPC channel drives them.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

interface Request {
  id: number;
  command: string;
  argument: unknown;
}
type Answer = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

export class ChildHandle {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly exited: Promise<number | null>;

  constructor(
    readonly name: string,
    readonly process: ChildProcess,
  ) {
    process.on('message', (message: Answer) => {
      const waiter = this.waiting.get(message.id);
      if (!waiter) return;
      this.waiting.delete(message.id);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(`${name}: ${message.error}`));
    });
    this.exited = new Promise((resolve) => {
      process.once('exit', (code) => {
        for (const waiter of this.waiting.values()) waiter.reject(new Error(`${name} exited (${code})`));
        this.waiting.clear();
        resolve(code);
      });
    });
  }

  call<T>(command: string, argument: unknown = null): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.process.send({ id, command, argument } satisfies Request);
    });
  }

  async close(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    this.process.disconnect();
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Starts `bench/<relativePath>` under tsx; resolves once it answered `ready`. */
export async function startChild(
  relativePath: string,
  options: { env?: Record<string, string>; execArgv?: string[]; name?: string } = {},
): Promise<ChildHandle> {
  const file = fileURLToPath(new URL(`../${relativePath}`, import.meta.url));
  const child = fork(file, [], {
    execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const handle = new ChildHandle(options.name ?? relativePath, child);
  await handle.call('ready');
  return handle;
}

/** The child's side: answers each command with its handler; exits when the parent disconnects. */
export function serveParent(handlers: Record<string, (argument: never) => unknown>): void {
  const all: Record<string, (argument: never) => unknown> = { ready: () => true, ...handlers };
  process.on('message', async (request: Request) => {
    const handler = all[request.command];
    try {
      if (!handler) throw new Error(`unknown command ${request.command}`);
      const result = await handler(request.argument as never);
      process.send?.({ id: request.id, ok: true, result: result ?? null } satisfies Answer);
    } catch (error) {
      process.send?.({
        id: request.id,
        ok: false,
        error: String((error as Error)?.stack ?? error),
      } satisfies Answer);
    }
  });
  process.on('disconnect', () => process.exit(0));
}
