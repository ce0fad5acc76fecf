import { type Event, isUuid } from '@happening/shared';
import fp from 'fastify-plugin';
import { Inventory } from '../inventory/inventory.js';
import { Sweeper } from '../inventory/sweeper.js';
import type { BookingNews } from '../modules/bookings/booking-news.js';
import { ManageLinks } from '../modules/bookings/manage-links.js';
import { BookingService } from '../modules/bookings/service.js';
import { AvailabilityCache } from '../modules/events/availability-cache.js';
import { HoldNotices } from '../notifications/hold-notices.js';
import { HoldSubscriptions } from '../notifications/hold-subscriptions.js';
import { HolderIds } from '../realtime/holder-ids.js';

declare module 'fastify' {
  interface FastifyInstance {
    inventory: Inventory;
    bookingService: BookingService;
    sweeper: Sweeper;
    /** Availability snapshots per event version (widget `join`, `GET /events/:id/availability`). */
    availability: AvailabilityCache;
    /** An event by id; on-sale events are cached for a few seconds because they sit on the hold path. */
    findEvent: (id: string) => Promise<Event | null>;
    /** Which hold events a new hold of an organization queues (its endpoints' subscriptions). */
    holdSubscriptions: HoldSubscriptions;
    /** Drops this server's cached copy after a change (the sale controls); others see it within the cache's life. */
    forgetEvent: (id: string) => void;
  }
}

const CACHE_MS = 3_000;

export interface InventoryPluginOptions {
  /** Told of every booking change; the realtime plugin listens to the same instance. */
  bookingNews: BookingNews;
}

export default fp<InventoryPluginOptions>(
  async (app, { bookingNews }) => {
    const overAfterMs = app.config.EVENT_OVER_AFTER_HOURS * 3_600_000;
    const inventory = new Inventory(app.redis, app.pg, app.log, overAfterMs);
    const events = app.eventsRepo;
    const bookings = app.bookingsRepo;
    const links = new ManageLinks(app.config.TOKEN_SECRET, app.config.PUBLIC_URL);
    const service = new BookingService(app.pg, inventory, events, bookings, links, app.log, bookingNews);
    const sweeper = new Sweeper(
      inventory,
      app.pg,
      service,
      {
        intervalMs: app.config.HOLD_SWEEP_INTERVAL_MS,
        idleMs: app.config.INVENTORY_IDLE_SECONDS * 1_000,
        overAfterMs,
      },
      app.log,
    );
    inventory.onExpired((eventId, expired) => {
      for (const hold of expired) if (hold.offer) sweeper.offerExpired(eventId, hold.offer);
    });

    // Only on-sale events are cached: a draft must be seen as published the moment it is.
    const cache = new Map<string, { at: number; event: Event }>();
    app.decorate('findEvent', async (id: string) => {
      // Only real ids reach the cache and PostgreSQL: anything else is no event at all.
      if (!isUuid(id)) return null;
      const hit = cache.get(id);
      if (hit && Date.now() - hit.at < CACHE_MS) return hit.event;
      const event = await events.find(id);
      if (event?.status === 'on_sale') {
        if (cache.size > 5_000) cache.clear();
        cache.set(id, { at: Date.now(), event });
      } else {
        cache.delete(id);
      }
      return event;
    });

    // Hold events for partners: queued by the inventory script, moved into the outbox here.
    const holderIds = new HolderIds(app.config.TOKEN_SECRET);
    const holdNotices = new HoldNotices(
      app.redis,
      app.pg,
      (id) => app.findEvent(id),
      (token) => holderIds.of(token),
      app.log,
    );
    inventory.onNotices((eventId) => void holdNotices.drain(eventId));
    const holdSubscriptions = new HoldSubscriptions(
      (orgId) => app.webhookEndpointsRepo.holdTypesSubscribed(orgId),
      app.config.HOLD_EXPIRING_LEAD_SECONDS * 1_000,
    );
    app.decorate('forgetEvent', (id: string) => {
      cache.delete(id);
    });

    // Fed with changes by the fan-out too (plugins/realtime.ts), which also says when it follows them.
    const availability = new AvailabilityCache(inventory, app.config.AVAILABILITY_CACHE_MS);
    inventory.onVersion((eventId, version) => availability.versionSeen(eventId, version));

    app.decorate('inventory', inventory);
    app.decorate('availability', availability);
    app.decorate('bookingService', service);
    app.decorate('sweeper', sweeper);
    app.decorate('holdSubscriptions', holdSubscriptions);
    app.addHook('onReady', async () => sweeper.start());
    app.addHook('preClose', async () => sweeper.stop());
  },
  { name: 'inventory', dependencies: ['config', 'postgres', 'redis', 'repositories'] },
);
