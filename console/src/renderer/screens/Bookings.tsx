/** Bookings of an event: search, filter by status, cancel with a reason, history, CSV export. */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState } from 'react';
import { type Booking, type HistoryEntryT, keys, useEvents } from '../api/queries.js';
import { navigate } from '../app/routes.js';
import { useSignedIn } from '../app/session.js';
import { useEventRoom } from '../live/useEventRoom.js';
import { ConfirmButton, Empty, ErrorNote, formatDateTime, Loading } from '../ui/common.js';
import { bookingsCsv } from './csv.js';

const STATUSES = ['', 'confirmed', 'waitlisted', 'offered', 'cancelled', 'expired'] as const;
const PAGE = 50;

export function BookingsScreen({ eventId, q: initialQuery }: { eventId?: string; q?: string }) {
  const events = useEvents();
  const id = useId();
  const chosen = eventId ?? events.data?.find((event) => event.status !== 'draft')?.id;
  return (
    <section aria-labelledby={`${id}-title`}>
      <header className="screen-header">
        <h1 id={`${id}-title`}>Bookings</h1>
        <div className="row">
          <label htmlFor={`${id}-event`}>Event</label>
          <select
            id={`${id}-event`}
            value={chosen ?? ''}
            onChange={(e) => navigate({ screen: 'bookings', eventId: e.target.value })}
          >
            {!chosen && <option value="">—</option>}
            {events.data?.map((event) => (
              <option key={event.id} value={event.id}>
                {event.name}
              </option>
            ))}
          </select>
        </div>
      </header>
      {events.isPending && <Loading what="events" />}
      {events.isError && <ErrorNote error={events.error} retry={() => void events.refetch()} />}
      {events.data && !chosen && <Empty title="No published events yet, so no bookings." />}
      {chosen && <BookingsList key={chosen} eventId={chosen} initialQuery={initialQuery ?? ''} />}
    </section>
  );
}

function BookingsList({ eventId, initialQuery }: { eventId: string; initialQuery: string }) {
  const { api, org } = useSignedIn();
  const queryClient = useQueryClient();
  const id = useId();
  const [text, setText] = useState(initialQuery);
  const [q, setQ] = useState(initialQuery);
  const [status, setStatus] = useState<(typeof STATUSES)[number]>('');
  const [offset, setOffset] = useState(0);
  const [open, setOpen] = useState<string | null>(null);
  const [exportError, setExportError] = useState<unknown>(null);
  useEventRoom(eventId);
  useEffect(() => {
    const timer = setTimeout(() => {
      setQ(text.trim());
      setOffset(0);
    }, 250);
    return () => clearTimeout(timer);
  }, [text]);

  const query = (extra: { limit: number; offset: number }) => {
    const params = new URLSearchParams({ limit: String(extra.limit), offset: String(extra.offset) });
    if (q) params.set('q', q);
    if (status) params.set('status', status);
    return `/events/${eventId}/bookings?${params}`;
  };
  const bookings = useQuery({
    queryKey: keys.bookings(eventId, { q, status, offset }),
    queryFn: () => api.get<{ bookings: Booking[]; total: number }>(query({ limit: PAGE, offset })),
    placeholderData: (previous) => previous,
  });

  const exportCsv = async () => {
    setExportError(null);
    try {
      const all: Booking[] = [];
      for (let from = 0; ; from += 500) {
        const page = await api.get<{ bookings: Booking[]; total: number }>(
          query({ limit: 500, offset: from }),
        );
        all.push(...page.bookings);
        if (page.bookings.length < 500 || all.length >= page.total) break;
      }
      const url = URL.createObjectURL(new Blob([bookingsCsv(all)], { type: 'text/csv' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = `bookings-${eventId}.csv`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      setExportError(error);
    }
  };

  return (
    <>
      <div className="row filters">
        <label htmlFor={`${id}-q`}>Search</label>
        <input
          id={`${id}-q`}
          type="search"
          value={text}
          placeholder="Name, email, seat or booking id"
          onChange={(e) => setText(e.target.value)}
        />
        <label htmlFor={`${id}-status`}>Status</label>
        <select
          id={`${id}-status`}
          value={status}
          onChange={(e) => {
            setStatus(e.target.value as (typeof STATUSES)[number]);
            setOffset(0);
          }}
        >
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s || 'any'}
            </option>
          ))}
        </select>
        <button type="button" onClick={() => void exportCsv()}>
          Export CSV
        </button>
      </div>
      {exportError !== null && <ErrorNote error={exportError} />}
      {bookings.isPending && <Loading what="bookings" />}
      {bookings.isError && <ErrorNote error={bookings.error} retry={() => void bookings.refetch()} />}
      {bookings.data?.bookings.length === 0 && (
        <Empty title={q || status ? 'No bookings match.' : 'No bookings yet.'} />
      )}
      {bookings.data && bookings.data.bookings.length > 0 && (
        <>
          <table className="list" data-testid="bookings">
            <thead>
              <tr>
                <th scope="col">Attendee</th>
                <th scope="col">Status</th>
                <th scope="col">Places</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {bookings.data.bookings.map((booking) => (
                <BookingRow
                  key={booking.id}
                  booking={booking}
                  open={open === booking.id}
                  onToggle={() => setOpen(open === booking.id ? null : booking.id)}
                  canCancel={org.role !== 'viewer'}
                  onCancel={async (reason) => {
                    await api.post(`/bookings/${booking.id}/cancel`, reason ? { reason } : {});
                    await queryClient.invalidateQueries({ queryKey: ['bookings', eventId] });
                    await queryClient.invalidateQueries({ queryKey: keys.waitlist(eventId) });
                    await queryClient.invalidateQueries({ queryKey: keys.history(booking.id) });
                  }}
                />
              ))}
            </tbody>
          </table>
          <div className="row pager">
            <span>
              {offset + 1}–{offset + bookings.data.bookings.length} of {bookings.data.total}
            </span>
            <button
              type="button"
              disabled={offset === 0}
              onClick={() => setOffset(Math.max(0, offset - PAGE))}
            >
              Previous
            </button>
            <button
              type="button"
              disabled={offset + PAGE >= bookings.data.total}
              onClick={() => setOffset(offset + PAGE)}
            >
              Next
            </button>
          </div>
        </>
      )}
    </>
  );
}

function places(booking: Booking): string {
  const general = booking.general.map((g) => `${g.quantity} × ${g.section}`);
  return [...booking.seats, ...general].join(', ') || `${booking.quantity}`;
}

function BookingRow({
  booking,
  open,
  onToggle,
  canCancel,
  onCancel,
}: {
  booking: Booking;
  open: boolean;
  onToggle(): void;
  canCancel: boolean;
  onCancel(reason: string): Promise<void>;
}) {
  const cancellable = ['confirmed', 'waitlisted', 'offered'].includes(booking.status);
  return (
    <>
      <tr data-booking={booking.id}>
        <th scope="row">
          {booking.attendee.name}
          <div className="muted">{booking.attendee.email}</div>
        </th>
        <td>
          <span className={`badge ${booking.status}`}>{booking.status}</span>
          {booking.waitlistPosition !== undefined &&
            booking.status === 'waitlisted' &&
            ` #${booking.waitlistPosition}`}
        </td>
        <td>{places(booking)}</td>
        <td>{formatDateTime(booking.createdAt)}</td>
        <td className="actions">
          <button type="button" aria-expanded={open} onClick={onToggle}>
            History
          </button>
          {canCancel && cancellable && (
            <ConfirmButton
              label="Cancel"
              danger
              question={`Cancel the booking of ${booking.attendee.name}?`}
              reasonLabel="Reason (the attendee sees it)"
              confirmLabel="Cancel booking"
              onConfirm={onCancel}
            />
          )}
        </td>
      </tr>
      {open && (
        <tr>
          <td colSpan={5}>
            <BookingHistory bookingId={booking.id} />
          </td>
        </tr>
      )}
    </>
  );
}

function BookingHistory({ bookingId }: { bookingId: string }) {
  const { api } = useSignedIn();
  const history = useQuery({
    queryKey: keys.history(bookingId),
    queryFn: () =>
      api.get<{ history: HistoryEntryT[] }>(`/bookings/${bookingId}/history`).then((r) => r.history),
  });
  if (history.isPending) return <Loading what="history" />;
  if (history.isError) return <ErrorNote error={history.error} retry={() => void history.refetch()} />;
  return (
    <ol className="history" aria-label="Booking history">
      {history.data.map((entry) => (
        <li key={`${entry.at}-${entry.status}`}>
          {formatDateTime(entry.at)}: <strong>{entry.status}</strong> by {entry.actor}
          {entry.reason ? ` (${entry.reason})` : ''}
        </li>
      ))}
    </ol>
  );
}
