import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  BookingBody,
  BookingDetailsResponse,
  type BookingEvent,
  BookingHistoryResponse,
  BookingParams,
  BookingResponse,
  BookingStatus,
  type BookingStatusChange,
  BookingsResponse,
  CancelBookingBody,
  CreatedBookingResponse,
  EventParams,
  WaitlistResponse,
  withErrors,
} from '@happening/shared';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { AppError, notFound } from '../../lib/errors.js';
import type { Principal } from '../../plugins/auth.js';
import { eventForMember, eventOnSale } from '../events/access.js';
import { assertSaleOpen } from '../events/sale-window.js';
import { attendeeBookingLimits } from './attendee-limits.js';
import { withIdempotency } from './idempotency.js';
import { hashManageToken } from './manage-links.js';
import { type BookingRecord, publicBooking } from './repository.js';

const actorOf = (principal: Principal | null): string =>
  !principal ? 'attendee' : principal.kind === 'user' ? `user:${principal.userId}` : `${principal.kind}-key`;

const ManageQuery = Type.Object({ manageToken: Type.Optional(Type.String({ maxLength: 128 })) });
/** The same token in a header keeps it out of the URL, hence out of access logs (the booking page uses it). */
const ManageHeaders = Type.Object({ 'x-manage-token': Type.Optional(Type.String({ maxLength: 128 })) });
const ClaimBody = Type.Object(
  { manageToken: Type.String({ maxLength: 128 }) },
  { additionalProperties: false },
);
const ListQuery = Type.Object({
  status: Type.Optional(BookingStatus),
  q: Type.Optional(Type.String({ maxLength: 120 })),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  offset: Type.Integer({ minimum: 0, default: 0 }),
});

/** History actors name users and keys; the attendee's page only needs to know which side acted. */
function changedBy(actor: string): BookingStatusChange['by'] {
  if (actor === 'attendee' || actor === 'publishable-key') return 'attendee';
  if (actor.startsWith('user:') || actor === 'secret-key') return 'organizer';
  return 'system';
}

const bookingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['bookings'];
  const attendeeLimits = attendeeBookingLimits(app);

  /**
   * A booking, if the caller may see (viewer) or manage (organizer) it: a member of its
   * organization, its organization's secret key, or whoever holds its manage token (the attendee).
   */
  async function bookingFor(
    request: FastifyRequest,
    id: string,
    manageToken: string | undefined,
    minimum: 'viewer' | 'organizer' = 'organizer',
  ): Promise<BookingRecord> {
    const booking = await app.bookingsRepo.find(id);
    if (!booking) throw notFound('Booking');
    if (manageToken !== undefined) {
      if (hashManageToken(manageToken) !== booking.manageTokenHash) throw notFound('Booking');
      return booking;
    }
    const principal = request.principal;
    if (principal?.kind === 'publishable' || !principal) throw notFound('Booking');
    await app.requireRole(request, booking.orgId, minimum, 'Booking');
    return booking;
  }

  app.post(
    '/events/:id/bookings',
    {
      schema: {
        tags,
        summary: 'Book from a hold, or by quantity (best available, else the waitlist)',
        description:
          'With a secret key or an organizer session: any event on sale. With the publishable key: ' +
          'only events with `directBooking`, and per client address (see `TRUST_PROXY`) and per ' +
          'event at most `DIRECT_BOOKING_LIMIT` bookings and, of those, `WAITLIST_JOIN_LIMIT` ' +
          'waitlist joins per `BOOKING_LIMIT_WINDOW_SECONDS`; beyond that 429 `RATE_LIMITED` with ' +
          '`Retry-After` (nothing is booked, and an `Idempotency-Key` is released for a retry). ' +
          'Outside the sale window a booking by `quantity` is 409 `NOT_ON_SALE`; while the waiting ' +
          'room is active a publishable-key one needs `admissionToken` (403 `ADMISSION_REQUIRED`). ' +
          '201: confirmed; 202: on the waitlist.',
        params: EventParams,
        body: BookingBody,
        headers: Type.Object({
          'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
        }),
        response: withErrors({ 201: CreatedBookingResponse, 202: CreatedBookingResponse }),
      },
      preHandler: app.authenticate('secret', 'user', 'publishable'),
    },
    async (request, reply): Promise<void> => {
      const principal = request.principal!;
      const scope =
        principal.kind === 'user' ? `user:${principal.userId}` : `${principal.kind}:${principal.orgId}`;
      await withIdempotency(
        app.pg,
        scope,
        request.headers['idempotency-key'],
        { method: 'POST', url: request.url, body: request.body },
        reply,
        async () => {
          const event = await eventOnSale(app, request, request.params.id);
          if (principal.kind === 'publishable' && !event.directBooking) {
            throw new AppError(
              403,
              'DIRECT_BOOKING_DISABLED',
              "This event is booked through the partner's backend; hand the hold token to it",
            );
          }
          const { holdToken, quantity, section, attendee } = request.body;
          // A hold made while the sale was open may still be booked (a partner's payment was under
          // way when the organizer paused); new places are sold only inside the sale window.
          if (!holdToken) assertSaleOpen(event);
          if (!holdToken && !quantity) {
            throw new AppError(
              400,
              'VALIDATION_FAILED',
              'Send a holdToken, or a quantity for best available',
            );
          }
          // An attendee's own booking: counted per address and event (a partner backend is not).
          const attendeeBooking = principal.kind === 'publishable';
          if (attendeeBooking) await attendeeLimits.booking(request, reply, event.id);
          const actor = actorOf(principal);
          let result: { status: 201 | 202; booking: unknown; manageToken: string };
          if (holdToken) {
            result = await app.bookingService.bookFromHold(event, holdToken, attendee, actor);
          } else {
            const book = (placement: { waitlistSeq?: number } = {}) =>
              app.bookingService.bookByQuantity(
                event,
                quantity!,
                section,
                attendee,
                actor,
                attendeeBooking ? () => attendeeLimits.waitlistJoin(request, reply, event.id) : undefined,
                placement.waitlistSeq,
              );
            // While the waiting room is active an attendee books by quantity only under an
            // admission (or, sold out, a ticket's waitlist offer); a hold was gated when made.
            result = attendeeBooking
              ? await app.waitingRoom.admitBooking(event, request.body.admissionToken, quantity!, book)
              : await book();
          }
          return {
            status: result.status,
            body: { booking: result.booking, manageToken: result.manageToken },
          };
        },
      );
    },
  );

  app.get(
    '/bookings/:id',
    {
      schema: {
        tags,
        summary: 'A booking, its event and its latest status change',
        description:
          "For the attendee with the booking's manage token (in the `X-Manage-Token` header, which " +
          'keeps it out of URLs and access logs, or as `?manageToken=`), for members of its ' +
          "organization (viewer or above) and for its organization's secret key. A wrong token, a " +
          'publishable key and another organization all get 404. `statusChange` says which side last ' +
          'changed the status (attendee, organizer or system), why and when: what the booking page ' +
          'shows.',
        params: BookingParams,
        querystring: ManageQuery,
        headers: ManageHeaders,
        response: withErrors({ 200: BookingDetailsResponse }),
      },
      preHandler: app.identify,
    },
    async (request) => {
      const token = request.headers['x-manage-token'] ?? request.query.manageToken;
      const booking = await bookingFor(request, request.params.id, token, 'viewer');
      const [event, history] = await Promise.all([
        app.eventsRepo.find(booking.eventId),
        app.bookingsRepo.historyOf(booking.id),
      ]);
      if (!event) throw notFound('Booking');
      const summary: BookingEvent = {
        id: event.id,
        name: event.name,
        startsAt: event.startsAt,
        venue: event.venue,
        status: event.status,
        sections: event.seatMap.sections.map(({ id, label }) => ({ id, label })),
      };
      const last = history.at(-1);
      const statusChange: BookingStatusChange = last
        ? { status: last.status, by: changedBy(last.actor), reason: last.reason, at: last.at }
        : { status: booking.status, by: 'system', reason: null, at: booking.updatedAt };
      return { booking: publicBooking(booking), event: summary, statusChange };
    },
  );

  app.post(
    '/bookings/:id/cancel',
    {
      schema: {
        tags,
        summary: 'Cancel a booking, or leave the waitlist',
        description:
          'By the attendee with `manageToken` in the body, or without it by an organizer of its ' +
          "organization or its secret key. A confirmed booking's places go back on sale at once and the " +
          'waitlist moves up; a waitlisted or offered booking leaves the line. The attendee is sent ' +
          '`booking_cancelled` with the optional `reason`. 409 `BOOKING_NOT_CANCELLABLE` when the ' +
          'booking is already cancelled or expired.',
        params: BookingParams,
        body: CancelBookingBody,
        response: withErrors({ 200: BookingResponse }),
      },
      preHandler: app.identify,
    },
    async (request) => {
      const booking = await bookingFor(request, request.params.id, request.body.manageToken);
      const actor = request.body.manageToken ? 'attendee' : actorOf(request.principal);
      return { booking: await app.bookingService.cancel(booking.id, actor, request.body.reason ?? null) };
    },
  );

  app.post(
    '/bookings/:id/claim',
    {
      schema: {
        tags,
        summary: 'Claim a waitlist offer: the offered places become a confirmed booking',
        description:
          'For events with `waitlistMode: offer`: the attendee (body `{manageToken}`) takes the places ' +
          'held for them within `offerWindowSeconds`. 409 `OFFER_NOT_CLAIMABLE` when the booking is not ' +
          'offered, or its offer expired or moved on.',
        params: BookingParams,
        body: ClaimBody,
        response: withErrors({ 200: BookingResponse }),
      },
      preHandler: app.identify,
    },
    async (request) => {
      const booking = await bookingFor(request, request.params.id, request.body.manageToken);
      return { booking: await app.bookingService.claimOffer(booking) };
    },
  );

  app.get(
    '/bookings/:id/history',
    {
      schema: {
        tags,
        summary: "A booking's status changes, oldest first",
        description:
          'Every change with who made it (a user, a key or the system), the reason given and when. For ' +
          'members of its organization (viewer or above) and its secret key; 404 for anyone else.',
        params: BookingParams,
        response: withErrors({ 200: BookingHistoryResponse }),
      },
      preHandler: app.authenticate('user', 'secret'),
    },
    async (request) => {
      const booking = await app.bookingsRepo.find(request.params.id);
      if (!booking) throw notFound('Booking');
      await app.requireRole(request, booking.orgId, 'viewer', 'Booking');
      return { history: await app.bookingsRepo.historyOf(booking.id) };
    },
  );

  app.get(
    '/events/:id/bookings',
    {
      schema: {
        tags,
        summary: "An event's bookings, newest first, filtered and paged",
        description:
          "`status` keeps one status; `q` matches part of the attendee's name or email, ignoring case; " +
          '`limit` (1–500, default 50) and `offset` page through, and `total` counts every match. For ' +
          'members (viewer or above) and the secret key. Manage tokens never appear.',
        params: EventParams,
        querystring: ListQuery,
        response: withErrors({ 200: BookingsResponse }),
      },
      preHandler: app.authenticate('user', 'secret'),
    },
    async (request) => {
      const event = await eventForMember(app, request, request.params.id, 'viewer');
      const { bookings, total } = await app.staleReads.bookings.list(event.id, request.query);
      return { bookings: bookings.map(publicBooking), total };
    },
  );

  app.get(
    '/events/:id/waitlist',
    {
      schema: {
        tags,
        summary: "The event's waitlist, in line order",
        description:
          'Every waitlisted booking with its position (1 is next), party size, section and attendee. ' +
          'The line is strict first come, first served and all or nothing per party (docs/api.md, ' +
          'Waitlist). For members (viewer or above) and the secret key.',
        params: EventParams,
        response: withErrors({ 200: WaitlistResponse }),
      },
      preHandler: app.authenticate('user', 'secret'),
    },
    async (request) => {
      const event = await eventForMember(app, request, request.params.id, 'viewer');
      const line = await app.bookingsRepo.waitlist(event.id);
      return {
        waitlist: line.map((booking, index) => ({
          bookingId: booking.id,
          position: index + 1,
          quantity: booking.quantity,
          section: booking.sectionId,
          attendee: booking.attendee,
          createdAt: booking.createdAt,
        })),
      };
    },
  );
};

export default bookingRoutes;
