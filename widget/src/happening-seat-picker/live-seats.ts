import type { Availability, CountsMessage, SeatsMessage } from '@happening/shared';
import type { AvailabilityStore } from './availability-store.js';

export interface LiveSeatsDeps {
  /** A fresh snapshot over REST, for when live messages were missed. */
  refetch(): Promise<Availability>;
  /** Repaints these seats (before the map is drawn there is nothing to do: its draw reads the store). */
  paint(ids: Set<string>): void;
  /** Counters changed: re-render what depends on them (standing places left, sold out). */
  countsChanged(): void;
}

/**
 * Keeps the availability store in step with the live messages and turns changes into repaints
 * (written together, however many changes one task brings), and a
 * version gap (a missed message) is healed with a fresh snapshot, with the messages that arrive
 * meanwhile replayed on top of it (those older than the snapshot are dropped by their version).
 */
export class LiveSeats {
  private readonly dirty = new Set<string>();
  private flushQueued = false;
  private resyncing: SeatsMessage[] | null = null;

  constructor(
    private readonly store: AvailabilityStore,
    private readonly deps: LiveSeatsDeps,
  ) {}

  snapshot(availability: Availability): void {
    this.schedulePaint(this.store.reset(availability));
    this.deps.countsChanged();
  }

  seats(message: SeatsMessage): void {
    if (this.resyncing) {
      this.resyncing.push(message);
      return;
    }
    const outcome = this.store.applySeats(message);
    if (outcome.kind === 'gap') void this.resync([message]);
    else if (outcome.kind === 'applied') this.schedulePaint(outcome.changed);
  }

  counts(message: CountsMessage): void {
    if (this.store.applyCounts(message)) this.deps.countsChanged();
  }

  /**
   * Changes are collected and written in one pass at the end of the current task (a microtask),
   * not in a later animation frame: the writes touch attributes only and read nothing back, so
   * they cannot force a layout, and the browser paints them in the very next frame. Waiting for
   * requestAnimationFrame would add up to a frame of latency to every live update.
   */
  schedulePaint(ids: Iterable<string>): void {
    for (const id of ids) this.dirty.add(id);
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      if (!this.flushQueued) return;
      this.flushQueued = false;
      this.deps.paint(this.dirty);
      this.dirty.clear();
    });
  }

  stop(): void {
    this.flushQueued = false;
    this.dirty.clear();
  }

  private async resync(buffered: SeatsMessage[]): Promise<void> {
    this.resyncing = buffered;
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        this.schedulePaint(this.store.reset(await this.deps.refetch()));
        let gap = false;
        for (const message of this.resyncing.splice(0)) {
          const outcome = this.store.applySeats(message);
          if (outcome.kind === 'applied') this.schedulePaint(outcome.changed);
          gap ||= outcome.kind === 'gap';
        }
        if (!gap) break;
      }
    } catch {
      // The next reconnect rejoins with a full snapshot.
    } finally {
      this.resyncing = null;
      this.deps.countsChanged();
    }
  }
}
