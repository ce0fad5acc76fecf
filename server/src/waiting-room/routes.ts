import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  EventParams,
  QueueJoinBody,
  QueueTicketParams,
  QueueTicketState,
  WaitingRoomStats,
  withErrors,
} from '@happening/shared';
import { AppError } from '../lib/errors.js';
import { assertSameOrg, eventForMember, eventOnSale } from '../modules/events/access.js';
import { eventIdOfTicket } from './tickets.js';

const waitingRoomRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['waiting room'];
  const asAttendee = app.authenticate('publishable', 'secret');
  const unknownTicket = () => new AppError(404, 'QUEUE_TICKET_NOT_FOUND', 'Unknown queue ticket');

  app.post(
    '/events/:id/queue',
    {
      schema: {
        tags,
        summary: "Join the event's waiting room",
        description:
          'Answers a queue ticket (keep it: it is the only way back to this place in line). Before ' +
          '`onSaleAt` the ticket waits in the pre-queue (`preQueue`, no `position`): at opening the ' +
          'pre-queue is shuffled uniformly, so arriving early buys nothing; after opening joiners go to ' +
          'the end. With the publishable key every join needs a solved proof-of-work challenge ' +
          '(`GET /events/:id/challenge`) as `altcha` (428 `CHALLENGE_REQUIRED` with a fresh one), each ' +
          'solution good for one join. `partySize` is at most `maxSeatsPerBooking`, and bounds what the ' +
          'admission may hold and book. After the sell-out the ticket is `sold_out` at once (with the ' +
          'waitlist offer where the waitlist is on). 409 `QUEUE_CLOSED` when the event has no waiting ' +
          'room or its sale ended.',
        params: EventParams,
        body: QueueJoinBody,
        response: withErrors({ 201: QueueTicketState }),
      },
      preHandler: asAttendee,
    },
    async (request, reply) => {
      const event = await eventOnSale(app, request, request.params.id);
      const state = await app.waitingRoom.join(
        event,
        request.body,
        request.principal?.kind === 'publishable',
      );
      return reply.status(201).header('cache-control', 'no-store').send(state);
    },
  );

  app.get(
    '/queue/:ticket',
    {
      schema: {
        tags,
        summary: "A queue ticket's place in line, or its admission",
        description:
          '`position` (1-based), `ahead` and `etaSeconds` while waiting; `admissionToken` once admitted, ' +
          'to send with holds (and bookings by quantity) until `admissionExpiresAt`; `sold_out` with ' +
          '`waitlistOffered` when the event sold out first. Follow it live over the `/widget` socket ' +
          '(`queue:follow`) instead of polling. 404 `QUEUE_TICKET_NOT_FOUND` for a ticket of another ' +
          'organization or none at all.',
        params: QueueTicketParams,
        response: withErrors({ 200: QueueTicketState }),
      },
      preHandler: asAttendee,
    },
    async (request, reply) => {
      const eventId = eventIdOfTicket(request.params.ticket);
      const event = eventId ? await app.findEvent(eventId) : null;
      if (!event) throw unknownTicket();
      await assertSameOrg(app, request, event).catch(() => {
        throw unknownTicket();
      });
      const state = await app.waitingRoom.state(event, request.params.ticket);
      return reply.header('cache-control', 'no-store').send(state);
    },
  );

  app.get(
    '/events/:id/queue/stats',
    {
      schema: {
        tags,
        summary: "The waiting room's line, for the console",
        description:
          'Waiting, admitted in the last minute, active shoppers, sold per minute, the expected time ' +
          'to sell out at that pace, the settings, and the last ~60 samples of the line (one every ' +
          '`QUEUE_STATS_INTERVAL_MS`). Consoles watching the event get the same as `queue-stats` ' +
          'pushes. For members (viewer or above).',
        params: EventParams,
        response: withErrors({ 200: WaitingRoomStats }),
      },
      preHandler: app.authenticate('user'),
    },
    async (request) => {
      const event = await eventForMember(app, request, request.params.id, 'viewer');
      return app.waitingRoom.stats(event);
    },
  );
};

export default waitingRoomRoutes;
