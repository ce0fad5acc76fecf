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
  UpdateEventBody,
  withErrors,
} from '@happening/shared';
import { Type } from 'typebox';
import { inTransaction } from '../../lib/db.js';
import { AppError, notFound } from '../../lib/errors.js';
import { eventForMember } from './access.js';
import { availabilitySnapshot, statsFrom } from './availability.js';

function assertValidMap(seatMap: SeatMap): void {
  const problems = seatMapProblems(seatMap);
  if (problems.length > 0) {
    throw new AppError(400, 'INVALID_SEAT_MAP', problems[0]!, { problems });
  }
}

const eventRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const asUser = app.authenticate('user');
  const tags = ['events'];

  app.post(
    '/orgs/:orgId/events',
    {
      schema: {
        tags,
        params: OrgParams,
        body: CreateEventBody,
        response: withErrors({ 201: EventResponse }),
      },
      preHandler: asUser,
      // A 100,000-seat map is a few MB of JSON.
      bodyLimit: 8 * 1_048_576,
    },
    async (request, reply) => {
      await app.requireRole(request, request.params.orgId, 'organizer', 'Organization');
      assertValidMap(request.body.seatMap);
      const event = await app.eventsRepo.insert(request.params.orgId, request.body);
      return reply.status(201).send({ event });
    },
  );

  app.get(
    '/orgs/:orgId/events',
    {
      schema: { tags, params: OrgParams, response: withErrors({ 200: EventsResponse }) },
      preHandler: asUser,
    },
    async (request) => {
      await app.requireRole(request, request.params.orgId, 'viewer', 'Organization');
      const events = await app.eventsRepo.listByOrg(request.params.orgId);
      return { events: events.map(({ seatMap: _m, ...summary }) => summary) };
    },
  );

  app.get(
    '/events/:id',
    {
      schema: { tags, params: EventParams, response: withErrors({ 200: EventResponse }) },
      preHandler: app.identify,
    },
    async (request) => {
      const event = await app.eventsRepo.find(request.params.id);
      if (!event) throw notFound('Event');
      // Drafts exist only for their organization's members.
      if (event.status === 'draft') {
        if (request.principal?.kind !== 'user') throw notFound('Event');
        await app.requireRole(request, event.orgId, 'viewer', 'Event');
      }
      return { event };
    },
  );

  app.patch(
    '/events/:id',
    {
      schema: {
        tags,
        params: EventParams,
        body: UpdateEventBody,
        response: withErrors({ 200: EventResponse }),
      },
      preHandler: asUser,
      bodyLimit: 8 * 1_048_576,
    },
    async (request) => {
      await eventForMember(app, request, request.params.id, 'organizer');
      if (request.body.seatMap) assertValidMap(request.body.seatMap);
      const event = await app.eventsRepo.updateDraft(request.params.id, request.body);
      if (!event) throw new AppError(409, 'EVENT_NOT_EDITABLE', 'Only draft events can be edited');
      return { event };
    },
  );

  app.post(
    '/events/:id/publish',
    {
      schema: { tags, params: EventParams, response: withErrors({ 200: EventResponse }) },
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
          'The same snapshot a widget socket gets on `join`, without hold tokens or booking ids. ' +
          'A server reads it once per event version and serves that copy until it hears of a ' +
          'change (at most `AVAILABILITY_CACHE_MS`); live changes after `version` arrive on the ' +
          'socket. Per client address, the global rate limit applies (429 `RATE_LIMITED`).',
        params: EventParams,
        response: withErrors({ 200: Availability }),
      },
      // The same check as `GET /events/:id`: a publishable key sent from a page outside its
      // organization's allowed origins is refused, so the widget can ask for the event and its
      // seats at once and a foreign page still gets no seat data.
      preHandler: app.identify,
    },
    async (request) => {
      const event = await app.findEvent(request.params.id);
      if (!event || event.status === 'draft') throw notFound('Event');
      const { holds: _h, holders: _holders, ...availability } = await app.availability.get(event);
      return availability;
    },
  );

  app.get(
    '/events/:id/stats',
    { schema: { tags, params: EventParams, response: withErrors({ 200: EventStats }) }, preHandler: asUser },
    async (request) => {
      const event = await eventForMember(app, request, request.params.id, 'viewer');
      if (event.status === 'draft')
        throw new AppError(409, 'EVENT_NOT_ON_SALE', 'The event is not published');
      const [availability, counts] = await Promise.all([
        availabilitySnapshot(app.inventory, event),
        app.bookingsRepo.totals(event.id),
      ]);
      return statsFrom(availability, counts);
    },
  );

  app.post(
    '/events/:id/seats/block',
    { schema: { tags, params: EventParams, body: BlockSeatsBody }, preHandler: asUser },
    async (request, reply) => {
      const event = await eventForMember(app, request, request.params.id, 'organizer');
      if (event.status !== 'on_sale') throw new AppError(409, 'EVENT_NOT_ON_SALE', 'Publish the event first');
      const seats = [...new Set(request.body.seats)];
      const result = await app.inventory.run(event.id, 'block', { seats });
      if (!result.ok) {
        const code = result.code === 'UNKNOWN_SEATS' ? 'UNKNOWN_SEATS' : 'SEAT_UNAVAILABLE';
        throw new AppError(code === 'UNKNOWN_SEATS' ? 400 : 409, code, 'Some seats cannot be blocked', {
          seats: result.seats,
        });
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
    { schema: { tags, params: EventParams, body: BlockSeatsBody }, preHandler: asUser },
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
