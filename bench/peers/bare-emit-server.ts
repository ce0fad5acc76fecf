/**
 * The fan-out baseline: a bare Socket.IO server that does nothing but `io.emit` one message per
 * seat change, in its own process, to the same clients. No Redis, no rooms, no coalescing.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { serveParent } from '../lib/child.js';
import { nowMs } from '../lib/stats.js';

const http = createServer();
const io = new Server(http, { serveClient: false });
let version = 0;

serveParent({
  async start() {
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, pid: process.pid };
  },
  /** `count` changes as fast as the event loop allows (yielding between emits so writes flush). */
  async burst({ count }: { count: number }) {
    const issued: Record<string, number> = {};
    for (let i = 0; i < count; i++) {
      version++;
      issued[version] = nowMs();
      io.emit('seats', {
        eventId: 'bare',
        version,
        fromVersion: version - 1,
        changes: [{ seatId: `main-R1-${(version % 50) + 1}`, status: 'held' }],
      });
      await new Promise((resolve) => setImmediate(resolve));
    }
    return issued;
  },
  async close() {
    io.close();
  },
});
