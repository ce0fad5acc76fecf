import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  Availability,
  BlockSeatsBody,
  CreateEventBody,
  EventParams,
  EventResponse,
  EventStats,
  EventsResponse,
  OrgParams,
  type SeatMap,
  seatMapProblems,
  totalCapacity,
  UpdateEventBody,
  withErrors,
} from '@happening/shared';
import { Type } from 'typebox';
import { inTransaction } from '../../lib/db.js';
import { AppError, notFound } from '../../lib/errors.js';
import { assertMayReadPublished, eventForMember } from './access.js';
import { availabilitySnapshot, statsFrom } from './availability.js';
import { assertRoomForEvent, type EventQuotas } from './quotas.js';
import { assertValidWindow } from './sale-window.js';

function assertValidMap(seatMap: SeatMap): void {
  const problems = seatMapProblems(seatMap);
  if (problems.length > 0) {
    throw new AppError(400, 'INVALID_SEAT_MAP', problems[0]!, { problems });
  }
}

/** A per-address cap below the per-booking limit would refuse every full booking: say so instead. */
function assertValidCaps(settings: { maxSeatsPerBooking: number; maxSeatsPerAddress: number | null }): void {
  if (settings.maxSeatsPerAddress !== null && settings.maxSeatsPerAddress < settings.maxSeatsPerBooking) {
    throw new AppError(
      400,
      'VALIDATION_FAILED',
      `maxSeatsPerAddress (${settings.maxSeatsPerAddress}) must be at least maxSeatsPerBooking (${settings.maxSeatsPerBooking})`,
      { field: 'body.maxSeatsPerAddress' },
    );
  }
}

/** Holds shorter than the deployment's floor (`HOLD_TTL_MIN_SECONDS`) are refused, not shortened. */
function assertHoldTtl(holdTtlSeconds: number | undefined, min: number): void {
  if (holdTtlSeconds !== undefined && holdTtlSeconds < min) {
    throw new AppError(400, 'VALIDATION_FAILED', `holdTtlSeconds must be at least ${min}`, {
      field: 'body.holdTtlSeconds',
    });
  }
}

const eventRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const asUser = app.authenticate('user');
  const tags = ['events'];
  const quotas: EventQuotas = {
    maxEvents: app.config.MAX_EVENTS_PER_ORGANIZATION,
    maxSeats: app.config.MAX_SEATS_PER_ORGANIZATION,
    overAfterHours: app.config.EVENT_OVER_AFTER_HOURS,
  };

  app.post(
    '/orgs/:orgId/events',
    {
      schema: {
        tags,
        summary: 'Create a draft event',
        description:
          'A draft with its seat map and settings; nothing is on sale until it is published. ' +
          'Hold caps per client address (`maxSeatsPerAddress`, `maxHoldsPerAddress`) and ' +
          '`proofOfWork` guard the on-sale against scripts (see docs/security.md). `onSaleAt`/`offSaleAt` ' +
          'bound the sale (409 `NOT_ON_SALE` outside it) and `waitingRoom` puts a line in front of it ' +
          '(docs/waiting-room.md); 400 `VALIDATION_FAILED` when `offSaleAt` is not after `onSaleAt`. ' +
          'Needs the organizer role. Refused with 409 `EVENT_LIMIT_REACHED` when the organization already has ' +
          '`MAX_EVENTS_PER_ORGANIZATION` events that are neither cancelled nor over (an event is over ' +
          '`EVENT_OVER_AFTER_HOURS` after its start; drafts count), and with 409 `SEAT_LIMIT_REACHED` when its ' +
          'seats would take those events past `MAX_SEATS_PER_ORGANIZATION` seats together. Both carry `limit`.',
        params: OrgParams,
        body: CreateEventBody,
        response: withErrors({ 201: EventResponse }),
      },
      preHandler: asUser,
      // A 100,000-seat map is a few MB of JSON.
      bodyLimit: 8 * 1_048_576,
    },
    async (request, reply) => {
      const { orgId } = request.params;
      await app.requireRole(request, orgId, 'organizer', 'Organization');
      assertValidMap(request.body.seatMap);
      assertHoldTtl(request.body.holdTtlSeconds, app.config.HOLD_TTL_MIN_SECONDS);
      assertValidWindow({
        onSaleAt: request.body.onSaleAt ?? null,
        offSaleAt: request.body.offSaleAt ?? null,
      });
      assertValidCaps({
        maxSeatsPerBooking: request.body.maxSeatsPerBooking ?? 10,
        maxSeatsPerAddress: request.body.maxSeatsPerAddress ?? null,
      });
      const event = await inTransaction(app.pg, async (client) => {
        await assertRoomForEvent(app.eventsRepo, client, quotas, orgId, {
          create: { startsAt: request.body.startsAt, capacity: totalCapacity(request.body.seatMap) },
        });
        return app.eventsRepo.insert(orgId, request.body, client);
      });
      return reply.status(201).send({ event });
    },
  );

  app.get(
    '/orgs/:orgId/events',
    {
      schema: {
        tags,
        summary: "The organization's events, latest start first, without their seat maps",
        description:
          'Every event whatever its status, drafts included, for members (viewer or above). `GET ' +
          '/events/:id` answers one event with its seat map.',
        params: OrgParams,
        response: withErrors({ 200: EventsResponse }),
      },
      preHandler: asUser,
    },
    async (request) => {
      await app.requireRole(request, request.params.orgId, 'viewer', 'Organization');
      const events = await app.staleReads.events.listByOrg(request.params.orgId);
      return { events: events.map(({ seatMap: _m, ...summary }) => summary) };
    },
  );

  /** What the two public reads say about who may call them (the OpenAPI document shows it). */
  const whoMayRead =
    "Published events only (a draft is 404 except to its organization's members). A browser page " +
    "reads only from the organization's allowed origins: with its publishable key (which reads only " +
    "its own organization's events, else 404), or without one; any other `Origin` gets 403 " +
    '`ORIGIN_NOT_ALLOWED` with or without a key, so a foreign page shows no seat data. Callers ' +
    'without `Origin` (servers, scripts) read published events without a key: the data is not ' +
    'secret, only where it may be shown is. Session tokens and secret keys read from anywhere.';

  app.get(
    '/events/:id',
    {
      schema: {
        tags,
        summary: 'An event and its seat map',
        description: whoMayRead,
        params: EventParams,
        response: withErrors({ 200: EventResponse }),
      },
      preHandler: app.identify,
    },
    async (request) => {
      const event = await app.eventsRepo.find(request.params.id);
      if (!event) throw notFound('Event');
      // Drafts exist only for their organization's members.
      if (event.status === 'draft') {
        if (request.principal?.kind !== 'user') throw notFound('Event');
        await app.requireRole(request, event.orgId, 'viewer', 'Event');
      } else {
        await assertMayReadPublished(app, request, event);
      }
      return { event };
    },
  );

  app.patch(
    '/events/:id',
    {
      schema: {
        tags,
        summary: 'Edit a draft event',
        description:
          'Changes the fields sent, while the event is a draft (409 `EVENT_NOT_EDITABLE` after). ' +
          '`maxSeatsPerAddress: null` goes back to the default, 2 × `maxSeatsPerBooking`. A new seat map or start that would add to what the ' +
          'organization has counted against its quotas is refused like a creation (409 `EVENT_LIMIT_REACHED`, ' +
          '`SEAT_LIMIT_REACHED`); an edit that adds nothing always passes.',
        params: EventParams,
        body: UpdateEventBody,
        response: withErrors({ 200: EventResponse }),
      },
      preHandler: asUser,
      bodyLimit: 8 * 1_048_576,
    },
    async (request) => {
      const existing = await eventForMember(app, request, request.params.id, 'organizer');
      const { seatMap, startsAt } = request.body;
      if (seatMap) assertValidMap(seatMap);
      assertHoldTtl(request.body.holdTtlSeconds, app.config.HOLD_TTL_MIN_SECONDS);
      assertValidWindow({
        onSaleAt: request.body.onSaleAt === undefined ? existing.onSaleAt : request.body.onSaleAt,
        offSaleAt: request.body.offSaleAt === undefined ? existing.offSaleAt : request.body.offSaleAt,
      });
      assertValidCaps({
        maxSeatsPerBooking: request.body.maxSeatsPerBooking ?? existing.maxSeatsPerBooking,
        maxSeatsPerAddress:
          request.body.maxSeatsPerAddress === undefined
            ? existing.maxSeatsPerAddress
            : request.body.maxSeatsPerAddress,
      });
      const event = await inTransaction(app.pg, async (client) => {
        // Only a new start or seat map can change what the event takes from the quotas.
        if (seatMap || startsAt) {
          await assertRoomForEvent(app.eventsRepo, client, quotas, existing.orgId, {
            eventId: existing.id,
            ...(startsAt ? { startsAt } : {}),
            ...(seatMap ? { capacity: totalCapacity(seatMap) } : {}),
          });
        }
        return app.eventsRepo.updateDraft(request.params.id, request.body, client);
      });
      if (!event) throw new AppError(409, 'EVENT_NOT_EDITABLE', 'Only draft events can be edited');
      return { event };
    },
  );

  app.post(
    '/events/:id/publish',
    {
      schema: {
        tags,
        summary: 'Publish a draft: its seat map freezes and the event goes on sale',
        description:
          'Needs the organizer role. The seats and general sections are stored, the status becomes ' +
          '`on_sale`, and the inventory is loaded into Redis at once so the first attendee does not ' +
          'wait for it. 409 `EVENT_NOT_EDITABLE` when the event is not a draft.',
        params: EventParams,
        response: withErrors({ 200: EventResponse }),
      },
      preHandler: asUser,
    },
    async (request) => {
      await eventForMember(app, request, request.params.id, 'organizer');
      const event = await inTransaction(app.pg, async (client) => {
        const locked = await app.eventsRepo.findForUpdate(request.params.id, client);
        if (!locked) throw notFound('Event');
        if (locked.status !== 'draft')
          throw new AppError(409, 'EVENT_NOT_EDITABLE', `The event is ${locked.status}`);
        assertValidMap(locked.seatMap);
        await app.eventsRepo.publish(locked, client);
        return { ...locked, status: 'on_sale' as const };
      });
      // Load the inventory now so the first attendee does not pay for it.
      await app.inventory.ensureLoaded(event.id);
      return { event };
    },
  );

  app.post(
    '/events/:id/cancel',
    {
      schema: {
        tags,
        summary: 'Cancel the event, with every booking and waitlist entry',
        description:
          'Needs the organizer role; the body `{reason}` is optional. Every booking and waitlist entry ' +
          'is cancelled and each attendee is notified; the event stays readable with status ' +
          '`cancelled`. 409 `EVENT_CANCELLED` when it already is.',
        params: EventParams,
        body: Type.Optional(
          Type.Object(
            { reason: Type.Optional(Type.String({ maxLength: 500 })) },
            { additionalProperties: false },
          ),
        ),
        response: withErrors({ 200: EventResponse }),
      },
      preHandler: asUser,
    },
    async (request) => {
      const principal = request.principal!;
      await eventForMember(app, request, request.params.id, 'organizer');
      const actor = principal.kind === 'user' ? `user:${principal.userId}` : principal.kind;
      const event = await app.bookingService.cancelEvent(
        request.params.id,
        actor,
        request.body?.reason ?? null,
      );
      return { event };
    },
  );

  app.get(
    '/events/:id/availability',
    {
      schema: {
        tags,
        summary: "Every seat's status and each section's counts, at one inventory version",
        description:
          `${whoMayRead} ` +
          'The same snapshot a widget socket gets on `join`, without hold tokens or booking ids. ' +
          'A server reads it once per event version and serves that copy until it hears of a ' +
          'change (at most `AVAILABILITY_CACHE_MS`); live changes after `version` arrive on the ' +
          'socket. Per client address, the global rate limit applies (429 `RATE_LIMITED`).',
        params: EventParams,
        response: withErrors({ 200: Availability }),
      },
      // The same check as `GET /events/:id`, so the widget can ask for the event and its seats at
      // once and a foreign page still gets no seat data.
      preHandler: app.identify,
    },
    async (request) => {
      const event = await app.findEvent(request.params.id);
      if (!event || event.status === 'draft') throw notFound('Event');
      await assertMayReadPublished(app, request, event);
      const { holds: _h, holders: _holders, ...availability } = await app.availability.get(event);
      return availability;
    },
  );

  app.get(
    '/events/:id/stats',
    {
      schema: {
        tags,
        summary: 'Live counts of a published event: places, holds, bookings and the waitlist',
        description:
          'Capacity and the available, held, booked and blocked places at one inventory `version`, with ' +
          "active holds, confirmed and cancelled bookings and the waitlist's length. For members " +
          '(viewer or above); 409 `EVENT_NOT_ON_SALE` for a draft.',
        params: EventParams,
        response: withErrors({ 200: EventStats }),
      },
      preHandler: asUser,
    },
    async (request) => {
      const event = await eventForMember(app, request, request.params.id, 'viewer');
      if (event.status === 'draft')
        throw new AppError(409, 'EVENT_NOT_ON_SALE', 'The event is not published');
      const [availability, counts] = await Promise.all([
        availabilitySnapshot(app.inventory, event),
        app.staleReads.bookings.totals(event.id),
      ]);
      return statsFrom(availability, counts);
    },
  );

  app.post(
    '/events/:id/seats/block',
    {
      schema: {
        tags,
        summary: 'Take seats off sale, with a reason',
        description:
          'Needs the organizer role and an event on sale (409 `EVENT_NOT_ON_SALE`). All or nothing: 400 ' +
          '`UNKNOWN_SEATS` for seats the map does not have and 409 `SEAT_UNAVAILABLE` for seats that ' +
          'are not free, both naming the `seats`. Live seat maps show the seats blocked at once. ' +
          'Answers 204.',
        params: EventParams,
        body: BlockSeatsBody,
      },
      preHandler: asUser,
    },
    async (request, reply) => {
      const event = await eventForMember(app, request, request.params.id, 'organizer');
      if (event.status !== 'on_sale') throw new AppError(409, 'EVENT_NOT_ON_SALE', 'Publish the event first');
      const seats = [...new Set(request.body.seats)];
      const result = await app.inventory.run(event.id, 'block', { seats });
      if (!result.ok) {
        throw new AppError(
          result.code === 'UNKNOWN_SEATS' ? 400 : 409,
          result.code,
          'Some seats cannot be blocked',
          { seats: result.seats },
        );
      }
      try {
        await app.eventsRepo.setBlocked(event.id, seats, request.body.reason ?? 'blocked');
      } catch (error) {
        await app.inventory.run(event.id, 'unblock', { seats });
        throw error;
      }
      return reply.status(204).send();
    },
  );

  app.post(
    '/events/:id/seats/unblock',
    {
      schema: {
        tags,
        summary: 'Put blocked seats back on sale',
        description:
          'Needs the organizer role and an event on sale (409 `EVENT_NOT_ON_SALE`). The seats are ' +
          'available again at once, and live seat maps show it. Answers 204.',
        params: EventParams,
        body: BlockSeatsBody,
      },
      preHandler: asUser,
    },
    async (request, reply) => {
      const event = await eventForMember(app, request, request.params.id, 'organizer');
      if (event.status !== 'on_sale') throw new AppError(409, 'EVENT_NOT_ON_SALE', 'Publish the event first');
      const seats = [...new Set(request.body.seats)];
      await app.eventsRepo.setBlocked(event.id, seats, null);
      await app.inventory.run(event.id, 'unblock', { seats });
      return reply.status(204).send();
    },
  );

  app.get(
    '/events/:id/blocked-seats',
    {
      schema: {
        tags,
        summary: 'Blocked seats and why',
        description:
          "Each blocked seat's id with the reason given when it was blocked. For members (viewer or " +
          'above).',
        params: EventParams,
        response: withErrors({ 200: Type.Object({ seats: Type.Record(Type.String(), Type.String()) }) }),
      },
      preHandler: asUser,
    },
    async (request) => {
      const event = await eventForMember(app, request, request.params.id, 'viewer');
      return { seats: await app.eventsRepo.blockedSeats(event.id) };
    },
  );
};

export default eventRoutes;
