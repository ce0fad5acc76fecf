import type { Availability, CountsMessage, SeatStatus, SeatsMessage, SectionCounts } from '@happening/shared';

/** What happened to a live `seats` message. */
export type SeatsOutcome =
  | { kind: 'applied'; changed: string[] }
  /** Already covered by the snapshot we hold (e.g. it raced a refetch): nothing to do. */
  | { kind: 'stale' }
  /** Messages were missed between our version and this one: only a fresh snapshot is safe. */
  | { kind: 'gap' };

/**
 * The widget's copy of an event's availability. Only non-available seats are kept (as the server
 * sends them), and every live message is checked against the version it was computed from, so a
 * missed message is detected instead of silently leaving a seat in the wrong state.
 */
export class AvailabilityStore {
  version = -1;
  waitlistLength = 0;
  readonly sections = new Map<string, SectionCounts>();
  private readonly seats = new Map<string, SeatStatus>();
  private countsVersion = -1;

  statusOf(seatId: string): SeatStatus {
    return this.seats.get(seatId) ?? 'available';
  }

  /** Replaces everything with a snapshot; returns the seats whose status may have changed. */
  reset(snapshot: Availability): string[] {
    const changed = new Set(this.seats.keys());
    this.seats.clear();
    for (const [seatId, status] of Object.entries(snapshot.seats)) {
      if (status !== 'available') this.seats.set(seatId, status);
      changed.add(seatId);
    }
    this.version = snapshot.version;
    this.countsVersion = snapshot.version;
    this.waitlistLength = snapshot.waitlistLength;
    this.sections.clear();
    for (const section of snapshot.sections) this.sections.set(section.id, section);
    return [...changed];
  }

  applySeats(message: SeatsMessage): SeatsOutcome {
    if (message.version <= this.version) return { kind: 'stale' };
    // Overlapping messages are exact (each change is its seat's latest state); only a hole is a gap.
    if (message.fromVersion > this.version) return { kind: 'gap' };
    for (const change of message.changes) this.setStatus(change.seatId, change.status);
    this.version = message.version;
    return { kind: 'applied', changed: message.changes.map((change) => change.seatId) };
  }

  /** Counters may arrive out of order with seat messages; only a newer set replaces the old one. */
  applyCounts(message: CountsMessage): boolean {
    if (message.version < this.countsVersion) return false;
    this.countsVersion = message.version;
    this.waitlistLength = message.waitlistLength;
    for (const section of message.sections) this.sections.set(section.id, section);
    return true;
  }

  /** A local correction (e.g. a 409 told us a seat is taken) until the next message confirms it. */
  setStatus(seatId: string, status: SeatStatus): void {
    if (status === 'available') this.seats.delete(seatId);
    else this.seats.set(seatId, status);
  }

  /** Places left to sell across the event (or one section), from the latest counters. */
  available(sectionId?: string): number {
    let total = 0;
    for (const section of this.sections.values())
      if (!sectionId || section.id === sectionId) total += section.available;
    return total;
  }
}
