/**
 * Load generator for suite 1: `clients` attendees each holding one seat and releasing it again,
 * in a closed loop, through the widget's Socket.IO namespace or through REST. The sockets are
 * `WireSocket`s (the Socket.IO protocol, broadcasts left undecoded: see socket-io-wire.ts).
 */
import { serveParent } from '../lib/child.js';
import { JsonClient } from '../lib/http.js';
import { closedLoops } from '../lib/loop.js';
import { nowMs } from '../lib/stats.js';
import { WireSocket } from './socket-io-wire.js';

interface Setup {
  transport: 'socket' | 'rest';
  url: string;
  publishableKey: string;
  eventId: string;
  /** One seat per client; no two clients share one, so every hold can succeed. */
  seats: string[];
}

type Ack<T> = { ok: true; data: T } | { ok: false; error: { code: string; message?: string } };

let setup: Setup;
let http: JsonClient;
const sockets: WireSocket[] = [];

async function emit<T>(socket: WireSocket, event: string, payload: unknown): Promise<T> {
  const ack = await socket.emit<Ack<T>>(event, payload);
  if (!ack.ok) throw new Error(`${event}: ${ack.error.code} ${ack.error.message ?? ''}`);
  return ack.data;
}

async function connectSockets(): Promise<void> {
  for (let i = 0; i < setup.seats.length; i += 50) {
    await Promise.all(
      setup.seats.slice(i, i + 50).map(async () => {
        const socket = await WireSocket.connect(setup.url, '/widget', {
          publishableKey: setup.publishableKey,
        });
        await emit(socket, 'join', { eventId: setup.eventId });
        sockets.push(socket);
      }),
    );
  }
}

async function viaSocket(worker: number): Promise<number> {
  const socket = sockets[worker]!;
  const start = nowMs();
  const hold = await emit<{ holdToken: string }>(socket, 'hold', {
    eventId: setup.eventId,
    seatIds: [setup.seats[worker]!],
  });
  const micros = (nowMs() - start) * 1_000;
  await emit(socket, 'release', { holdToken: hold.holdToken, seatIds: [] });
  return micros;
}

async function viaRest(worker: number): Promise<number> {
  const start = nowMs();
  const hold = await http.request<{ holdToken: string }>(
    'POST',
    `/api/v1/events/${setup.eventId}/holds`,
    setup.publishableKey,
    { seats: [setup.seats[worker]!] },
  );
  if (hold.status !== 200) throw new Error(`hold: ${hold.status} ${JSON.stringify(hold.body)}`);
  const micros = (nowMs() - start) * 1_000;
  const released = await http.request('DELETE', `/api/v1/holds/${hold.body.holdToken}`, setup.publishableKey);
  if (released.status !== 204) throw new Error(`release: ${released.status}`);
  return micros;
}

serveParent({
  async setup(argument: Setup) {
    setup = argument;
    http = new JsonClient(setup.url, setup.seats.length);
    if (setup.transport === 'socket') await connectSockets();
  },
  run({ durationMs }: { durationMs: number }) {
    return closedLoops(setup.seats.length, durationMs, setup.transport === 'socket' ? viaSocket : viaRest);
  },
  async close() {
    for (const socket of sockets) socket.close();
    await http.close();
  },
});
