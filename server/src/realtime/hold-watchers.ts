/**
 * Which widget sockets of this server made (or re-attached) which holds, so each can be told when
 * its hold expires (`hold-expired`). Kept here rather than as a Socket.IO room per hold: every
 * server sees every expiry on the inventory channel and tells its own sockets, so the message
 * never needs the adapter, and with the sharded adapter every room is a Redis channel subscription
 * (an SSUBSCRIBE per hold, kept until the socket disconnected: a page that made a hundred holds
 * held a hundred subscriptions).
 */
import type { WidgetServerToClient } from '@happening/shared';

/** What a watcher needs to be: a widget socket, or anything that takes its `hold-expired`. */
export interface HoldWatcher {
  readonly id: string;
  emit(event: 'hold-expired', ...message: Parameters<WidgetServerToClient['hold-expired']>): unknown;
}

export class HoldWatchers {
  private readonly byToken = new Map<string, Map<string, HoldWatcher>>();

  watch(token: string, socket: HoldWatcher): void {
    let sockets = this.byToken.get(token);
    if (!sockets) {
      sockets = new Map<string, HoldWatcher>();
      this.byToken.set(token, sockets);
    }
    sockets.set(socket.id, socket);
  }

  unwatch(token: string, socket: HoldWatcher): void {
    const sockets = this.byToken.get(token);
    if (!sockets) return;
    sockets.delete(socket.id);
    if (sockets.size === 0) this.byToken.delete(token);
  }

  /** The sockets watching `token` on this server (none, usually one). */
  watchersOf(token: string): Iterable<HoldWatcher> {
    return this.byToken.get(token)?.values() ?? [];
  }
}
