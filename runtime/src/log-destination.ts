import { pino } from 'pino';

/** Log lines buffered while stdout is not being read, before newer ones are dropped. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

type Destination = ReturnType<typeof pino.destination>;
const destinations = new Set<Destination>();
let exiting = false;

// Registered before any destination exists, so it runs before pino's own flush at exit: what a
// stuck reader leaves in the buffer is dropped here, and pino then finds nothing to wait for.
process.once('exit', () => {
  exiting = true;
  for (const destination of destinations) {
    try {
      destination.flushSync();
    } catch {
      destination.destroy();
    }
  }
});

/**
 * Standard output for pino that never blocks the event loop. pino's default destination writes
 * synchronously and, when the pipe is full (its reader stopped reading), sleeps in `Atomics.wait`
 * and retries forever: the process can then not even run its SIGTERM handler. Here writes are
 * asynchronous, at most 4 MiB wait for a slow reader (then lines are dropped, not memory), and
 * the last flush at exit gives up on a pipe nobody reads instead of waiting for it.
 */
export function nonBlockingStdout(): Destination {
  const destination = pino.destination({
    dest: 1,
    sync: false,
    maxLength: MAX_BUFFERED_BYTES,
    retryEAGAIN: () => !exiting,
  });
  destinations.add(destination);
  destination.once('close', () => destinations.delete(destination));
  return destination;
}
