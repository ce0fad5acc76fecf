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
import { accountsRepository } from '../modules/accounts/repository.js';
import { availabilitySnapshot } from '../modules/events/availability.js';
import { acknowledged, requireObject, requireString } from './ack.js';
import { limitMessages, socketBucket } from './message-limits.js';

/** `/console`: organizers watching events and their organization, with a session token. */
export function registerConsoleNamespace(app: FastifyInstance): void {
  const nsp = app.io.of(CONSOLE_NAMESPACE) as unknown as Namespace<
    ConsoleClientToServer,
    ConsoleServerToClient,
    Record<string, never>,
    { userId: string }
  >;
  const accounts = accountsRepository(app.pg);

  nsp.use((socket, next) => {
    const token = socket.handshake.auth?.token;
    const userId = typeof token === 'string' ? app.verifySessionToken(token) : null;
    if (!userId)
      return next(Object.assign(new Error('UNAUTHENTICATED'), { data: { code: 'UNAUTHENTICATED' } }));
    socket.data.userId = userId;
    next();
  });

  nsp.on('connection', (socket) => {
    // Signed-in organizers: a looser per-socket limit, and none per address (an office shares one).
    limitMessages(socket, { bucket: socketBucket(app.config.CONSOLE_SOCKET_MESSAGES_PER_MINUTE) });
    void socket.join(rooms.user(socket.data.userId));
    async function roleIn(orgId: string): Promise<Role> {
      const role = await accounts.roleOf(socket.data.userId, orgId);
      if (!role) throw notFound('Organization');
      return role;
    }

    socket.on(
      'watch',
      acknowledged(app.log, async (payload) => {
        const eventId = requireString(requireObject(payload).eventId, 'eventId', 36);
        const event = await app.eventsRepo.find(eventId);
        if (!event) throw notFound('Event');
        await roleIn(event.orgId).catch(() => {
          throw notFound('Event');
        });
        await socket.join(rooms.consoleEvent(event.id));
        if (event.status === 'draft') {
          return { eventId: event.id, version: 0, sections: [], seats: {}, waitlistLength: 0 };
        }
        const { holds: _h, ...snapshot } = await availabilitySnapshot(app.inventory, event);
        return snapshot;
      }),
    );

    socket.on(
      'unwatch',
      acknowledged(app.log, async (payload) => {
        await socket.leave(rooms.consoleEvent(requireString(requireObject(payload).eventId, 'eventId', 36)));
        return null;
      }),
    );

    socket.on(
      'org:watch',
      acknowledged(app.log, async (payload) => {
        const orgId = requireString(requireObject(payload).orgId, 'orgId', 36);
        await roleIn(orgId);
        await socket.join(rooms.org(orgId));
        return null;
      }),
    );

    socket.on(
      'org:unwatch',
      acknowledged(app.log, async (payload) => {
        await socket.leave(rooms.org(requireString(requireObject(payload).orgId, 'orgId', 36)));
        return null;
      }),
    );
  });
}
