import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';
import { normalizeIP } from '@fastify/rate-limit';

/** Whether the hop `hop` away (0 = the TCP peer), at `address`, is a proxy whose header we believe. */
export type ProxyTrust = (address: string, hop: number) => boolean;

const NOBODY: ProxyTrust = () => false;

/**
 * `TRUST_PROXY` as a trust function, the one Fastify (`trustProxy`) and the sockets both use:
 * null for empty (the TCP peer is the client, `X-Forwarded-For` is ignored), a hop count (the
 * nearest `n` hops are proxies, as proxy-addr reads a number), or proxy addresses, CIDRs and
 * proxy-addr's names (`loopback`, `linklocal`, `uniquelocal`).
 */
export function proxyTrustOf(setting: string): ProxyTrust | null {
  const value = setting.trim();
  if (value === '') return null;
  if (/^[0-9]+$/.test(value)) {
    const hops = Number(value);
    return (_address, hop) => hop < hops;
  }
  return proxyAddr.compile(value.split(',').map((entry) => entry.trim()));
}

/**
 * The client of a raw HTTP request under `trust`: the TCP peer, or the nearest address in
 * `X-Forwarded-For` that was not added by a trusted proxy. Exactly Fastify's `request.ip`.
 */
export function clientAddressOf(request: IncomingMessage, trust: ProxyTrust | null): string | undefined {
  try {
    return proxyAddr(request, trust ?? NOBODY) ?? undefined;
  } catch {
    return request.socket?.remoteAddress;
  }
}

/**
 * What every per-address limit and cap counts on. IPv4 clients by their address; IPv6 clients
 * by their /64, because one subscriber usually gets a whole /64 and could otherwise rotate
 * through it for a fresh counter on every request; IPv4-mapped IPv6 (`::ffff:1.2.3.4`) as the
 * IPv4 address it is. The rate-limit plugin's own normalisation, so REST routes, socket
 * messages and caps agree to the character.
 */
export function limitKeyOf(address: string | undefined): string {
  if (!address) return 'unknown';
  try {
    return normalizeIP(address, 64);
  } catch {
    return address.toLowerCase();
  }
}

const trustOfServer = new WeakMap<object, ProxyTrust | null>();
const addressOfRequest = new WeakMap<IncomingMessage, string>();

/** Tells `socketClientAddress` which proxies the Socket.IO server `io` sits behind (socketio plugin). */
export function trustProxiesFor(io: object, trust: ProxyTrust | null): void {
  trustOfServer.set(io, trust);
}

interface SocketLike {
  /** The request that opened the connection: the first polling request or the WebSocket upgrade. */
  request: IncomingMessage;
  handshake: { address: string };
  nsp: { server: object };
}

/**
 * The client's address as every limit and cap sees it. REST reads `request.ip`; sockets read
 * this, which applies the same `TRUST_PROXY` rule to the request that opened the connection, so
 * both transports (long-polling and WebSocket) name one attendee the same way. Computed once per
 * connection.
 */
export function socketClientAddress(socket: SocketLike): string {
  const request = socket.request;
  let address = addressOfRequest.get(request);
  if (address === undefined) {
    // The TCP peer as the engine saw it when the connection opened (a long-polling request's own
    // socket may be gone by now), with the headers of the request that opened it.
    const peer = socket.handshake.address;
    const opening = {
      headers: request.headers,
      socket: { remoteAddress: peer },
    } as unknown as IncomingMessage;
    address = clientAddressOf(opening, trustOfServer.get(socket.nsp.server) ?? null) ?? peer;
    addressOfRequest.set(request, address);
  }
  return address;
}

/** A socket's limit key: `limitKeyOf(socketClientAddress(socket))`. */
export function socketLimitKey(socket: SocketLike): string {
  return limitKeyOf(socketClientAddress(socket));
}
