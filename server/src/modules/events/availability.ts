import type {
  Availability,
  Event,
  EventStats,
  SeatHolder,
  SeatStatus,
  SectionCounts,
} from '@happening/shared';
import type { Inventory } from '../../inventory/inventory.js';

const statusOf: Record<string, SeatStatus> = { h: 'held', b: 'booked', x: 'blocked' };

/** Section counters as clients see them, in seat-map order, from `<section>:<kind>` → count. */
export function sectionCounts(event: Event, counts: Record<string, number | string>): SectionCounts[] {
  return event.seatMap.sections.map((section) => {
    const get = (kind: string) => Number(counts[`${section.id}:${kind}`] ?? 0);
    const capacity = get('cap');
    const held = get('held');
    const booked = get('booked');
    const blocked = get('blocked');
    return {
      id: section.id,
      capacity,
      held,
      booked,
      blocked,
      available: Math.max(0, capacity - held - booked - blocked),
    };
  });
}

export type Holders = Record<string, SeatHolder>;

/**
 * A consistent snapshot: every status and counter at one version, read in one script. With
 * `holderIdOf` (the console's watch) it also says who holds or booked each taken seat; a held
 * seat is named by its holder id, never by its hold token, which is a credential.
 */
export async function availabilitySnapshot(
  inventory: Inventory,
  event: Event,
  options: { holderIdOf?: (holdToken: string) => string } = {},
): Promise<Availability & { holds: number; holders: Holders }> {
  const snapshot = await inventory.run(event.id, 'snapshot', {});
  const seats: Record<string, SeatStatus> = {};
  const holders: Holders = {};
  const { holderIdOf } = options;
  for (const [seat, state] of snapshot.state) {
    seats[seat] = statusOf[state[0]!] ?? 'held';
    if (!holderIdOf) continue;
    if (state.startsWith('h:')) holders[seat] = { holderId: holderIdOf(state.slice(2)) };
    else if (state.startsWith('b:')) holders[seat] = { bookingId: state.slice(2) };
  }
  return {
    eventId: event.id,
    version: snapshot.v,
    sections: sectionCounts(event, snapshot.counts),
    seats,
    waitlistLength: snapshot.waitlist,
    holds: snapshot.holds,
    holders,
  };
}

export function statsFrom(
  availability: Availability & { holds: number },
  bookings: { confirmed: number; cancelled: number },
): EventStats {
  const sum = (key: 'capacity' | 'available' | 'held' | 'booked' | 'blocked') =>
    availability.sections.reduce((total, section) => total + section[key], 0);
  return {
    eventId: availability.eventId,
    capacity: sum('capacity'),
    available: sum('available'),
    held: sum('held'),
    booked: sum('booked'),
    blocked: sum('blocked'),
    activeHolds: availability.holds,
    confirmedBookings: bookings.confirmed,
    cancelledBookings: bookings.cancelled,
    waitlistLength: availability.waitlistLength,
    version: availability.version,
  };
}
