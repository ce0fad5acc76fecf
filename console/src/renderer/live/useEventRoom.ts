/**
 * Joins an event's console room for screens other than the live map (the bookings list), so new,
 * cancelled and promoted bookings refresh the list as they happen.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { keys } from '../api/queries.js';
import { throttledInvalidation } from './bursts.js';
import { useConnection } from './connection.js';

export function useEventRoom(eventId: string): void {
  const { socket, generation } = useConnection();
  const queryClient = useQueryClient();
  // generation changes on every reconnect, when the room must be joined again.
  useEffect(() => {
    if (!socket || generation === 0) return;
    socket.emit('watch', { eventId }, () => {});
    // An on-sale sends hundreds of these a second: the lists refetch at most once a second.
    const refetch = throttledInvalidation(queryClient);
    const onBooking = (message: { eventId: string }) => {
      if (message.eventId !== eventId) return;
      refetch.invalidate(['bookings', eventId]);
      refetch.invalidate(keys.waitlist(eventId));
    };
    socket.on('booking', onBooking);
    return () => {
      refetch.cancel();
      socket.off('booking', onBooking);
      if (socket.connected) socket.emit('unwatch', { eventId });
    };
  }, [socket, generation, eventId, queryClient]);
}
