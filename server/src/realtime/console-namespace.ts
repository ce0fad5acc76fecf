import {
  CONSOLE_NAMESPACE,
  type ConsoleClientToServer,
  type ConsoleServerToClient,
  type Role,
  rooms,
} from '@happening/shared';
import type { FastifyInstance } from 'fastify';
import type { Namespace } from 'socket.io';
import { notFound } from '../lib/errors.js';
import { availabilitySnapshot } from '../modules/events/availability.js';
import { OPERATORS_ROOM } from '../modules/ops/operators.js';
import { acknowledged } from './ack.js';
import { ConsoleWatchMarks } from './console-watch.js';
import type { HolderIds } from './holder-ids.js';
import { limitMessages, socketBucket } from './message-limits.js';
import { consolePayload } from './payloads.js';
import { atExpiry, sessionRoom } from './session-sockets.js';

/**
 * `/console`: organizers watching events and their organization, with a session token. What a
 * console receives names holds by holder id only (`holderIds`), for every role.
 */
export function registerConsoleNamespace(app: FastifyInstance, holderIds: HolderIds): void {
  const nsp = app.io.of(CONSOLE_NAMESPACE) as unknown as Namespace<
    ConsoleClientToServer,
    ConsoleServerToClient,
    Record<string, never>,
    { userId: string; sessionId: string; expiresAt: number }
  >;
  const accounts = app.accountsRepo;
  const sessions = app.sessionsRepo;
  const watchMarks = new ConsoleWatchMarks(
    app.redis,
    nsp as unknown as Namespace,
    app.config.CONSOLE_WATCH_TTL_MS,
    app.log,
  );
  app.addHook('onClose', async () => watchMarks.stop());

  const unauthenticated = () =>
    Object.assign(new Error('UNAUTHENTICATED'), { data: { code: 'UNAUTHENTICATED' } });

  nsp.use((socket, next) => {
    const token = socket.handshake.auth?.token;
    if (typeof token !== 'string') return next(unauthenticated());
    app.verifySessionToken(token).then(
      (session) => {
        if (!session) return next(unauthenticated());
        socket.data.userId = session.userId;
        socket.data.sessionId = session.sessionId;
        socket.data.expiresAt = session.expiresAt;
        next();
      },
      (error: unknown) => {
        app.log.warn({ err: error }, 'could not check a console session');
        next(Object.assign(new Error('SERVICE_UNAVAILABLE'), { data: { code: 'SERVICE_UNAVAILABLE' } }));
      },
    );
  });

  nsp.on('connection', (socket) => {
    // Signed-in organizers: a looser per-socket limit, and none per address (an office shares one).
    limitMessages(socket, { bucket: socketBucket(app.config.CONSOLE_SOCKET_MESSAGES_PER_MINUTE) });
    const { userId, sessionId, expiresAt } = socket.data;
    void socket.join([rooms.user(userId), sessionRoom(sessionId)]);
    // The socket lives no longer than its token.
    const cancelExpiry = atExpiry(expiresAt, () => socket.disconnect(true));
    socket.on('disconnect', cancelExpiry);
    // A sign-out that committed between the check above and joining the session's room found no
    // socket to drop: look once more now that the room is joined (a later sign-out finds it there).
    sessions.isLive(sessionId, userId).then(
      (live) => {
        if (!live) socket.disconnect(true);
      },
      () => {},
    );
    // Deployment-wide queue stats go to operators only (ops/routes.ts pushes to this room).
    app.operators
      .isOperator(socket.data.userId)
      .then((operator) => (operator ? socket.join(OPERATORS_ROOM) : undefined))
      .catch((error) => app.log.warn({ err: error }, 'could not tell whether a console is an operator'));
    async function roleIn(orgId: string): Promise<Role> {
      const role = await accounts.roleOf(socket.data.userId, orgId);
      if (!role) throw notFound('Organization');
      return role;
    }

    socket.on(
      'watch',
      acknowledged(app.log, async (payload) => {
        const { eventId } = consolePayload.watch(payload);
        const event = await app.eventsRepo.find(eventId);
        if (!event) throw notFound('Event');
        await roleIn(event.orgId).catch(() => {
          throw notFound('Event');
        });
        // Marked before joining: booking news committed from here on is sent (console-watch.ts).
        // Without Redis the seat map still works; the next refresh marks it.
        await watchMarks.mark(event.id).catch((error: unknown) => {
          app.log.warn(
            { err: error, eventId: event.id },
            'could not mark a console watch; retried by the refresh',
          );
        });
        await socket.join(rooms.consoleEvent(event.id));
        if (event.status === 'draft') {
          return { eventId: event.id, version: 0, sections: [], seats: {}, waitlistLength: 0 };
        }
        const { holds: _h, ...snapshot } = await availabilitySnapshot(app.inventory, event, {
          holderIdOf: (token) => holderIds.of(token),
        });
        return snapshot;
      }),
    );

    socket.on(
      'unwatch',
      acknowledged(app.log, async (payload) => {
        await socket.leave(rooms.consoleEvent(consolePayload.unwatch(payload).eventId));
        return null;
      }),
    );

    socket.on(
      'org:watch',
      acknowledged(app.log, async (payload) => {
        const { orgId } = consolePayload['org:watch'](payload);
        await roleIn(orgId);
        await socket.join(rooms.org(orgId));
        return null;
      }),
    );

    socket.on(
      'org:unwatch',
      acknowledged(app.log, async (payload) => {
        await socket.leave(rooms.org(consolePayload['org:unwatch'](payload).orgId));
        return null;
      }),
    );
  });
}
