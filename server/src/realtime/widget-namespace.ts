import {
  type Event,
  rooms,
  WIDGET_NAMESPACE,
  type WidgetClientToServer,
  type WidgetServerToClient,
} from '@happening/shared';
import type { FastifyInstance } from 'fastify';
import { socketLimitKey } from '../lib/client-address.js';
import { AppError, notFound } from '../lib/errors.js';
import { hashManageToken } from '../modules/bookings/manage-links.js';
import { availabilitySnapshot } from '../modules/events/availability.js';
import { eventIdOfHold } from '../modules/holds/routes.js';
import { holdSeats } from '../modules/holds/service.js';
import { acknowledged, requireObject, requireString, requireStrings } from './ack.js';
import { hashRoom } from './fanout.js';

const MAX_TRACKED_HOLDS = 10;

interface WidgetSocketData {
  orgId: string;
  /** Holds made or resumed on this socket: released if it goes away and does not come back. */
  holds: Map<string, string>;
}

/**
 * `/widget`: attendees in partner pages. The handshake's publishable key must belong to an
 * organization that allows the page's origin (checked for polling and WebSocket alike).
 */
export function registerWidgetNamespace(app: FastifyInstance): { close: () => void } {
  const nsp = app.io.of(WIDGET_NAMESPACE) as unknown as import('socket.io').Namespace<
    WidgetClientToServer,
    WidgetServerToClient,
    Record<string, never>,
    WidgetSocketData
  >;
  const graceTimers = new Set<NodeJS.Timeout>();
  // The REST limits (per address, per hold token) apply to socket holds too, in the same Redis.
  const holdLimiter = app.createRateLimit({
    max: app.config.HOLD_RATE_LIMIT_PER_MINUTE,
    timeWindow: 60_000,
    keyGenerator: (request) => (request as unknown as { rateKey: string }).rateKey,
  });
  async function limitHolds(key: string): Promise<void> {
    const verdict = await holdLimiter({ rateKey: key, url: '', routeOptions: { config: {} } } as never).catch(
      () => null,
    );
    if (verdict && !verdict.isAllowed && verdict.isExceeded) {
      throw new AppError(429, 'RATE_LIMITED', 'Too many hold requests; slow down');
    }
  }

  nsp.use(async (socket, next) => {
    try {
      const key = socket.handshake.auth?.publishableKey;
      const org =
        typeof key === 'string' && key.startsWith('pk_') ? await app.orgByPublishableKey(key) : null;
      if (!org)
        return next(Object.assign(new Error('UNAUTHENTICATED'), { data: { code: 'UNAUTHENTICATED' } }));
      const origin = socket.handshake.headers.origin;
      if (origin && !org.allowedOrigins.includes(origin)) {
        const message = `${origin} is not allowed to embed this organization's events`;
        return next(
          Object.assign(new Error('ORIGIN_NOT_ALLOWED'), { data: { code: 'ORIGIN_NOT_ALLOWED', message } }),
        );
      }
      socket.data.orgId = org.id;
      socket.data.holds = new Map();
      next();
    } catch (error) {
      app.log.error({ err: error }, 'widget handshake failed');
      next(new Error('INTERNAL_ERROR'));
    }
  });

  nsp.on('connection', (socket) => {
    async function eventOfOrg(eventId: unknown): Promise<Event> {
      const event = await app.findEvent(requireString(eventId, 'eventId', 36));
      if (!event || event.orgId !== socket.data.orgId || event.status === 'draft') throw notFound('Event');
      return event;
    }
    function track(token: string, eventId: string) {
      // A page keeps one hold at a time; remember only the latest few, not every token ever made.
      socket.data.holds.delete(token);
      socket.data.holds.set(token, eventId);
      if (socket.data.holds.size > MAX_TRACKED_HOLDS) {
        const oldest = socket.data.holds.keys().next().value;
        if (oldest !== undefined) socket.data.holds.delete(oldest);
      }
      void socket.join(hashRoom(token));
    }

    socket.on(
      'join',
      acknowledged(app.log, async (payload) => {
        const { eventId, holdToken } = requireObject(payload);
        const event = await eventOfOrg(eventId);
        await socket.join(rooms.widgetEvent(event.id));
        if (typeof holdToken === 'string' && holdToken.startsWith(`${event.id}.`)) {
          // A reload or reconnect within the grace period keeps the hold.
          const attached = await app.inventory.run(event.id, 'attach', { token: holdToken });
          if (attached.ok) track(holdToken, event.id);
        }
        const {
          holds: _h,
          holders: _holders,
          ...snapshot
        } = await availabilitySnapshot(app.inventory, event);
        return snapshot;
      }),
    );

    socket.on(
      'leave',
      acknowledged(app.log, async (payload) => {
        const { eventId } = requireObject(payload);
        await socket.leave(rooms.widgetEvent(requireString(eventId, 'eventId', 36)));
        return null;
      }),
    );

    socket.on(
      'hold',
      acknowledged(app.log, async (payload) => {
        const { eventId, seatIds, holdToken } = requireObject(payload);
        await limitHolds(`socket-hold-ip:${socketLimitKey(socket)}`);
        if (typeof holdToken === 'string') await limitHolds(`socket-hold-token:${holdToken}`);
        const event = await eventOfOrg(eventId);
        if (event.status === 'cancelled')
          throw new AppError(409, 'EVENT_CANCELLED', 'The event was cancelled');
        const token = holdToken === undefined ? undefined : requireString(holdToken, 'holdToken');
        if (token && eventIdOfHold(token) !== event.id)
          throw new AppError(404, 'HOLD_NOT_FOUND', 'Unknown hold token');
        const hold = await holdSeats(
          app.inventory,
          event,
          { seats: requireStrings(seatIds, 'seatIds'), ...(token ? { holdToken: token } : {}) },
          { marker: socket.id },
        );
        track(hold.holdToken, event.id);
        return hold;
      }),
    );

    socket.on(
      'release',
      acknowledged(app.log, async (payload) => {
        const { holdToken, seatIds } = requireObject(payload);
        const token = requireString(holdToken, 'holdToken');
        const event = await eventOfOrg(eventIdOfHold(token));
        const seats = requireStrings(seatIds, 'seatIds');
        const result = await app.inventory.run(
          event.id,
          'release',
          seats.length > 0 ? { token, seats } : { token, all: true },
        );
        if (!result.ok) throw new AppError(404, 'HOLD_NOT_FOUND', 'Unknown hold token');
        return { released: Array.isArray(result.released) ? (result.released as string[]) : [] };
      }),
    );

    socket.on(
      'waitlist:watch',
      acknowledged(app.log, async (payload) => {
        const { bookingId, manageToken } = requireObject(payload);
        const booking = await app.bookingsRepo.find(requireString(bookingId, 'bookingId', 36));
        if (
          !booking ||
          hashManageToken(requireString(manageToken, 'manageToken')) !== booking.manageTokenHash
        ) {
          throw notFound('Booking');
        }
        await socket.join(rooms.booking(booking.id));
        return { position: booking.waitlistPosition ?? 0 };
      }),
    );

    socket.on('disconnect', (reason) => {
      // Our own shutdown is not the attendee leaving: they reconnect elsewhere and keep their holds.
      if (reason === 'server namespace disconnect' || reason === 'server shutting down') return;
      const grace = app.config.SOCKET_HOLD_GRACE_SECONDS * 1_000;
      for (const [token, eventId] of socket.data.holds) {
        // Mark the hold detached now; release it later only if nobody re-attached meanwhile.
        void app.inventory
          .run(eventId, 'detach', { token, marker: socket.id })
          .then(() => {
            const timer = setTimeout(() => {
              graceTimers.delete(timer);
              void app.inventory
                .run(eventId, 'release_detached', { token, marker: socket.id })
                .catch((error) => app.log.warn({ err: error, eventId }, 'could not release a detached hold'));
            }, grace);
            timer.unref();
            graceTimers.add(timer);
          })
          .catch((error) => app.log.warn({ err: error, eventId }, 'could not detach a hold'));
      }
    });
  });

  return {
    close: () => {
      for (const timer of graceTimers) clearTimeout(timer);
      graceTimers.clear();
    },
  };
}
