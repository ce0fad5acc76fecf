import type { Booking, Hold, QueueTicketState } from '@happening/shared';

/** Why a `happening-hold` was fired. `checkout`: the attendee is done; the host page takes over. */
export type HoldReason = 'select' | 'release' | 'extend' | 'checkout';

export interface HoldDetail {
  /** The attendee's whole hold after the change; `seats` and `general` may be empty after a release. */
  hold: Hold;
  reason: HoldReason;
}
export interface HoldExpiredDetail {
  holdToken: string;
  seatIds: string[];
}
export interface BookedDetail {
  booking: Booking;
  /** Lets the attendee cancel later (`POST /bookings/:id/cancel`); keep it with the order. */
  manageToken: string;
}
export interface WaitlistedDetail {
  bookingId: string;
  position: number;
  manageToken: string;
}
export interface ErrorDetail {
  /** A code from the API (`SEAT_UNAVAILABLE`, `ORIGIN_NOT_ALLOWED`, …) or `NETWORK_ERROR`. */
  code: string;
  message: string;
}

/** The attendee's ticket in the event's waiting line, after every change (joined, moved, admitted, …). */
export type QueueDetail = QueueTicketState;

export interface HappeningEventDetails {
  'happening-hold': HoldDetail;
  'happening-hold-expired': HoldExpiredDetail;
  'happening-booked': BookedDetail;
  'happening-waitlisted': WaitlistedDetail;
  'happening-error': ErrorDetail;
  'happening-queue': QueueDetail;
}
