/** What the organizer needs about one seat: status, hold expiry, booking and attendee. */
import type { Booking } from '@happening/shared';
import { useQuery } from '@tanstack/react-query';
import { routeHref } from '../app/routes.js';
import { useSession } from '../app/session.js';
import { countOf, useNow } from '../ui/common.js';
import type { SeatLayout } from './layout.js';
import type { SeatStore } from './seat-store.js';

export function SeatDetailsPanel({
  layout,
  store,
  seat,
  selected,
}: {
  layout: SeatLayout;
  store: SeatStore;
  seat: number;
  selected: boolean;
}) {
  // Re-render every second for the countdown; read the clock itself so it is never behind.
  useNow(1_000);
  const now = Date.now();
  const details = seat >= 0 ? store.seatDetails(seat) : null;
  const booking = useBooking(details?.status === 'booked' ? details.bookingId : undefined);
  if (seat < 0 || !details) {
    return (
      <div id="seat-details" className="seat-details" aria-live="polite">
        Point at a seat, or focus the map and use the arrow keys, to see its details.
      </div>
    );
  }
  const section = layout.sections[layout.section[seat]!];
  const expiresIn = details.holdExpiresAt
    ? Math.max(0, Math.round((Date.parse(details.holdExpiresAt) - now) / 1000))
    : null;
  return (
    <div id="seat-details" className="seat-details" aria-live="polite" data-testid="seat-details">
      <strong>
        {section?.label} · row {layout.row[seat]} · seat {layout.n[seat]}
      </strong>{' '}
      <span className="muted">({layout.ids[seat]})</span>
      <dl>
        <dt>Status</dt>
        <dd data-testid="seat-status">{details.status}</dd>
        {expiresIn !== null && details.status === 'held' && (
          <>
            <dt>Hold expires</dt>
            <dd>
              in {details.expiryEstimated ? 'about ' : ''}
              {expiresIn} s
            </dd>
          </>
        )}
        {details.holderId && details.status === 'held' && (
          <>
            <dt>Holder</dt>
            {/* The id groups one attendee's seats; it is no hold token and cannot act on the hold. */}
            <dd data-testid="seat-holder">
              {details.holderId.slice(3, 9)} · {countOf(store.seatsHeldBy(details.holderId), 'seat')} in this
              hold
            </dd>
          </>
        )}
        {(details.attendeeName || booking) && (
          <>
            <dt>Attendee</dt>
            <dd data-testid="seat-attendee">
              {booking ? `${booking.attendee.name} <${booking.attendee.email}>` : details.attendeeName}
            </dd>
          </>
        )}
        {details.bookingId && (
          <>
            <dt>Booking</dt>
            <dd>
              <a href={routeHref({ screen: 'bookings', eventId: store.eventId, q: details.bookingId })}>
                {details.bookingId.slice(0, 8)}
              </a>
            </dd>
          </>
        )}
        {details.reason && (
          <>
            <dt>Reason</dt>
            <dd>{details.reason}</dd>
          </>
        )}
      </dl>
      {selected && <p className="muted">Selected for blocking.</p>}
    </div>
  );
}

/** Seat changes name the booking, not the attendee: the booking itself says who it is for. */
function useBooking(bookingId: string | undefined): Booking | undefined {
  const { api } = useSession();
  return useQuery({
    queryKey: ['booking', bookingId],
    queryFn: () => api.get<{ booking: Booking }>(`/bookings/${bookingId}`).then((r) => r.booking),
    enabled: bookingId !== undefined,
    staleTime: 60_000,
  }).data;
}
