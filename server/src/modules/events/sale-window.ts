import { type Event, type SaleInfo, saleStateOf } from '@happening/shared';
import { AppError } from '../../lib/errors.js';

/** The sale's state now, beside the seats in the widget's `join` snapshot. */
export function saleInfoOf(event: Event, now = Date.now()): SaleInfo {
  return {
    saleState: saleStateOf(event, now),
    onSaleAt: event.onSaleAt,
    offSaleAt: event.offSaleAt,
    waitingRoom: event.waitingRoom.enabled,
  };
}

const reasons = {
  scheduled: 'The sale has not opened yet',
  paused: 'The sale is paused by the organizer',
  ended: 'The sale has ended',
} as const;

/**
 * Refuses a new hold or booking outside the sale window (before `onSaleAt`, after `offSaleAt`,
 * paused) with 409 NOT_ON_SALE and the times. Computed now, from an event read at most a few
 * seconds ago (the event cache), so a pause takes effect on every server within that.
 */
export function assertSaleOpen(event: Event, now = Date.now()): void {
  const saleState = saleStateOf(event, now);
  if (saleState === 'on_sale') return;
  throw new AppError(409, 'NOT_ON_SALE', reasons[saleState], {
    saleState,
    onSaleAt: event.onSaleAt,
    offSaleAt: event.offSaleAt,
  });
}

/** Whether the event's waiting room gates publishable-key holds and bookings now. */
export const waitingRoomActive = (event: Event, now = Date.now()) =>
  event.waitingRoom.enabled && saleStateOf(event, now) === 'on_sale';

/** A sale window that ends before it starts is the caller's mistake, not the database's (a 500). */
export function assertValidWindow(window: { onSaleAt: string | null; offSaleAt: string | null }): void {
  if (window.onSaleAt && window.offSaleAt && Date.parse(window.offSaleAt) <= Date.parse(window.onSaleAt)) {
    throw new AppError(400, 'VALIDATION_FAILED', 'offSaleAt must be after onSaleAt', {
      field: 'body.offSaleAt',
    });
  }
}
