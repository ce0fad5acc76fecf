/**
 * The fan-out baseline: a bare Socket.IO server that does nothing but `io.emit`, in its own
 * process, to the same clients. No Redis, no rooms. `replay` sends exactly the messages our server
 * sent in its burst (coalesced, same payloads, same count), so both deliver the same messages.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { serveParent } from '../lib/child.js';
import { nowMs } from '../lib/stats.js';

const http = createServer();
const io = new Server(http, { serveClient: false });

serveParent({
  async start() {
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, pid: process.pid };
  },
  /**
   * The given 'seats' messages back to back (yielding between emits so writes flush); returns when
   * each was emitted, for every version it covers.
   */
  async replay({ messages }: { messages: { version: number; fromVersion: number; changes: unknown[] }[] }) {
    const issued: Record<string, number> = {};
    for (const message of messages) {
      const at = nowMs();
      for (let v = message.fromVersion + 1; v <= message.version; v++) issued[v] = at;
      io.emit('seats', message);
      await new Promise((resolve) => setImmediate(resolve));
    }
    return issued;
  },
  async close() {
    io.close();
  },
});
