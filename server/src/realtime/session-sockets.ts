import { CONSOLE_NAMESPACE, rooms } from '@happening/shared';
import type { FastifyInstance } from 'fastify';

/** Every /console socket opened with one session token, so a sign-out can drop exactly those. */
export const sessionRoom = (sessionId: string) => `session:${sessionId}`;

/**
 * Disconnects console sockets in `room` on every server: here at once (`local`), and on the other
 * servers through the Redis adapter's request. Their token no longer works, so they cannot
 * reconnect with it.
 */
function dropConsoleSockets(app: FastifyInstance, room: string): void {
  const consoles = app.io.of(CONSOLE_NAMESPACE);
  consoles.local.in(room).disconnectSockets(true);
  consoles.in(room).disconnectSockets(true);
}

export const dropSessionSockets = (app: FastifyInstance, sessionId: string) =>
  dropConsoleSockets(app, sessionRoom(sessionId));

export const dropUserSockets = (app: FastifyInstance, userId: string) =>
  dropConsoleSockets(app, rooms.user(userId));

/** setTimeout's longest delay (about 24.8 days); a later expiry re-arms on the way. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Calls `onExpired` at `expiresAt` (ms since the epoch), however far away. Returns a canceller. */
export function atExpiry(expiresAt: number, onExpired: () => void): () => void {
  let timer: NodeJS.Timeout;
  const arm = () => {
    const left = expiresAt - Date.now();
    if (left <= 0) return onExpired();
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}
