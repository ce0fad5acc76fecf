import { EventEmitter } from 'node:events';
import type { Booking, Event } from '@happening/shared';
import type { BookingListener } from './service.js';

/** What live clients learn about bookings, by event name and arguments. */
export interface BookingNewsEvents {
  /**
   * A booking was made, changed status or was cancelled. `created`: made by this very request, so
   * nobody can be in its booking room yet (its id is in the answer that has not left).
   */
  bookingChanged: [event: Event, booking: Booking, created: boolean];
  /** Someone joined, left or moved up the event's waitlist: every position may have changed. */
  waitlistChanged: [eventId: string];
}

/**
 * The booking service tells this what happened (it is the service's `BookingListener`, given at
 * construction) and the realtime plugin subscribes to it. Both receive the same instance from the
 * composition root (`app.ts`), so the order plugins register in cannot decide whether live clients
 * hear about bookings, and nothing is assigned onto the service afterwards.
 */
export class BookingNews extends EventEmitter<BookingNewsEvents> implements BookingListener {
  bookingChanged(event: Event, booking: Booking, created = false): void {
    this.emit('bookingChanged', event, booking, created);
  }

  waitlistChanged(eventId: string): void {
    this.emit('waitlistChanged', eventId);
  }
}
