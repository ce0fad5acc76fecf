/**
 * Load generator for suite 3: many Socket.IO clients in this process watching one event. Each
 * records when it received each version; the parent later sends the time each version was made,
 * and this process turns that into latencies (so no per-message traffic crosses processes).
 */
import { io, type Socket } from 'socket.io-client';
import { serveParent } from '../lib/child.js';
import { encodeHistogram, newHistogram, nowMs } from '../lib/stats.js';

interface Setup {
  /** Full namespace URL, e.g. http://127.0.0.1:1234/widget. */
  url: string;
  auth: Record<string, string>;
  /** Join this event (the product's widget); the bare baseline has no join. */
  eventId: string | null;
  clients: number;
}

interface SeatsMessage {
  version: number;
  fromVersion: number;
  changes: unknown[];
}

const sockets: Socket[] = [];
/** The 'seats' messages the first client received since the last reset, as sent. */
let recorded: SeatsMessage[] = [];
/** Sockets opened since the last close: the first one records. */
let opened = 0;
/** version → receive times, one per client that received it. */
let received = new Map<number, number[]>();
let messages = 0;

function connectOne(setup: Setup): Promise<Socket> {
  const socket = io(setup.url, {
    auth: setup.auth,
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: 60_000,
  });
  const first = opened++ === 0;
  socket.on('seats', (message: SeatsMessage) => {
    const at = nowMs();
    messages++;
    if (first) recorded.push(message);
    for (let v = message.fromVersion + 1; v <= message.version; v++) {
      const list = received.get(v);
      if (list) list.push(at);
      else received.set(v, [at]);
    }
  });
  return new Promise((resolve, reject) => {
    socket.once('connect_error', reject);
    socket.once('connect', () => {
      if (!setup.eventId) return resolve(socket);
      socket
        .timeout(60_000)
        .emit('join', { eventId: setup.eventId }, (error: Error | null, ack: { ok: boolean }) => {
          if (error || !ack.ok) reject(error ?? new Error(`join refused: ${JSON.stringify(ack)}`));
          else resolve(socket);
        });
    });
  });
}

serveParent({
  async connect(setup: Setup) {
    for (let i = 0; i < setup.clients; i += 100) {
      const batch = Math.min(100, setup.clients - i);
      sockets.push(...(await Promise.all(Array.from({ length: batch }, () => connectOne(setup)))));
    }
    return sockets.length;
  },
  reset() {
    received = new Map();
    messages = 0;
    recorded = [];
  },
  /** What the first client received since the reset: the bare peer replays exactly these. */
  recorded() {
    return recorded;
  },
  /** Which of `versions` every client here has (so the parent knows when a phase is delivered). */
  progress({ last }: { last: number }) {
    return received.get(last)?.length ?? 0;
  },
  collect({ issued }: { issued: Record<string, number> }) {
    const histogram = newHistogram();
    const lastPerVersion: Record<string, number> = {};
    const countPerVersion: Record<string, number> = {};
    let deliveries = 0;
    for (const [version, made] of Object.entries(issued)) {
      const times = received.get(Number(version)) ?? [];
      countPerVersion[version] = times.length;
      let last = 0;
      for (const at of times) {
        histogram.recordValue(Math.max(1, Math.round((at - made) * 1_000)));
        if (at > last) last = at;
        deliveries++;
      }
      lastPerVersion[version] = last;
    }
    return { histogram: encodeHistogram(histogram), lastPerVersion, countPerVersion, deliveries, messages };
  },
  close() {
    for (const socket of sockets) socket.disconnect();
    sockets.length = 0;
    opened = 0;
  },
});
