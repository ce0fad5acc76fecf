import type { Event, Hold, HoldBody } from '@happening/shared';
import type { HoldNotify, HoldView, Refusal } from '../../inventory/contract.js';
import type { Inventory } from '../../inventory/inventory.js';
import { AppError } from '../../lib/errors.js';
import { newToken } from '../../lib/keys.js';
import { scriptError } from '../bookings/service.js';
import { type AttendeeCap, capsOf } from './hold-guard.js';

/** Extensions a holder may ask for, and the longest a hold may live, in multiples of its TTL. */
export const MAX_EXTENSIONS = 2;
export const MAX_LIFETIME_TTLS = 3;

export function toHold(eventId: string, view: HoldView): Hold {
  return {
    holdToken: view.token,
    eventId,
    expiresAt: new Date(view.exp).toISOString(),
    seats: view.seats,
    general: view.general,
    extensionsLeft: Math.max(0, MAX_EXTENSIONS - view.ext),
    ...(view.externalId === undefined ? {} : { externalId: view.externalId }),
    ...(view.checkoutAt === undefined ? {} : { checkoutAt: new Date(view.checkoutAt).toISOString() }),
  };
}

/** The refusal of a hold or extension that would take its address past an allowance. */
function capReached({ cap, max, held }: Refusal<'HOLD_CAP_REACHED'>): AppError {
  const message =
    cap === 'holds'
      ? `One address may have at most ${max} open holds for this event; book or release one first`
      : `One address may hold at most ${max} places of this event at once; book or release some first`;
  return new AppError(409, 'HOLD_CAP_REACHED', message, {
    cap,
    max,
    ...(held === undefined ? {} : { held }),
  });
}

/**
 * Holds seats (all or nothing), used by REST and by the widget socket alike. `attendee` is set
 * for publishable-key callers: the hold is then charged to their address and may need proof of work.
 * `notify`: the hold events a new hold queues (its organization's subscriptions, hold-subscriptions.ts).
 */
export async function holdSeats(
  inventory: Inventory,
  event: Event,
  body: HoldBody,
  /**
   * `token`: the new hold's token, chosen by the caller (the waiting room binds it to an admission
   * first). `maxPlaces`: a tighter limit than the event's per booking (an admission's party size).
   */
  extra: {
    marker?: string;
    attendee?: AttendeeCap;
    notify?: HoldNotify | undefined;
    token?: string;
    maxPlaces?: number | undefined;
  } = {},
): Promise<Hold> {
  const seats = body.seats ?? [];
  const general = body.general ?? [];
  if (seats.length === 0 && general.length === 0 && !body.bestAvailable) {
    throw new AppError(400, 'VALIDATION_FAILED', 'Name seats, general-admission quantities or bestAvailable');
  }
  if (body.bestAvailable && seats.length > 0) {
    throw new AppError(400, 'VALIDATION_FAILED', 'Ask for named seats or best available, not both at once');
  }
  if (body.externalId !== undefined && body.holdToken !== undefined) {
    throw new AppError(
      400,
      'VALIDATION_FAILED',
      'externalId names a new hold; it is not changed by adding places',
      {
        field: 'body.externalId',
      },
    );
  }
  const result = await inventory.run(
    event.id,
    'hold',
    {
      // The event id leads the token, so calls that carry only the token find its event.
      token: body.holdToken ?? extra.token ?? newHoldToken(event.id),
      existing: body.holdToken !== undefined,
      seats,
      general,
      ...(body.bestAvailable ? { best: body.bestAvailable } : {}),
      max: Math.min(event.maxSeatsPerBooking, extra.maxPlaces ?? event.maxSeatsPerBooking),
      ttl: event.holdTtlSeconds * 1_000,
      ...(extra.marker ? { marker: extra.marker } : {}),
      ...(extra.attendee ? { cap: extra.attendee.script } : {}),
      ...(body.externalId === undefined ? {} : { externalId: body.externalId }),
      ...(extra.notify ? { notify: extra.notify } : {}),
    },
    extra.attendee?.proofKey,
  );
  if (!result.ok) {
    if (result.code === 'HOLD_CAP_REACHED') throw capReached(result);
    if (result.code === 'CHALLENGE_REQUIRED' && extra.attendee) {
      throw await extra.attendee.challenge(result.replayed ? 'replayed' : 'required');
    }
    throw scriptError(result);
  }
  return toHold(event.id, result.hold);
}

export const newHoldToken = (eventId: string) => `${eventId}.${newToken('hold')}`;

/** `capped`: a publishable-key caller, who may not keep places past its address's allowance. */
export async function extendHold(
  inventory: Inventory,
  event: Event,
  token: string,
  capped = false,
): Promise<Hold> {
  const result = await inventory.run(event.id, 'extend', {
    token,
    ttl: event.holdTtlSeconds * 1_000,
    maxExtensions: MAX_EXTENSIONS,
    maxLifetime: event.holdTtlSeconds * 1_000 * MAX_LIFETIME_TTLS,
    ...(capped ? { cap: capsOf(event) } : {}),
  });
  if (!result.ok) {
    if (result.code === 'HOLD_CAP_REACHED') throw capReached(result);
    throw scriptError(result);
  }
  return toHold(event.id, result.hold);
}

/**
 * The partner's checkout (secret key): once per hold, it lives at least `graceMs` from now, so the
 * payment taken meanwhile cannot race its expiry; never longer than that unless it had more left.
 */
export async function checkoutHold(
  inventory: Inventory,
  event: Event,
  token: string,
  graceMs: number,
): Promise<Hold> {
  const result = await inventory.run(event.id, 'checkout', { token, grace: graceMs });
  if (!result.ok) throw scriptError(result);
  return toHold(event.id, result.hold);
}
