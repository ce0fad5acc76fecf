import type pg from 'pg';
import { AppError } from '../../lib/errors.js';
import type { EventsRepository } from './repository.js';

export interface EventQuotas {
  maxEvents: number;
  maxSeats: number;
  /** An event stops counting this long after its start (EVENT_OVER_AFTER_HOURS). */
  overAfterHours: number;
}

/** What one event takes from its organization's quotas. */
export interface Usage {
  startsAt: string | Date;
  capacity: number;
}

/**
 * Refuses an event (a new one, or a draft's new start or seat map) that would take the
 * organization past MAX_EVENTS_PER_ORGANIZATION or MAX_SEATS_PER_ORGANIZATION. Counted: the
 * organization's events that are neither cancelled nor over, drafts included, and their capacity.
 *
 * Race-safe: the organization's row is locked until the caller's transaction ends, so concurrent
 * creations count one after the other and cannot both take the last place. Call it inside the
 * transaction that writes the event. An edit is refused only if it adds to what is counted, so an
 * organization above a lowered limit can still fix a typo.
 */
export async function assertRoomForEvent(
  events: EventsRepository,
  client: pg.PoolClient,
  quotas: EventQuotas,
  orgId: string,
  change: { create: Usage } | { eventId: string; startsAt?: string; capacity?: number },
): Promise<void> {
  await events.lockOrganizationForQuotas(orgId, client);
  let next: Usage;
  let previous: (Usage & { eventId: string }) | null = null;
  if ('create' in change) {
    next = change.create;
  } else {
    // Read under the organization's lock: a concurrent edit of the same event has finished.
    const usage = await events.usageOf(change.eventId, client);
    if (!usage) return;
    previous = { eventId: change.eventId, ...usage };
    next = { startsAt: change.startsAt ?? usage.startsAt, capacity: change.capacity ?? usage.capacity };
  }
  const others = await events.countedByQuotas(
    {
      orgId,
      overAfterHours: quotas.overAfterHours,
      nextStartsAt: next.startsAt,
      previousStartsAt: previous?.startsAt ?? null,
      exceptEventId: previous?.eventId ?? null,
    },
    client,
  );
  const otherSeats = others.seats;
  const eventsAfter = others.events + (others.nextCounts ? 1 : 0);
  const eventsBefore = others.events + (others.previousCounts ? 1 : 0);
  if (eventsAfter > eventsBefore && eventsAfter > quotas.maxEvents) {
    throw new AppError(
      409,
      'EVENT_LIMIT_REACHED',
      `This organization already has ${others.events} events that are neither cancelled nor over, the most it may have`,
      { limit: quotas.maxEvents },
    );
  }
  const seatsAfter = otherSeats + (others.nextCounts ? next.capacity : 0);
  const seatsBefore = otherSeats + (others.previousCounts && previous ? previous.capacity : 0);
  if (seatsAfter > seatsBefore && seatsAfter > quotas.maxSeats) {
    throw new AppError(
      409,
      'SEAT_LIMIT_REACHED',
      `This event's ${next.capacity} seats would take the organization past its ${quotas.maxSeats} seats in events that are neither cancelled nor over (${otherSeats} in the others)`,
      { limit: quotas.maxSeats, seatsInOtherEvents: otherSeats, seats: next.capacity },
    );
  }
}
