import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  EventParams,
  EventResponse,
  type WaitingRoomPatch,
  WaitingRoomPatch as WaitingRoomPatchSchema,
  withErrors,
} from '@happening/shared';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../lib/errors.js';
import { eventForMember } from './access.js';

/**
 * The organizer's controls over a published event's sale: open now, pause, resume, and the
 * waiting room's settings, all changeable while the sale runs (docs/waiting-room.md).
 */
const saleRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const asUser = app.authenticate('user');
  const tags = ['events'];
  const live =
    'Needs the organizer role and a published event (409 `EVENT_NOT_ON_SALE` for a draft, ' +
    '`EVENT_CANCELLED` once cancelled). Every server applies it within a few seconds (its event cache).';

  async function change(
    request: FastifyRequest,
    id: string,
    what: { openNow?: boolean; paused?: boolean; waitingRoom?: WaitingRoomPatch },
  ) {
    const existing = await eventForMember(app, request, id, 'organizer');
    if (existing.status === 'draft') throw new AppError(409, 'EVENT_NOT_ON_SALE', 'Publish the event first');
    if (existing.status === 'cancelled')
      throw new AppError(409, 'EVENT_CANCELLED', 'The event was cancelled');
    const event = await app.eventsRepo.updateSale(existing.id, what);
    if (!event) throw new AppError(409, 'EVENT_CANCELLED', 'The event was cancelled');
    app.forgetEvent(event.id);
    // Every server's admission tick takes the line from here (an opening shuffles it at once).
    if (event.waitingRoom.enabled) await app.waitingRoom.track(event);
    return { event };
  }

  app.post(
    '/events/:id/sale/open',
    {
      schema: {
        tags,
        summary: 'Open the sale now',
        description:
          '`onSaleAt` becomes now and a pause ends; an `offSaleAt` already past is dropped. With the ' +
          'waiting room on, the pre-queue is shuffled at once and admission starts. ' +
          live,
        params: EventParams,
        response: withErrors({ 200: EventResponse }),
      },
      preHandler: asUser,
    },
    (request) => change(request, request.params.id, { openNow: true }),
  );

  app.post(
    '/events/:id/sale/pause',
    {
      schema: {
        tags,
        summary: 'Pause the sale',
        description:
          'New holds and bookings answer 409 `NOT_ON_SALE` (`saleState: paused`) and the waiting room ' +
          'admits nobody; holds already made can still be booked, and the line keeps its order. ' +
          live,
        params: EventParams,
        response: withErrors({ 200: EventResponse }),
      },
      preHandler: asUser,
    },
    (request) => change(request, request.params.id, { paused: true }),
  );

  app.post(
    '/events/:id/sale/resume',
    {
      schema: {
        tags,
        summary: 'Resume a paused sale',
        description: `Holds, bookings and admissions go on where they stopped. ${live}`,
        params: EventParams,
        response: withErrors({ 200: EventResponse }),
      },
      preHandler: asUser,
    },
    (request) => change(request, request.params.id, { paused: false }),
  );

  app.patch(
    '/events/:id/waiting-room',
    {
      schema: {
        tags,
        summary: "Change the waiting room's settings, also during the sale",
        description:
          '`enabled` turns the line on or off (off: nobody needs an admission any more); ' +
          '`admitPerMinute` and `maxActiveShoppers` (`null`: that meter off) take effect at the next ' +
          'admission tick. ' +
          live,
        params: EventParams,
        body: WaitingRoomPatchSchema,
        response: withErrors({ 200: EventResponse }),
      },
      preHandler: asUser,
    },
    (request) => change(request, request.params.id, { waitingRoom: request.body }),
  );
};

export default saleRoutes;
