import fp from 'fastify-plugin';
import { type AccountsRepository, accountsRepository } from '../modules/accounts/repository.js';
import { type SessionsRepository, sessionsRepository } from '../modules/accounts/sessions.js';
import { type BookingsRepository, bookingsRepository } from '../modules/bookings/repository.js';
import { type EventsRepository, eventsRepository } from '../modules/events/repository.js';
import { type InvitationsRepository, invitationsRepository } from '../modules/invitations/repository.js';
import { type OrganizationsRepository, organizationsRepository } from '../modules/orgs/repository.js';
import {
  type WebhookEndpointsRepository,
  webhookEndpointsRepository,
} from '../modules/webhooks/repository.js';
import { type NotificationsRepository, notificationsRepository } from '../notifications/repository.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Users, passwords and memberships. */
    accountsRepo: AccountsRepository;
    /** Session rows: a token is good while its row lives. */
    sessionsRepo: SessionsRepository;
    /** An organization's members, keys and allowed origins. */
    organizationsRepo: OrganizationsRepository;
    invitationsRepo: InvitationsRepository;
    eventsRepo: EventsRepository;
    bookingsRepo: BookingsRepository;
    webhookEndpointsRepo: WebhookEndpointsRepository;
    /** Deliveries, outbox state and the in-app inbox. */
    notificationsRepo: NotificationsRepository;
    /**
     * The same repositories on `app.pgRead` (a replica when `DATABASE_READ_URL` is set), for reads
     * a person looks at and that may lag a moment: console lists, booking totals, deliveries.
     * Never for a read that decides something; those use the repositories above.
     */
    staleReads: {
      bookings: BookingsRepository;
      events: EventsRepository;
      notifications: NotificationsRepository;
    };
  }
}

/**
 * Every module's SQL lives in its repository, and each repository is built here once on the pool:
 * routes, plugins, sockets and services use these decorations (or take them at construction) and
 * hold no SQL themselves. A method's optional last argument runs it inside the caller's transaction.
 */
export default fp(
  async (app) => {
    app.decorate('accountsRepo', accountsRepository(app.pg));
    app.decorate('sessionsRepo', sessionsRepository(app.pg));
    app.decorate('organizationsRepo', organizationsRepository(app.pg));
    app.decorate('invitationsRepo', invitationsRepository(app.pg));
    app.decorate('eventsRepo', eventsRepository(app.pg));
    app.decorate('bookingsRepo', bookingsRepository(app.pg));
    app.decorate('webhookEndpointsRepo', webhookEndpointsRepository(app.pg));
    app.decorate('notificationsRepo', notificationsRepository(app.pg));
    app.decorate('staleReads', {
      bookings: bookingsRepository(app.pgRead),
      events: eventsRepository(app.pgRead),
      notifications: notificationsRepository(app.pgRead),
    });
  },
  { name: 'repositories', dependencies: ['postgres'] },
);
