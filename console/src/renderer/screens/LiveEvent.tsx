/**
 * The live event view: what is happening now. The seat map, counters, sales and holds over time,
 * the waitlist in order, and the actions an organizer takes mid on-sale (block seats, cancel).
 */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { type Event, keys, useEvent, useEventStats, useWaitlist } from '../api/queries.js';
import { navigate, routeHref } from '../app/routes.js';
import { useSignedIn } from '../app/session.js';
import { useConnection } from '../live/connection.js';
import { LiveSeatMap } from '../live/LiveSeatMap.js';
import { layoutSeatMap } from '../live/layout.js';
import { useLiveSeats } from '../live/useLiveSeats.js';
import { WaitingRoomPanel } from '../live/WaitingRoomPanel.js';
import {
  ConfirmButton,
  countOf,
  Empty,
  ErrorNote,
  formatDateTime,
  LineChart,
  Loading,
  type SeriesPoint,
} from '../ui/common.js';

const MAX_POINTS = 360;

export function LiveEventScreen({ eventId }: { eventId: string }) {
  const event = useEvent(eventId);
  if (event.isPending) return <Loading what="the event" />;
  if (event.isError) return <ErrorNote error={event.error} retry={() => void event.refetch()} />;
  return <LiveEvent event={event.data} />;
}

function LiveEvent({ event }: { event: Event }) {
  const { api, org } = useSignedIn();
  const queryClient = useQueryClient();
  const { socket, generation } = useConnection();
  const layout = useMemo(() => layoutSeatMap(event.seatMap), [event.seatMap]);
  const { store, counts, snapshotError } = useLiveSeats(
    event.id,
    layout,
    socket,
    generation,
    api,
    event.holdTtlSeconds,
  );
  const stats = useEventStats(event.id);
  const waitlist = useWaitlist(event.id);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [focusRequest, setFocusRequest] = useState<{ seat: number; at: number } | null>(null);
  const [find, setFind] = useState('');
  const [actionError, setActionError] = useState<unknown>(null);
  const id = useId();
  const canAct = org.role !== 'viewer';

  // Stats are pushed live; poll gently as well so charts move when no socket is up.
  useEffect(() => {
    const timer = setInterval(
      () => void queryClient.invalidateQueries({ queryKey: keys.stats(event.id) }),
      5_000,
    );
    return () => clearInterval(timer);
  }, [queryClient, event.id]);

  // Waitlist changes show up in the counts; refetch the list when its length moves.
  const waitlistLength = counts?.waitlistLength;
  useEffect(() => {
    if (waitlistLength !== undefined)
      void queryClient.invalidateQueries({ queryKey: keys.waitlist(event.id) });
  }, [waitlistLength, queryClient, event.id]);

  const selectedIds = [...selected].map((i) => layout.ids[i]!);
  const seatAction = async (action: 'block' | 'unblock') => {
    setActionError(null);
    try {
      await api.post(`/events/${event.id}/seats/${action}`, { seats: selectedIds });
      setSelected(new Set());
    } catch (error) {
      setActionError(error);
    }
  };

  const totals = (counts?.sections ?? []).reduce(
    (sum, s) => ({
      capacity: sum.capacity + s.capacity,
      available: sum.available + s.available,
      held: sum.held + s.held,
      booked: sum.booked + s.booked,
      blocked: sum.blocked + s.blocked,
    }),
    { capacity: 0, available: 0, held: 0, booked: 0, blocked: 0 },
  );

  const series = useTimeSeries(counts ? { sold: totals.booked, held: totals.held } : null);

  return (
    <section aria-labelledby={`${id}-title`} className="live">
      <header className="screen-header">
        <div>
          <h1 id={`${id}-title`}>{event.name}</h1>
          <p className="muted">
            {event.venue} · {formatDateTime(event.startsAt)} ·{' '}
            <span className={`badge ${event.status}`}>{event.status.replace('_', ' ')}</span>
          </p>
        </div>
        <div className="actions">
          <a className="button" href={routeHref({ screen: 'bookings', eventId: event.id })}>
            Bookings
          </a>
          {event.status === 'draft' && (
            <a className="button" href={routeHref({ screen: 'event-edit', eventId: event.id })}>
              Edit
            </a>
          )}
          {canAct && event.status === 'on_sale' && (
            <ConfirmButton
              label="Cancel event"
              danger
              question={`Cancel “${event.name}”? Every booking and waitlist entry is cancelled and each attendee is told.`}
              confirmLabel="Cancel the event"
              onConfirm={async () => {
                await api.post(`/events/${event.id}/cancel`);
                await queryClient.invalidateQueries({ queryKey: keys.event(event.id) });
                await queryClient.invalidateQueries({ queryKey: keys.events(org.id) });
                navigate({ screen: 'events' });
              }}
            />
          )}
        </div>
      </header>

      <dl className="counters" aria-label="Live counters">
        <div>
          <dt>Sold</dt>
          <dd data-testid="count-booked">{counts ? totals.booked : '–'}</dd>
        </div>
        <div>
          <dt>Held</dt>
          <dd data-testid="count-held">{counts ? totals.held : '–'}</dd>
        </div>
        <div>
          <dt>Available</dt>
          <dd data-testid="count-available">{counts ? totals.available : '–'}</dd>
        </div>
        <div>
          <dt>Blocked</dt>
          <dd data-testid="count-blocked">{counts ? totals.blocked : '–'}</dd>
        </div>
        <div>
          <dt>Active holds</dt>
          <dd>{stats.data?.activeHolds ?? '–'}</dd>
        </div>
        <div>
          <dt>Waitlist</dt>
          <dd data-testid="count-waitlist">{counts?.waitlistLength ?? '–'}</dd>
        </div>
      </dl>

      {snapshotError !== null && <ErrorNote error={snapshotError} retry={() => store?.resync()} />}

      {event.status !== 'draft' && (
        <WaitingRoomPanel event={event} socket={socket} generation={generation} canAct={canAct} />
      )}

      <div className="live-grid">
        <div>
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              const seat = layout.index.get(find.trim());
              if (seat === undefined)
                setActionError(
                  new Error(
                    `No seat “${find}” on this map. Seat ids look like ${layout.ids[0] ?? 'orch-A-1'}.`,
                  ),
                );
              else {
                setActionError(null);
                setFocusRequest({ seat, at: Date.now() });
              }
            }}
          >
            <label htmlFor={`${id}-find`}>Find seat</label>
            <input
              id={`${id}-find`}
              value={find}
              placeholder={layout.ids[0]}
              onChange={(e) => setFind(e.target.value)}
            />
            <button type="submit">Show</button>
          </form>
          {store && layout.ids.length > 0 ? (
            <LiveSeatMap
              layout={layout}
              store={store}
              selected={selected}
              focusRequest={focusRequest}
              onToggleSelect={(seat) =>
                setSelected((previous) => {
                  const next = new Set(previous);
                  if (next.has(seat)) next.delete(seat);
                  else next.add(seat);
                  return next;
                })
              }
            />
          ) : (
            <Empty title="This event has standing sections only." />
          )}
          {canAct && (
            <div className="actions selection" aria-live="polite">
              <span>
                {selected.size === 0
                  ? 'Click seats (or press Space) to select them.'
                  : `${countOf(selected.size, 'seat')} selected.`}
              </span>
              <button type="button" disabled={selected.size === 0} onClick={() => void seatAction('block')}>
                Block
              </button>
              <button type="button" disabled={selected.size === 0} onClick={() => void seatAction('unblock')}>
                Unblock
              </button>
              <button type="button" disabled={selected.size === 0} onClick={() => setSelected(new Set())}>
                Clear selection
              </button>
            </div>
          )}
          {actionError !== null && <ErrorNote error={actionError} />}
        </div>
        <aside>
          <LineChart
            title="Seats sold and held"
            series={[
              { name: 'Sold', colour: '#3b5bdb', points: series.sold ?? [] },
              { name: 'Held', colour: '#b07300', points: series.held ?? [] },
            ]}
          />
          <section aria-labelledby={`${id}-waitlist`}>
            <h2 id={`${id}-waitlist`}>Waitlist</h2>
            {waitlist.isPending && <Loading what="the waitlist" />}
            {waitlist.isError && <ErrorNote error={waitlist.error} retry={() => void waitlist.refetch()} />}
            {waitlist.data?.length === 0 && <p className="muted">Nobody is waiting.</p>}
            {waitlist.data && waitlist.data.length > 0 && (
              <ol className="waitlist" data-testid="waitlist">
                {waitlist.data.map((entry) => (
                  <li key={entry.bookingId}>
                    <strong>{entry.attendee.name}</strong> · party of {entry.quantity}
                    {entry.section ? ` · ${entry.section}` : ''}
                  </li>
                ))}
              </ol>
            )}
          </section>
          {counts && counts.sections.length > 0 && (
            <table className="list compact">
              <caption>By section</caption>
              <thead>
                <tr>
                  <th scope="col">Section</th>
                  <th scope="col" className="num">
                    Sold
                  </th>
                  <th scope="col" className="num">
                    Held
                  </th>
                  <th scope="col" className="num">
                    Free
                  </th>
                </tr>
              </thead>
              <tbody>
                {counts.sections.map((section) => (
                  <tr key={section.id}>
                    <th scope="row">
                      {event.seatMap.sections.find((candidate) => candidate.id === section.id)?.label ??
                        section.id}
                    </th>
                    <td className="num">{section.booked}</td>
                    <td className="num">{section.held}</td>
                    <td className="num">{section.available}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </aside>
      </div>
    </section>
  );
}

/**
 * Samples live values into time series: at every change, and every two seconds so that a quiet
 * period shows as a flat line rather than a gap.
 */
function useTimeSeries<K extends string>(
  current: Record<K, number> | null,
): Partial<Record<K, SeriesPoint[]>> {
  const latest = useRef(current);
  latest.current = current;
  const [series, setSeries] = useState<Record<string, SeriesPoint[]>>({});
  const sample = useRef(() => {
    const values = latest.current;
    if (!values) return;
    const t = Date.now();
    setSeries((previous) => {
      const next: Record<string, SeriesPoint[]> = {};
      for (const [name, value] of Object.entries(values) as [string, number][])
        next[name] = [...(previous[name] ?? []), { t, value }].slice(-MAX_POINTS);
      return next;
    });
  });
  const signature = current ? Object.values(current).join(',') : '';
  // biome-ignore lint/correctness/useExhaustiveDependencies: sample again whenever a value changes
  useEffect(() => sample.current(), [signature]);
  useEffect(() => {
    const timer = setInterval(() => sample.current(), 2_000);
    return () => clearInterval(timer);
  }, []);
  return series as Partial<Record<K, SeriesPoint[]>>;
}
