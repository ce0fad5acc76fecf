import { type Booking, CONSOLE_NAMESPACE, type Event, rooms, WIDGET_NAMESPACE } from '@happening/shared';
import fp from 'fastify-plugin';
import type { BookingNews } from '../modules/bookings/booking-news.js';
import { registerConsoleNamespace } from '../realtime/console-namespace.js';
import { SeatFanout } from '../realtime/fanout.js';
import { HolderIds } from '../realtime/holder-ids.js';
import { SocketFollowers, type WidgetFollower } from '../realtime/socket-followers.js';
import { MAX_TRACKED_HOLDS, registerWidgetNamespace } from '../realtime/widget-namespace.js';

/** Coalesced seat updates go out at most this often per event (≈ 20 messages a second). */
const FLUSH_MS = 50;

export interface RealtimePluginOptions {
  /** The booking service's news (given to it by `app.ts`): relayed to consoles and widgets. */
  bookingNews: BookingNews;
}

export default fp<RealtimePluginOptions>(
  async (app, { bookingNews }) => {
    const holderIds = new HolderIds(app.config.TOKEN_SECRET);
    const holdFollowers = new SocketFollowers<WidgetFollower>(MAX_TRACKED_HOLDS);
    const fanout = new SeatFanout(
      app.redis,
      app.io,
      app.findEvent,
      app.bookingsRepo.totals,
      FLUSH_MS,
      app.log,
      holderIds,
      holdFollowers,
      app.availability,
    );
    const widget = registerWidgetNamespace(app, holdFollowers);
    registerConsoleNamespace(app, holderIds);

    // Booking news goes through the Socket.IO adapter, so watchers on every server get it.
    // A booking this request just made has no one in its room (its id has not left the server):
    // skip that broadcast, which through the adapter costs a Redis publish per booking.
    const relayBooking = (event: Event, booking: Booking, created: boolean) => {
      app.io
        .of(CONSOLE_NAMESPACE)
        .to(rooms.consoleEvent(event.id))
        .emit('booking', { eventId: event.id, booking });
      if (booking.status !== 'waitlisted' && !created) {
        app.io
          .of(WIDGET_NAMESPACE)
          .to(rooms.booking(booking.id))
          .emit('waitlist', { bookingId: booking.id, position: 0, status: booking.status });
      }
    };
    const relayWaitlistPositions = (eventId: string) => {
      app.inventory
        .run(eventId, 'wl_positions', { limit: 1_000 })
        .then((result) => {
          const widgetNsp = app.io.of(WIDGET_NAMESPACE);
          result.ids.forEach((bookingId, index) => {
            widgetNsp
              .to(rooms.booking(bookingId))
              .emit('waitlist', { bookingId, position: index + 1, status: 'waitlisted' });
          });
        })
        .catch((error) => app.log.warn({ err: error, eventId }, 'could not send waitlist positions'));
    };
    bookingNews.on('bookingChanged', relayBooking);
    bookingNews.on('waitlistChanged', relayWaitlistPositions);
    app.addHook('onClose', async () => {
      bookingNews.off('bookingChanged', relayBooking);
      bookingNews.off('waitlistChanged', relayWaitlistPositions);
    });

    app.addHook('preClose', async () => {
      widget.close();
      await fanout.close();
    });
  },
  { name: 'realtime', dependencies: ['socketio', 'inventory', 'auth'] },
);
