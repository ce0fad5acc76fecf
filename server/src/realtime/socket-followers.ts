/**
 * Which of this server's sockets follow which key: a hold token (told when the hold expires), a
 * waiting-room ticket (told when its state changes). Kept here rather than as a Socket.IO room per
 * key: these messages only ever go to this server's own sockets (every server reads every expiry
 * on the inventory channel, and each server pushes the tickets followed on it), so they never need
 * the adapter, and with the sharded adapter every room is a Redis channel subscription: an
 * SSUBSCRIBE per hold or ticket, kept until the socket closed (a waiting room of 50,000 was 50,000
 * channels).
 */
import type { WidgetServerToClient } from '@happening/shared';

export interface Follower {
  readonly id: string;
}

/** A widget socket, as far as what it follows goes: it can be told. */
export interface WidgetFollower extends Follower {
  emit<E extends keyof WidgetServerToClient>(
    event: E,
    ...message: Parameters<WidgetServerToClient[E]>
  ): unknown;
}

export class SocketFollowers<Socket extends Follower> {
  private readonly byKey = new Map<string, Map<string, Socket>>();
  /** Each socket's keys, oldest first. */
  private readonly bySocket = new Map<string, Set<string>>();

  /** @param maxPerSocket a socket following more keys stops following its oldest. */
  constructor(private readonly maxPerSocket: number) {}

  follow(key: string, socket: Socket): void {
    let sockets = this.byKey.get(key);
    if (!sockets) {
      sockets = new Map<string, Socket>();
      this.byKey.set(key, sockets);
    }
    sockets.set(socket.id, socket);
    let keys = this.bySocket.get(socket.id);
    if (!keys) {
      keys = new Set<string>();
      this.bySocket.set(socket.id, keys);
    }
    keys.delete(key);
    keys.add(key);
    if (keys.size > this.maxPerSocket) {
      const oldest = keys.values().next().value;
      if (oldest !== undefined) this.unfollow(oldest, socket);
    }
  }

  unfollow(key: string, socket: Follower): void {
    const sockets = this.byKey.get(key);
    if (sockets) {
      sockets.delete(socket.id);
      if (sockets.size === 0) this.byKey.delete(key);
    }
    const keys = this.bySocket.get(socket.id);
    if (keys) {
      keys.delete(key);
      if (keys.size === 0) this.bySocket.delete(socket.id);
    }
  }

  /** What `socket` follows, oldest first. */
  keysOf(socket: Follower): string[] {
    return [...(this.bySocket.get(socket.id) ?? [])];
  }

  /** Everything `socket` followed (it disconnected). */
  forget(socket: Follower): void {
    for (const key of this.bySocket.get(socket.id) ?? []) this.unfollow(key, socket);
  }

  /** The sockets following `key` on this server (none, usually one). */
  followersOf(key: string): Iterable<Socket> {
    return this.byKey.get(key)?.values() ?? [];
  }

  /** Every key some socket of this server follows. */
  keys(): IterableIterator<string> {
    return this.byKey.keys();
  }
}
