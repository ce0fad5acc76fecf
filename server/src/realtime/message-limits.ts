import type { Ack } from '@happening/shared';
import type { RateCounter } from '../lib/rate-counter.js';

/**
 * A token bucket: `capacity` messages at once, refilled at `perMinute`. In-process and O(1) with
 * no timer, so it can sit in front of every message of every socket (a library limiter keyed by
 * socket id would keep a map entry and a timer per socket for the same two numbers).
 */
export class TokenBucket {
  private tokens: number;
  private at = Date.now();
  private readonly perMs: number;

  constructor(
    private readonly capacity: number,
    perMinute: number,
  ) {
    this.tokens = capacity;
    this.perMs = perMinute / 60_000;
  }

  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.at) * this.perMs);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Seconds until the next token. */
  get retryAfterSeconds(): number {
    return Math.max(1, Math.ceil((1 - this.tokens) / this.perMs / 1_000));
  }
}

/** A bucket for a socket sending at most `perMinute`, in bursts of up to a quarter of it. */
export const socketBucket = (perMinute: number) =>
  new TokenBucket(Math.max(1, Math.floor(perMinute / 4)), perMinute);

interface Allowance {
  tokens: number;
  refusedUntil: number;
  leasing: Promise<boolean> | null;
}

/**
 * Messages per client address per minute, across every server process, without a Redis round
 * trip per message: this process takes the address's allowance from Redis in leases of `lease`
 * messages (one counter increment each, the Redis limit being `perMinute / lease` leases) and
 * spends them locally. An address can overshoot by at most one unspent lease per server, which is
 * why leases are small against the limit; an address over its limit is refused locally until
 * its window ends, so a flood from many sockets costs Redis nothing more either.
 */
export class AddressAllowances {
  private readonly allowances = new Map<string, Allowance>();

  constructor(
    private readonly count: RateCounter,
    private readonly lease: number,
  ) {}

  /** Leases per minute for `perMinute` messages, and the lease size that keeps overshoot small. */
  static leaseFor(perMinute: number): { lease: number; leasesPerMinute: number } {
    const lease = Math.max(1, Math.min(20, Math.floor(perMinute / 50)));
    return { lease, leasesPerMinute: Math.ceil(perMinute / lease) };
  }

  /** true, false, or (when a new lease is needed) a promise of either. */
  take(key: string): boolean | Promise<boolean> {
    let allowance = this.allowances.get(key);
    if (!allowance) {
      if (this.allowances.size >= 50_000) this.forgetIdle();
      allowance = { tokens: 0, refusedUntil: 0, leasing: null };
      this.allowances.set(key, allowance);
    }
    if (allowance.tokens > 0) {
      allowance.tokens -= 1;
      return true;
    }
    if (allowance.refusedUntil > Date.now()) return false;
    const current = allowance;
    // Sockets of one address asking at once share one lease request.
    current.leasing ??= this.count(`socket-msg:${key}`)
      .then((verdict) => {
        if (verdict.allowed) current.tokens += this.lease;
        else current.refusedUntil = Date.now() + verdict.retryAfterSeconds * 1_000;
        return verdict.allowed;
      })
      .finally(() => {
        current.leasing = null;
      });
    // Waiters beyond the lease's size ask again (a new lease, or the refusal).
    return current.leasing.then((allowed) => (allowed ? this.take(key) : false));
  }

  /** Seconds until `key` may send again (after a refusal). */
  retryAfterSeconds(key: string): number {
    const until = this.allowances.get(key)?.refusedUntil ?? 0;
    return Math.max(1, Math.ceil((until - Date.now()) / 1_000));
  }

  /** Unspent leases of addresses gone quiet are dropped; their Redis window ends on its own. */
  private forgetIdle(): void {
    const now = Date.now();
    for (const [key, allowance] of this.allowances) {
      if (!allowance.leasing && allowance.refusedUntil <= now) this.allowances.delete(key);
    }
  }
}

/** Refusals in a row after which a socket is taken for a flood and disconnected. */
export const FLOOD_REFUSALS = 10;

interface GuardedSocket {
  use(middleware: (packet: unknown[], next: (error?: Error) => void) => void): unknown;
  disconnect(close?: boolean): unknown;
}

/**
 * Every message of `socket` passes its own bucket, then (if given) its address's allowance. A
 * refused message is not handled: its ack answers RATE_LIMITED with `retryAfterSeconds`. A socket
 * that keeps sending through FLOOD_REFUSALS refusals in a row is disconnected (`onFlood` first).
 */
export function limitMessages(
  socket: GuardedSocket,
  options: {
    bucket: TokenBucket;
    address?: { allowances: AddressAllowances; key: string };
    onFlood?: () => void;
  },
): void {
  // Refusals in a row, in the order messages came: an allowance granted late (after a Redis
  // lease) to an earlier message does not clear the refusals of later ones.
  let refusals = 0;
  let received = 0;
  let lastRefused = 0;
  let disconnected = false;
  const allow = (seq: number, next: () => void) => {
    if (seq > lastRefused) refusals = 0;
    next();
  };
  const refuse = (seq: number, packet: unknown[], retryAfterSeconds: number) => {
    lastRefused = seq;
    const ack = packet.at(-1);
    if (typeof ack === 'function') {
      const answer: Ack<never> = {
        ok: false,
        error: { code: 'RATE_LIMITED', message: 'Too many messages; slow down', retryAfterSeconds },
      };
      (ack as (answer: unknown) => void)(answer);
    }
    refusals += 1;
    if (refusals >= FLOOD_REFUSALS && !disconnected) {
      disconnected = true;
      options.onFlood?.();
      // The refusals' acks are already queued: the client reads them before the disconnect.
      socket.disconnect(true);
    }
  };
  socket.use((packet, next) => {
    const seq = ++received;
    if (!options.bucket.take()) return refuse(seq, packet, options.bucket.retryAfterSeconds);
    const address = options.address;
    if (!address) return allow(seq, next);
    const verdict = address.allowances.take(address.key);
    const decide = (allowed: boolean) => {
      if (!allowed) return refuse(seq, packet, address.allowances.retryAfterSeconds(address.key));
      allow(seq, next);
    };
    if (typeof verdict === 'boolean') decide(verdict);
    else void verdict.then(decide, () => decide(true));
  });
}

interface CountedSocket {
  once(event: 'disconnect', listener: () => void): unknown;
  conn: { once(event: 'close', listener: () => void): unknown };
}

/**
 * Open sockets per limit key on this process. Counted when admitted (in the handshake, so a burst
 * of handshakes cannot all pass the check before any is counted) and released once, on the
 * namespace's disconnect or the connection's close, whichever comes first (a client that leaves
 * during the handshake never disconnects from the namespace).
 */
export class OpenSockets {
  private readonly open = new Map<string, number>();

  constructor(private readonly max: number) {}

  admit(key: string, socket: CountedSocket): boolean {
    const count = this.open.get(key) ?? 0;
    if (count >= this.max) return false;
    this.open.set(key, count + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const left = (this.open.get(key) ?? 1) - 1;
      if (left > 0) this.open.set(key, left);
      else this.open.delete(key);
    };
    socket.once('disconnect', release);
    socket.conn.once('close', release);
    return true;
  }
}
