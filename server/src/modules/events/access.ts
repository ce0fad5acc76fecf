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

/** PUBLIC_URL's origin (the server's own pages, the API docs) and CONSOLE_ORIGINS, per app. */
const ownOriginsByApp = new WeakMap<FastifyInstance, Set<string>>();
function ownOrigins(app: FastifyInstance): Set<string> {
  let origins = ownOriginsByApp.get(app);
  if (!origins) {
    origins = new Set(
      [app.config.PUBLIC_URL, ...app.config.CONSOLE_ORIGINS.split(',')]
        .map((entry) => entry.trim())
        .filter(Boolean)
        .map((entry) => {
          try {
            return new URL(entry).origin;
          } catch {
            return entry;
          }
        }),
    );
    ownOriginsByApp.set(app, origins);
  }
  return origins;
}

/**
 * Whether this caller may read a published event and its seats (`GET /events/:id`,
 * `/availability`). A browser names the page it runs in with `Origin`; a page of another site
 * gets nothing, with or without a key, so the seat map cannot be shown (or its data harvested
 * through visitors' browsers) anywhere the organization did not allow:
 *
 * - a publishable key: only its own organization's events (from its allowed origins, which
 *   plugins/auth.ts already checked);
 * - a session token or a secret key: members and the partner's backend, from anywhere;
 * - no credential: callers without `Origin` (servers, scripts, monitoring) read, as the data is
 *   public to anyone who asks from a server; a browser page reads only from the organization's
 *   allowed origins or the server's own (PUBLIC_URL, CONSOLE_ORIGINS), else 403 ORIGIN_NOT_ALLOWED.
 */
export async function assertMayReadPublished(
  app: FastifyInstance,
  request: FastifyRequest,
  event: Event,
): Promise<void> {
  const principal = request.principal;
  if (principal?.kind === 'publishable') {
    // Else any organization's key, from its own allowed origins, would read everyone's events.
    if (principal.orgId !== event.orgId) throw notFound('Event');
    return;
  }
  const origin = request.headers.origin;
  if (principal || !origin || ownOrigins(app).has(origin)) return;
  const allowed = await app.organizationsRepo.allowedOrigins(event.orgId);
  if (allowed?.includes(origin)) return;
  throw new AppError(
    403,
    'ORIGIN_NOT_ALLOWED',
    `${origin} is not allowed to show this organization's events; add it to the organization's allowed origins`,
    { origin },
  );
}
