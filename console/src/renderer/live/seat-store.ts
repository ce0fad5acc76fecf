/**
 * Live seat state of one event as the console sees it: a status byte per seat plus the details the
 * server sends for held and booked seats. Changes arrive as versioned messages; the store applies a
 * message that continues from (or overlaps) its own version and otherwise asks for a fresh
 * snapshot, buffering what arrives meanwhile. This is what keeps the map truthful across dropped
 * messages and reconnects.
 */
import type { ConsoleAvailability, ConsoleSeatChange, SeatStatus, SeatsMessage } from '@happening/shared';
import type { SeatLayout } from './layout.js';

export const STATUS_CODE: Record<SeatStatus, number> = { available: 0, held: 1, booked: 2, blocked: 3 };
export const STATUS_NAMES: SeatStatus[] = ['available', 'held', 'booked', 'blocked'];

export type ApplyResult = 'applied' | 'stale' | 'gap' | 'buffered' | 'other-event';

export interface SeatDetails {
  status: SeatStatus;
  /** Opaque id of the hold (never its token): the same on every seat of that hold. */
  holderId?: string;
  holdExpiresAt?: string;
  bookingId?: string;
  attendeeName?: string;
  reason?: string;
  /** The server did not say when the hold ends; this is when it started plus the event's hold time. */
  expiryEstimated?: boolean;
}

type StoredChange = ConsoleSeatChange & { expiryEstimated?: boolean };

export class SeatStore {
  readonly status: Uint8Array;
  readonly details = new Map<number, StoredChange>();
  version = -1;
  /** True between a detected gap (or start) and the snapshot that resolves it. */
  awaitingSnapshot = true;
  private buffered: SeatsMessage<ConsoleSeatChange>[] = [];
  private dirty: number[] = [];
  private allDirty = true;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly eventId: string,
    readonly layout: SeatLayout,
    /** Called when the store needs a fresh snapshot (start, gap). */
    private readonly requestSnapshot: () => void = () => {},
    /** The event's hold time, to estimate expiries the server does not send. */
    private readonly holdTtlSeconds?: number,
    private readonly now: () => number = Date.now,
  ) {
    this.status = new Uint8Array(layout.ids.length);
  }

  /** Replaces everything with a snapshot, then replays buffered messages that follow it. */
  loadSnapshot(snapshot: ConsoleAvailability): void {
    if (snapshot.eventId !== this.eventId) return;
    this.status.fill(0);
    this.details.clear();
    for (const [seatId, status] of Object.entries(snapshot.seats)) {
      const i = this.layout.index.get(seatId);
      if (i === undefined) continue;
      this.status[i] = STATUS_CODE[status];
      // The socket's snapshot names holders and bookings, so details survive a resync.
      const holder = snapshot.holders?.[seatId];
      if (holder) this.details.set(i, { seatId, status, ...holder });
    }
    this.version = snapshot.version;
    this.awaitingSnapshot = false;
    this.allDirty = true;
    const pending = this.buffered.sort((a, b) => a.fromVersion - b.fromVersion);
    this.buffered = [];
    // A gap inside the replay re-requests a snapshot; apply() then buffers the rest again.
    for (const message of pending) this.apply(message);
    this.emit();
  }

  apply(message: SeatsMessage<ConsoleSeatChange>): ApplyResult {
    if (message.eventId !== this.eventId) return 'other-event';
    if (this.awaitingSnapshot) {
      this.buffered.push(message);
      return 'buffered';
    }
    if (message.version <= this.version) return 'stale';
    // A message that starts before our version overlaps it: each change is its seat's latest state,
    // so applying it is still exact. Only a message that starts after our version leaves a hole.
    if (message.fromVersion > this.version) {
      this.awaitingSnapshot = true;
      this.buffered = [message];
      this.requestSnapshot();
      return 'gap';
    }
    for (const change of message.changes) {
      const i = this.layout.index.get(change.seatId);
      if (i === undefined) continue;
      this.status[i] = STATUS_CODE[change.status];
      if (change.status === 'available') this.details.delete(i);
      else if (change.status === 'held' && !change.holdExpiresAt && this.holdTtlSeconds) {
        const estimate = new Date(this.now() + this.holdTtlSeconds * 1000).toISOString();
        this.details.set(i, { ...change, holdExpiresAt: estimate, expiryEstimated: true });
      } else this.details.set(i, change);
      this.dirty.push(i);
    }
    this.version = message.version;
    this.emit();
    return 'applied';
  }

  /** After a reconnect the server may have moved on: start over from a snapshot. */
  resync(): void {
    this.awaitingSnapshot = true;
    this.requestSnapshot();
  }

  /** Seats changed since the last call, or 'all' after a snapshot. */
  takeDirty(): number[] | 'all' {
    if (this.allDirty) {
      this.allDirty = false;
      this.dirty = [];
      return 'all';
    }
    const dirty = this.dirty;
    this.dirty = [];
    return dirty;
  }

  markAllDirty(): void {
    this.allDirty = true;
    this.emit();
  }

  seatDetails(i: number): SeatDetails {
    const status = STATUS_NAMES[this.status[i] ?? 0]!;
    const change = this.details.get(i);
    if (!change || change.status !== status) return { status };
    const { seatId: _seatId, ...rest } = change;
    return rest;
  }

  /** Seats held under `holderId` now: how many seats one attendee (one hold) has. */
  seatsHeldBy(holderId: string): number {
    let seats = 0;
    for (const [i, change] of this.details) {
      if (change.holderId === holderId && this.status[i] === STATUS_CODE.held) seats++;
    }
    return seats;
  }

  counts(): Record<SeatStatus, number> {
    const counts = { available: 0, held: 0, booked: 0, blocked: 0 };
    for (const code of this.status) counts[STATUS_NAMES[code]!]++;
    return counts;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}
