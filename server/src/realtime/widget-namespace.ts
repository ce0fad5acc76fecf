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
import { rateCounter, rateLimited } from '../lib/rate-counter.js';
import { hashManageToken } from '../modules/bookings/manage-links.js';
import { assertSaleOpen, saleInfoOf } from '../modules/events/sale-window.js';
import { eventIdOfHold } from '../modules/holds/routes.js';
import { holdSeats, newHoldToken } from '../modules/holds/service.js';
import { eventIdOfTicket } from '../waiting-room/tickets.js';
import { acknowledged } from './ack.js';
import { AddressAllowances, limitMessages, OpenSockets, socketBucket } from './message-limits.js';
import { widgetPayload } from './payloads.js';
import type { SocketFollowers, WidgetFollower } from './socket-followers.js';

export const MAX_TRACKED_HOLDS = 10;

interface WidgetSocketData {
  orgId: string;
  /** Checked again on every event lookup: a rotated key's grace ends for open sockets too. */
  publishableKey: string;
  /** The client address's limit key (lib/client-address.ts), the same a REST request would get. */
  limitKey: string;
  /** Disconnected for flooding: its holds go as any leaving attendee's do. */
  flooded?: boolean;
}

/**
 * `/widget`: attendees in partner pages. The handshake's publishable key must belong to an
 * organization that allows the page's origin (checked for polling and WebSocket alike).
 */
export function registerWidgetNamespace(
  app: FastifyInstance,
  holdFollowers: SocketFollowers<WidgetFollower>,
): { close: () => void } {
  const nsp = app.io.of(WIDGET_NAMESPACE) as unknown as import('socket.io').Namespace<
    WidgetClientToServer,
    WidgetServerToClient,
    Record<string, never>,
    WidgetSocketData
  >;
  const graceTimers = new Set<NodeJS.Timeout>();
  // The REST limits (per address, per hold token) apply to socket holds too, in the same Redis.
  const holdCounter = rateCounter(app, { max: app.config.HOLD_RATE_LIMIT_PER_MINUTE, windowMs: 60_000 });
  async function limitHolds(key: string): Promise<void> {
    const verdict = await holdCounter(key);
    if (!verdict.allowed) throw rateLimited('Too many hold requests; slow down', verdict.retryAfterSeconds);
  }
  // Every message: the socket's own bucket in this process, then its address's allowance, leased
  // from Redis so it holds across servers without a round trip per message (message-limits.ts).
  const { lease, leasesPerMinute } = AddressAllowances.leaseFor(
    app.config.SOCKET_MESSAGES_PER_ADDRESS_PER_MINUTE,
  );
  const allowances = new AddressAllowances(
    rateCounter(app, { max: leasesPerMinute, windowMs: 60_000 }),
    lease,
  );
  // Open sockets per address on this process: a script cannot hold thousands of rooms open.
  const openSockets = new OpenSockets(app.config.SOCKET_CONNECTIONS_PER_ADDRESS);

  nsp.use(async (socket, next) => {
    try {
      const key = socket.handshake.auth?.publishableKey;
      // A preview key (the console's sandboxed preview, Origin "null") names its organization and
      // is not tied to an origin, like a publishable key used from a server.
      const previewOrg =
        typeof key === 'string' && key.startsWith('pv_') ? app.previewKeys.verify(key) : null;
      const org = previewOrg
        ? { id: previewOrg, allowedOrigins: [] }
        : typeof key === 'string' && key.startsWith('pk_')
          ? await app.orgByPublishableKey(key)
          : null;
      if (!org)
        return next(Object.assign(new Error('UNAUTHENTICATED'), { data: { code: 'UNAUTHENTICATED' } }));
      const origin = socket.handshake.headers.origin;
      if (!previewOrg && origin && !org.allowedOrigins.includes(origin)) {
        const message = `${origin} is not allowed to embed this organization's events`;
        return next(
          Object.assign(new Error('ORIGIN_NOT_ALLOWED'), { data: { code: 'ORIGIN_NOT_ALLOWED', message } }),
        );
      }
      const limitKey = socketLimitKey(socket);
      if (!openSockets.admit(limitKey, socket)) {
        const message = 'Too many open connections from this address';
        return next(Object.assign(new Error('RATE_LIMITED'), { data: { code: 'RATE_LIMITED', message } }));
      }
      socket.data.limitKey = limitKey;
      socket.data.orgId = org.id;
      socket.data.publishableKey = key as string;
      next();
    } catch (error) {
      app.log.error({ err: error }, 'widget handshake failed');
      next(new Error('INTERNAL_ERROR'));
    }
  });

  nsp.on('connection', (socket) => {
    const { limitKey } = socket.data;
    limitMessages(socket, {
      bucket: socketBucket(app.config.SOCKET_MESSAGES_PER_MINUTE),
      address: { allowances, key: limitKey },
      onFlood: () => {
        socket.data.flooded = true;
        app.log.info({ limitKey }, 'widget socket disconnected for flooding');
      },
    });

    /** Whether the key the socket connected with still works (rotated away, or a preview key expired). */
    async function keyStillValid(): Promise<boolean> {
      const key = socket.data.publishableKey;
      if (key.startsWith('pv_')) return app.previewKeys.verify(key) !== null;
      // Cached for 5 s like every key lookup, so this costs nothing on a busy socket.
      return (await app.orgByPublishableKey(key)) !== null;
    }

    async function eventOfOrg(eventId: string): Promise<Event> {
      if (!(await keyStillValid())) {
        // After the answer: the widget reconnects, and the handshake explains the refusal.
        setImmediate(() => socket.disconnect(true));
        throw new AppError(401, 'UNAUTHENTICATED', 'This publishable key is no longer valid');
      }
      const event = await app.findEvent(eventId);
      if (!event || event.orgId !== socket.data.orgId || event.status === 'draft') throw notFound('Event');
      return event;
    }
    /**
     * A hold made or resumed on this socket: told when it expires, released if the socket goes
     * away and does not come back. A page keeps one hold at a time; the followers remember only
     * the latest few (MAX_TRACKED_HOLDS), not every token ever made.
     */
    function track(token: string) {
      holdFollowers.follow(token, socket);
    }

    socket.on(
      'join',
      acknowledged(app.log, async (payload) => {
        const { eventId, holdToken: token } = widgetPayload.join(payload);
        const event = await eventOfOrg(eventId);
        await socket.join(rooms.widgetEvent(event.id));
        if (token?.startsWith(`${event.id}.`)) {
          // A reload or reconnect within the grace period keeps the hold.
          const attached = await app.inventory.run(event.id, 'attach', { token });
          if (attached.ok) track(token);
        }
        // One snapshot per event version however many join (AvailabilityCache); never who holds what.
        const { holds: _h, holders: _holders, ...snapshot } = await app.availability.get(event);
        return { ...snapshot, sale: saleInfoOf(event) };
      }),
    );

    socket.on(
      'leave',
      acknowledged(app.log, async (payload) => {
        const { eventId } = widgetPayload.leave(payload);
        await socket.leave(rooms.widgetEvent(eventId));
        return null;
      }),
    );

    socket.on(
      'hold',
      acknowledged(app.log, async (payload) => {
        const {
          eventId,
          seatIds: seats,
          holdToken: token,
          altcha,
          admissionToken,
        } = widgetPayload.hold(payload);
        await limitHolds(`socket-hold-ip:${limitKey}`);
        if (token) await limitHolds(`socket-hold-token:${token}`);
        const event = await eventOfOrg(eventId);
        if (event.status === 'cancelled')
          throw new AppError(409, 'EVENT_CANCELLED', 'The event was cancelled');
        if (token && eventIdOfHold(token) !== event.id)
          throw new AppError(404, 'HOLD_NOT_FOUND', 'Unknown hold token');
        assertSaleOpen(event);
        // Every widget socket holds with the publishable key: capped per address, like REST.
        const attendee = await app.holdGuard.capFor(event, limitKey, altcha);
        const holdToken = token ?? newHoldToken(event.id);
        const admitted = await app.waitingRoom.admitHold(event, admissionToken, {
          token: holdToken,
          existing: token !== undefined,
        });
        const notify = token ? undefined : await app.holdSubscriptions.notifyFor(event.orgId);
        const hold = await admitted((maxPlaces) =>
          holdSeats(
            app.inventory,
            event,
            { seats, ...(token ? { holdToken: token } : {}) },
            { marker: socket.id, attendee, token: holdToken, notify, maxPlaces },
          ),
        );
        track(hold.holdToken);
        return hold;
      }),
    );

    socket.on(
      'release',
      acknowledged(app.log, async (payload) => {
        const { holdToken: token, seatIds: seats } = widgetPayload.release(payload);
        const event = await eventOfOrg(eventIdOfHold(token));
        const result = await app.inventory.run(
          event.id,
          'release',
          seats.length > 0 ? { token, seats } : { token, all: true },
        );
        if (!result.ok) throw new AppError(404, 'HOLD_NOT_FOUND', 'Unknown hold token');
        return { released: result.released };
      }),
    );

    socket.on(
      'waitlist:watch',
      acknowledged(app.log, async (payload) => {
        const { bookingId, manageToken } = widgetPayload['waitlist:watch'](payload);
        const booking = await app.bookingsRepo.find(bookingId);
        if (!booking || hashManageToken(manageToken) !== booking.manageTokenHash) {
          throw notFound('Booking');
        }
        await socket.join(rooms.booking(booking.id));
        return { position: booking.waitlistPosition ?? 0 };
      }),
    );

    socket.on(
      'queue:follow',
      acknowledged(app.log, async (payload) => {
        const { ticket } = widgetPayload['queue:follow'](payload);
        const eventId = eventIdOfTicket(ticket);
        const event = eventId ? await eventOfOrg(eventId).catch(() => null) : null;
        if (!event) throw new AppError(404, 'QUEUE_TICKET_NOT_FOUND', 'Unknown queue ticket');
        const state = await app.waitingRoom.state(event, ticket);
        // This server pushes the ticket's changes to this socket (waiting-room/ticker.ts); after
        // a reconnect to another server the widget follows again there.
        app.waitingRoomTicker.follow(ticket, socket, state);
        return state;
      }),
    );

    socket.on('disconnect', (reason) => {
      const holds = holdFollowers.keysOf(socket);
      holdFollowers.forget(socket);
      app.waitingRoomTicker.forget(socket);
      // Our own shutdown is not the attendee leaving: they reconnect elsewhere and keep their holds.
      // A flood's disconnect is, though it reads the same.
      const ours = reason === 'server namespace disconnect' || reason === 'server shutting down';
      if (ours && !socket.data.flooded) return;
      const grace = app.config.SOCKET_HOLD_GRACE_SECONDS * 1_000;
      for (const token of holds) {
        // Tracked tokens are the inventory's own hold tokens, so each names its event.
        const eventId = eventIdOfHold(token);
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
