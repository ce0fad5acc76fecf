/**
 * A Socket.IO client for load generators that reads only what it waits for. It speaks the real
 * protocol (Engine.IO 4 over WebSocket, one namespace, auth in the CONNECT packet, acks), so the
 * server does exactly the work a browser's client makes it do, including writing every broadcast
 * to this socket; but a broadcast is dropped by its first two bytes, never decoded.
 *
 * Why not socket.io-client: every client of the holds suite is joined to the event, so each of the
 * 200 receives every coalesced seat broadcast, and socket.io-client decodes them all. On the
 * benchmark's two shared cores that decoding cost about as much CPU as the server under test
 * (0.29 ms against the server's 0.33 ms per hold + release in one run), which is the load
 * generator's cost, not the product's.
 */
import WebSocket from 'ws';

/** Engine.IO packet types (first character) and Socket.IO packet types (second, after '4'). */
const OPEN = '0';
const PING = '2';
const PONG = '3';
const MESSAGE = 0x34; // '4'
const EVENT = 0x32; // '2'
const CONNECT = '0';
const DISCONNECT = '1';
const ACK = '3';
const CONNECT_ERROR = '4';

interface PendingAck {
  resolve: (payload: unknown) => void;
  reject: (error: Error) => void;
  sentAt: number;
}

export class WireSocket {
  private nextId = 0;
  private readonly acks = new Map<number, PendingAck>();
  private readonly sweeper: NodeJS.Timeout;

  private constructor(
    private readonly ws: WebSocket,
    private readonly namespace: string,
    ackTimeoutMs: number,
  ) {
    // One timer for every pending ack, instead of one per emit.
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const [id, pending] of this.acks)
        if (now - pending.sentAt > ackTimeoutMs) {
          this.acks.delete(id);
          pending.reject(new Error(`no ack within ${ackTimeoutMs} ms`));
        }
    }, 1_000);
    this.sweeper.unref();
    ws.on('close', () => this.failAll(new Error('socket closed')));
  }

  /**
   * Opens a WebSocket to `url` (http or https) and connects to `namespace` (e.g. `/widget`) with
   * `auth`; rejects with the server's message when the namespace refuses it.
   */
  static connect(url: string, namespace: string, auth: unknown, ackTimeoutMs = 30_000): Promise<WireSocket> {
    const endpoint = `${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
    const ws = new WebSocket(endpoint, { perMessageDeflate: false });
    const socket = new WireSocket(ws, namespace, ackTimeoutMs);
    return new Promise((resolve, reject) => {
      ws.once('error', reject);
      ws.on('message', (data: Buffer) => {
        // A broadcast ("42<namespace>,[…]"): dropped unread, the common case, first.
        if (data[0] === MESSAGE && data[1] === EVENT) return;
        const text = data.toString();
        if (text === PING) return ws.send(PONG);
        if (text[0] === OPEN) return ws.send(`4${CONNECT}${namespace},${JSON.stringify(auth)}`);
        if (text.charCodeAt(0) !== MESSAGE) return;
        const body = text.slice(2 + namespace.length + 1); // after "4<type><namespace>,"
        switch (text[1]) {
          case CONNECT:
            ws.off('error', reject);
            return resolve(socket);
          case CONNECT_ERROR:
            ws.close();
            return reject(new Error(`connect refused: ${body}`));
          case ACK:
            return socket.acknowledged(body);
          case DISCONNECT:
            ws.close();
            return;
        }
      });
    });
  }

  /** Emits `event` with `payload` and resolves with the server's acknowledgement. */
  emit<T>(event: string, payload: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.acks.set(id, { resolve: resolve as (payload: unknown) => void, reject, sentAt: Date.now() });
      this.ws.send(
        `4${String.fromCharCode(EVENT)}${this.namespace},${id}${JSON.stringify([event, payload])}`,
      );
    });
  }

  close(): void {
    clearInterval(this.sweeper);
    this.ws.close();
  }

  /** "<id>[payload]": the ack of emit number id. */
  private acknowledged(body: string): void {
    const bracket = body.indexOf('[');
    const id = Number(body.slice(0, bracket));
    const pending = this.acks.get(id);
    if (!pending) return;
    this.acks.delete(id);
    pending.resolve((JSON.parse(body.slice(bracket)) as unknown[])[0]);
  }

  private failAll(error: Error): void {
    clearInterval(this.sweeper);
    for (const pending of this.acks.values()) pending.reject(error);
    this.acks.clear();
  }
}
