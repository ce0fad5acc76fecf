import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { limitKeyOf } from '../../lib/client-address.js';
import { rateCounter, rateLimited } from '../../lib/rate-counter.js';

/**
 * Bookings made with a publishable key (`directBooking` events) and the waitlist joins among
 * them, counted per client address and per event over BOOKING_LIMIT_WINDOW_SECONDS in Redis, so
 * one script cannot sell an event out, or fill its line, with made-up attendees. Another event,
 * or another address, has its own count. Secret keys and organizers are never counted here.
 */
export function attendeeBookingLimits(app: FastifyInstance) {
  const windowMs = app.config.BOOKING_LIMIT_WINDOW_SECONDS * 1_000;
  const bookings = rateCounter(app, { max: app.config.DIRECT_BOOKING_LIMIT, windowMs });
  const joins = rateCounter(app, { max: app.config.WAITLIST_JOIN_LIMIT, windowMs });

  async function charge(
    counter: typeof bookings,
    key: string,
    reply: FastifyReply,
    message: string,
  ): Promise<void> {
    const verdict = await counter(key);
    if (verdict.allowed) return;
    reply.header('retry-after', String(verdict.retryAfterSeconds));
    throw rateLimited(message, verdict.retryAfterSeconds);
  }

  return {
    /** Every booking attempt that reaches the inventory counts, whatever its outcome. */
    booking: (request: FastifyRequest, reply: FastifyReply, eventId: string) =>
      charge(
        bookings,
        `attendee-booking:${eventId}:${limitKeyOf(request.ip)}`,
        reply,
        'Too many bookings for this event from your address; try again later',
      ),
    /** Asked only once nothing fits, just before the booking would join the line. */
    waitlistJoin: (request: FastifyRequest, reply: FastifyReply, eventId: string) =>
      charge(
        joins,
        `attendee-waitlist:${eventId}:${limitKeyOf(request.ip)}`,
        reply,
        'Too many waitlist entries for this event from your address; try again later',
      ),
  };
}
