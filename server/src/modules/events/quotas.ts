import type pg from 'pg';
import { AppError } from '../../lib/errors.js';

export interface EventQuotas {
  maxEvents: number;
  maxSeats: number;
  /** An event stops counting this long after its start (EVENT_OVER_AFTER_HOURS). */
  overAfterHours: number;
}

/** What one event takes from its organization's quotas. */
interface Usage {
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
  client: pg.PoolClient,
  quotas: EventQuotas,
  orgId: string,
  change: { create: Usage } | { eventId: string; startsAt?: string; capacity?: number },
): Promise<void> {
  await client.query('SELECT 1 FROM organizations WHERE id = $1 FOR UPDATE', [orgId]);
  let next: Usage;
  let previous: (Usage & { eventId: string }) | null = null;
  if ('create' in change) {
    next = change.create;
  } else {
    // Read under the organization's lock: a concurrent edit of the same event has finished.
    const { rows } = await client.query<{ startsAt: Date; capacity: number }>(
      'SELECT starts_at AS "startsAt", capacity FROM events WHERE id = $1',
      [change.eventId],
    );
    if (!rows[0]) return;
    previous = { eventId: change.eventId, ...rows[0] };
    next = { startsAt: change.startsAt ?? rows[0].startsAt, capacity: change.capacity ?? rows[0].capacity };
  }
  const { rows } = await client.query<{
    events: number;
    seats: string;
    nextCounts: boolean;
    previousCounts: boolean;
  }>(
    `SELECT count(*)::int AS events, coalesce(sum(capacity), 0)::bigint AS seats,
            $3::timestamptz > now() - make_interval(hours => $2) AS "nextCounts",
            coalesce($4::timestamptz > now() - make_interval(hours => $2), false) AS "previousCounts"
     FROM events
     WHERE org_id = $1 AND status <> 'cancelled' AND starts_at > now() - make_interval(hours => $2)
       AND ($5::uuid IS NULL OR id <> $5)`,
    [orgId, quotas.overAfterHours, next.startsAt, previous?.startsAt ?? null, previous?.eventId ?? null],
  );
  const others = rows[0]!;
  const otherSeats = Number(others.seats);
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
