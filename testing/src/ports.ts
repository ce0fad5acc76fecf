import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A port that nothing listens on (bound once, then closed): a peer that is down. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Whether 127.0.0.1:`port` can be listened on right now. */
export function portFree(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** The first port the kernel hands out by itself (outgoing connections, listening on port 0). */
function firstEphemeralPort(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const port = Number(low);
    if (Number.isInteger(port) && port > 12_000) return port;
  } catch {
    // Not Linux: the IANA dynamic range starts here.
  }
  return 49_152;
}

const PORTS_FROM = 10_000;
const handedOut = new Set<number>();

/**
 * A free port for a service a test starts itself and that binds it seconds later (a RabbitMQ or
 * PostgreSQL node, a server process), with `alsoFree` offsets free as well (a Redis Cluster
 * node's bus port, +10000). Chosen below the kernel's ephemeral range: a port the kernel handed
 * out and took back (`closedPort`) is the kind it gives the next outgoing connection, and with a
 * whole suite connecting meanwhile one did take a drill node's port before the node bound it.
 * Here only another test helper picking at random could collide, and one that binds checks first.
 */
export async function servicePort(alsoFree: number[] = []): Promise<number> {
  const below = firstEphemeralPort() - Math.max(0, ...alsoFree);
  for (;;) {
    const port = PORTS_FROM + Math.floor(Math.random() * (below - PORTS_FROM));
    const all = [port, ...alsoFree.map((offset) => port + offset)];
    if (all.some((p) => handedOut.has(p))) continue;
    if ((await Promise.all(all.map(portFree))).every(Boolean)) {
      for (const p of all) handedOut.add(p);
      return port;
    }
  }
}
