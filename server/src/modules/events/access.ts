import type { Event, Role } from '@happening/shared';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, notFound } from '../../lib/errors.js';

/** The event, if the caller has at least `minimum` in its organization (else 404/403). */
export async function eventForMember(
  app: FastifyInstance,
  request: FastifyRequest,
  id: string,
  minimum: Role,
): Promise<Event> {
  const event = await app.eventsRepo.find(id);
  if (!event) throw notFound('Event');
  await app.requireRole(request, event.orgId, minimum, 'Event');
  return event;
}

/** Whether a key or member may act on this event at all: keys only for their own organization. */
export async function assertSameOrg(
  app: FastifyInstance,
  request: FastifyRequest,
  event: Event,
): Promise<void> {
  const principal = request.principal;
  if (!principal) return;
  if (principal.kind === 'user') await app.requireRole(request, event.orgId, 'organizer', 'Event');
  else if (principal.orgId !== event.orgId) throw notFound('Event');
}

/** An event that is on sale, for holds and bookings. */
export async function eventOnSale(app: FastifyInstance, request: FastifyRequest, id: string): Promise<Event> {
  const event = await app.findEvent(id);
  if (!event) throw notFound('Event');
  await assertSameOrg(app, request, event);
  if (event.status === 'draft') throw new AppError(409, 'EVENT_NOT_ON_SALE', 'The event is not on sale yet');
  if (event.status === 'cancelled') throw new AppError(409, 'EVENT_CANCELLED', 'The event was cancelled');
  return event;
}
