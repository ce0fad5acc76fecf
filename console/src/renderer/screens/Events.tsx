/** Events of the organization with their sales at a glance. */
import { useQueries } from '@tanstack/react-query';
import { type Availability, keys, useEvents } from '../api/queries.js';
import { routeHref } from '../app/routes.js';
import { useSignedIn } from '../app/session.js';
import { Empty, ErrorNote, formatDateTime, Loading } from '../ui/common.js';

const STATUS_LABEL = { draft: 'Draft', on_sale: 'On sale', cancelled: 'Cancelled' } as const;

function totals(availability: Availability | undefined) {
  if (!availability) return null;
  const sum = { available: 0, held: 0, booked: 0, blocked: 0 };
  for (const section of availability.sections) {
    sum.available += section.available;
    sum.held += section.held;
    sum.booked += section.booked;
    sum.blocked += section.blocked;
  }
  return { ...sum, waitlist: availability.waitlistLength };
}

export function EventsScreen() {
  const { api, org } = useSignedIn();
  const events = useEvents();
  const published = (events.data ?? []).filter((event) => event.status !== 'draft');
  const availability = useQueries({
    queries: published.map((event) => ({
      queryKey: keys.availability(event.id),
      queryFn: () => api.get<Availability>(`/events/${event.id}/availability`),
      staleTime: 5_000,
    })),
  });
  const byId = new Map(published.map((event, i) => [event.id, availability[i]?.data]));
  const canEdit = org.role !== 'viewer';

  return (
    <section aria-labelledby="events-title">
      <header className="screen-header">
        <h1 id="events-title">Events</h1>
        {canEdit && (
          <a className="button primary" href={routeHref({ screen: 'event-new' })}>
            New event
          </a>
        )}
      </header>
      {events.isPending && <Loading what="events" />}
      {events.isError && <ErrorNote error={events.error} retry={() => void events.refetch()} />}
      {events.data?.length === 0 && (
        <Empty title="No events yet.">
          <p>
            {canEdit
              ? 'Create one with “New event”: draw its seat map, set prices, then publish it.'
              : 'Ask an organizer to create one.'}
          </p>
        </Empty>
      )}
      {events.data && events.data.length > 0 && (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Starts</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">
                Sold
              </th>
              <th scope="col" className="num">
                Held
              </th>
              <th scope="col" className="num">
                Available
              </th>
              <th scope="col" className="num">
                Waitlist
              </th>
            </tr>
          </thead>
          <tbody>
            {events.data.map((event) => {
              const t = totals(byId.get(event.id));
              return (
                <tr key={event.id}>
                  <th scope="row">
                    <a
                      href={routeHref(
                        event.status === 'draft'
                          ? { screen: 'event-edit', eventId: event.id }
                          : { screen: 'live', eventId: event.id },
                      )}
                    >
                      {event.name}
                    </a>
                    <div className="muted">{event.venue}</div>
                  </th>
                  <td>{formatDateTime(event.startsAt)}</td>
                  <td>
                    <span className={`badge ${event.status}`}>{STATUS_LABEL[event.status]}</span>
                  </td>
                  <td className="num">{t?.booked ?? '–'}</td>
                  <td className="num">{t?.held ?? '–'}</td>
                  <td className="num">{t ? t.available : event.status === 'draft' ? event.capacity : '–'}</td>
                  <td className="num">{t?.waitlist ?? '–'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
