/**
 * A slow link to a real service: a TCP proxy on a free port that forwards what the client sends at
 * once and holds what the service answers for a fixed delay, in order. A test that must see what
 * a client does while replies are in flight (a relay claiming its next batch while the broker's
 * confirms for the last one have not arrived) gets that window every time, however fast or loaded
 * the machine is, instead of hoping the service is slow enough.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface SlowLink {
  /** The proxy's port on 127.0.0.1. */
  port: number;
  close(): Promise<void>;
}

export async function startSlowLink(
  target: { host: string; port: number },
  replyDelayMs: number,
): Promise<SlowLink> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection(target);
    sockets.add(client).add(upstream);
    client.pipe(upstream);
    // Timers of one duration fire in the order they were set, so the replies keep their order.
    upstream.on('data', (chunk: Buffer) => {
      setTimeout(() => {
        if (!client.destroyed) client.write(chunk);
      }, replyDelayMs);
    });
    upstream.on('end', () => setTimeout(() => client.end(), replyDelayMs));
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', () => setTimeout(drop, replyDelayMs));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
