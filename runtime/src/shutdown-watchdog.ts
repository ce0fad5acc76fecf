import { Worker } from 'node:worker_threads';

/**
 * Bounds a graceful stop: once armed, the process is killed after `ms` whatever its main thread is
 * doing. A timer on the main thread cannot promise that (a blocked event loop never runs it); a
 * worker thread has an event loop of its own, and `process.kill` from it signals the whole process.
 */
export function armShutdownWatchdog(ms: number): void {
  const watchdog = new Worker(
    `setTimeout(() => process.kill(process.pid, 'SIGKILL'), ${Math.max(0, Math.floor(ms))});`,
    { eval: true },
  );
  // A stop that finishes in time exits normally; the watchdog must not keep the process alive.
  watchdog.unref();
}
