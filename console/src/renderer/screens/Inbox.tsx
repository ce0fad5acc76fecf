/** In-app notifications, pushed live over the socket (the list refetches on each push). */
import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { type InAppNotification, keys } from '../api/queries.js';
import { useSignedIn } from '../app/session.js';
import { Empty, ErrorNote, formatDateTime, Loading } from '../ui/common.js';

export function InboxScreen() {
  const { api, org } = useSignedIn();
  const id = useId();
  const inbox = useQuery({
    queryKey: keys.notifications(org.id),
    queryFn: () =>
      api
        .get<{ notifications: InAppNotification[] }>(`/orgs/${org.id}/notifications`)
        .then((r) => r.notifications),
  });
  return (
    <section aria-labelledby={`${id}-title`}>
      <header className="screen-header">
        <h1 id={`${id}-title`}>Notifications</h1>
      </header>
      {inbox.isPending && <Loading what="notifications" />}
      {inbox.isError && <ErrorNote error={inbox.error} retry={() => void inbox.refetch()} />}
      {inbox.data?.length === 0 && (
        <Empty title="Nothing yet. New bookings, cancellations and failures show up here." />
      )}
      {inbox.data && inbox.data.length > 0 && (
        <ul className="inbox" data-testid="inbox">
          {inbox.data.map((n) => (
            <li key={n.id} className={n.readAt ? 'read' : 'unread'}>
              <strong>{n.title}</strong> <span className="muted">{formatDateTime(n.createdAt)}</span>
              <p>{n.body}</p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
