import type { Event } from '@happening/shared';
import type { Inventory } from '../../inventory/inventory.js';
import { availabilitySnapshot } from './availability.js';

export type Snapshot = Awaited<ReturnType<typeof availabilitySnapshot>>;

const MAX_CACHED_EVENTS = 1_000;
const MAX_KNOWN_EVENTS = 50_000;

/**
 * Availability snapshots per event version, so a thousand `join`s in a second cost one snapshot
 * script (the whole seat hash) instead of a thousand.
 *
 * How a server knows the version without asking Redis: every change of every event reaches it on
 * the inventory channel with its version (the fan-out passes them on: `versionSeen`), and so does
 * every script result of its own (`Inventory.onVersion`), so a server reads its own writes. A
 * cached snapshot is served while no newer version is known, and for at most `maxAgeMs` (a
 * rebuild on another server publishes nothing; a subscription can drop messages).
 *
 * Why a snapshot served that way is never worse than a fresh one for a widget: the widget joins
 * its room before it asks, and the fan-out sends a change to the room only after `versionSeen`
 * heard it. So every change the joiner did not receive in the room is at most the version known
 * when it asked, which the snapshot it gets already contains; later changes reach it live. The
 * same reasoning lets a join share a snapshot still being read, if no newer version was heard
 * since that read began.
 */
export class AvailabilityCache {
  /** The newest version this server has heard of, per event. */
  private readonly known = new Map<string, number>();
  private readonly cached = new Map<string, { snapshot: Snapshot; readAt: number }>();
  private readonly reading = new Map<string, { known: number; snapshot: Promise<Snapshot> }>();
  /** Only while the fan-out's subscription is live is `known` complete enough to trust. */
  private following = false;
  /** Bumped whenever `known` is forgotten: a read begun before must not be cached after. */
  private generation = 0;

  constructor(
    private readonly inventory: Inventory,
    private readonly maxAgeMs: number,
  ) {}

  /** Every version this server learns of (the inventory channel, its own script results). */
  versionSeen(eventId: string, version: number): void {
    if (!Number.isFinite(version) || version <= (this.known.get(eventId) ?? -1)) return;
    if (this.known.size >= MAX_KNOWN_EVENTS) this.forget();
    this.known.set(eventId, version);
    const hit = this.cached.get(eventId);
    if (hit && hit.snapshot.version < version) this.cached.delete(eventId);
  }

  /** Whether the changes are being heard; while not, every request reads Redis. */
  follow(live: boolean): void {
    if (live === this.following) return;
    this.following = live;
    // What was cached or read before a gap in the subscription may miss changes of the gap.
    this.forget();
  }

  async get(event: Event): Promise<Snapshot> {
    if (!this.following || this.maxAgeMs === 0) return availabilitySnapshot(this.inventory, event);
    const known = this.known.get(event.id) ?? -1;
    const hit = this.cached.get(event.id);
    if (hit && hit.snapshot.version >= known && Date.now() - hit.readAt < this.maxAgeMs) {
      return hit.snapshot;
    }
    const inFlight = this.reading.get(event.id);
    if (inFlight && inFlight.known === known) return inFlight.snapshot;

    const readAt = Date.now();
    const generation = this.generation;
    const snapshot = availabilitySnapshot(this.inventory, event);
    const entry = { known, snapshot };
    this.reading.set(event.id, entry);
    try {
      const result = await snapshot;
      // Cached only if nothing newer was heard while it was read.
      if (
        this.following &&
        generation === this.generation &&
        result.version >= (this.known.get(event.id) ?? -1)
      ) {
        this.cached.delete(event.id);
        if (this.cached.size >= MAX_CACHED_EVENTS) {
          const oldest = this.cached.keys().next().value;
          if (oldest !== undefined) this.cached.delete(oldest);
        }
        this.cached.set(event.id, { snapshot: result, readAt });
      }
      return result;
    } finally {
      if (this.reading.get(event.id) === entry) this.reading.delete(event.id);
    }
  }

  private forget(): void {
    this.generation += 1;
    this.known.clear();
    this.cached.clear();
    this.reading.clear();
  }
}
