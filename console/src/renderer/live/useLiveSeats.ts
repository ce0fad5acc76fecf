/**
 * Keeps a `SeatStore` in step with the server: `watch` answers with a snapshot and joins the
 * event's room; `seats` messages are applied in version order; a gap or a reconnect takes a fresh
 * snapshot. Without a socket (still connecting) the REST snapshot fills the map.
 */
import type {
  Availability,
  ConsoleServerToClient,
  CountsMessage,
  EventStats,
  SectionCounts,
} from '@happening/shared';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import type { ApiClient } from '../api/client.js';
import { keys } from '../api/queries.js';
import { platform } from '../app/platform.js';
import { countOf } from '../ui/common.js';
import { summariseBookings, throttledAlerts, throttledInvalidation } from './bursts.js';
import type { ConsoleSocket } from './connection.js';
import type { SeatLayout } from './layout.js';
import { SeatStore } from './seat-store.js';

export interface LiveCounts {
  sections: SectionCounts[];
  waitlistLength: number;
  version: number;
}

export function useLiveSeats(
  eventId: string,
  layout: SeatLayout | null,
  socket: ConsoleSocket | null,
  generation: number,
  api: ApiClient,
  holdTtlSeconds?: number,
) {
  const queryClient = useQueryClient();
  const [counts, setCounts] = useState<LiveCounts | null>(null);
  const [snapshotError, setSnapshotError] = useState<unknown>(null);

  const store = useMemo(() => {
    if (!layout) return null;
    const fetchSnapshot = () => {
      const onSnapshot = (snapshot: Availability) => {
        setSnapshotError(null);
        store.loadSnapshot(snapshot);
        setCounts({
          sections: snapshot.sections,
          waitlistLength: snapshot.waitlistLength,
          version: snapshot.version,
        });
      };
      const viaRest = () =>
        api.get<Availability>(`/events/${eventId}/availability`).then(onSnapshot, setSnapshotError);
      if (socket?.connected) {
        socket.timeout(10_000).emit('watch', { eventId }, (error: Error | null, answer) => {
          if (!error && answer?.ok) onSnapshot(answer.data);
          else if (!error && answer && !answer.ok) setSnapshotError(new Error(answer.error.message));
          else void viaRest();
        });
      } else void viaRest();
    };
    const store: SeatStore = new SeatStore(eventId, layout, fetchSnapshot, holdTtlSeconds);
    return store;
    // The store is rebuilt when the socket changes so its snapshot requests use the live socket.
  }, [eventId, layout, socket, api, holdTtlSeconds]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: generation changes on every reconnect, when the room must be joined again
  useEffect(() => {
    if (!store) return;
    store.resync();
    if (!socket) return;
    const onSeats: ConsoleServerToClient['seats'] = (message) => {
      store.apply(message);
    };
    const onCounts = (message: CountsMessage) => {
      if (message.eventId !== eventId) return;
      setCounts((previous) =>
        previous && previous.version > message.version
          ? previous
          : { sections: message.sections, waitlistLength: message.waitlistLength, version: message.version },
      );
    };
    const onStats = (stats: EventStats) => {
      if (stats.eventId === eventId) queryClient.setQueryData(keys.stats(eventId), stats);
    };
    // An on-sale sends hundreds of these a second: one desktop alert per burst (the first at
    // once, the rest summed up), and the lists refetch at most once a second.
    const alerts = throttledAlerts((alert) => platform.notify(alert), summariseBookings);
    const refetch = throttledInvalidation(queryClient);
    const onBooking: ConsoleServerToClient['booking'] = (message) => {
      if (message.eventId !== eventId) return;
      const { booking } = message;
      if (booking.status === 'confirmed')
        alerts.alert({
          title: 'New booking',
          body: `${booking.attendee.name}: ${booking.seats.join(', ') || countOf(booking.quantity, 'place')}`,
        });
      refetch.invalidate(keys.waitlist(eventId));
      refetch.invalidate(['bookings', eventId]);
    };
    socket.on('seats', onSeats);
    socket.on('counts', onCounts);
    socket.on('stats', onStats);
    socket.on('booking', onBooking);
    return () => {
      alerts.cancel();
      refetch.cancel();
      socket.off('seats', onSeats);
      socket.off('counts', onCounts);
      socket.off('stats', onStats);
      socket.off('booking', onBooking);
      if (socket.connected) socket.emit('unwatch', { eventId });
    };
  }, [store, socket, generation, eventId, queryClient]);

  return { store, counts, snapshotError };
}
