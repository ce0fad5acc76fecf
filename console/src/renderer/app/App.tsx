/** The app shell: sign-in gate, organization switcher, navigation, connection banner, screens. */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { Component, type ReactNode, useEffect, useMemo, useSyncExternalStore } from 'react';
import { ApiError } from '../api/client.js';
import { ConnectionProvider, useConnection } from '../live/connection.js';
import { BookingsScreen } from '../screens/Bookings.js';
import { EventEditorScreen } from '../screens/EventEditor.js';
import { EventsScreen } from '../screens/Events.js';
import { InboxScreen } from '../screens/Inbox.js';
import { KeysScreen } from '../screens/Keys.js';
import { LiveEventScreen } from '../screens/LiveEvent.js';
import { MembersScreen } from '../screens/Members.js';
import { QueuesScreen } from '../screens/Queues.js';
import { SignInScreen } from '../screens/SignIn.js';
import { WebhooksScreen } from '../screens/Webhooks.js';
import { Loading } from '../ui/common.js';
import { ChangePasswordButton } from './ChangePassword.js';
import { NewOrganizationButton } from './NewOrganization.js';
import { platform } from './platform.js';
import { navigate, parseRoute, type Route, routeAfterOrgSwitch, routeHref } from './routes.js';
import { SessionProvider, useSession, useSignedIn } from './session.js';

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 2_000,
        // A 4xx will not fix itself by retrying; a network error might.
        retry: (count, error) =>
          count < 2 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
        refetchOnWindowFocus: true,
      },
    },
  });
}

export function App({ queryClient = createQueryClient() }: { queryClient?: QueryClient }) {
  return (
    <QueryClientProvider client={queryClient}>
      <SessionProvider>
        <Gate />
      </SessionProvider>
    </QueryClientProvider>
  );
}

function Gate() {
  const { status } = useSession();
  if (status === 'loading') return <Loading what="your session" />;
  if (status === 'signed-out') return <SignInScreen />;
  return (
    <ConnectionProvider>
      <Shell />
    </ConnectionProvider>
  );
}

function subscribeToHash(onChange: () => void): () => void {
  addEventListener('hashchange', onChange);
  return () => removeEventListener('hashchange', onChange);
}

/**
 * The route is read from the hash at every render (not only on `hashchange`), so a navigation and a
 * state change made together, as switching organizations does, render once, consistently.
 */
function useRoute(): Route {
  const hash = useSyncExternalStore(subscribeToHash, () => location.hash);
  useEffect(() => platform.onMenuNavigate((screen) => navigate({ screen })), []);
  return useMemo(() => parseRoute(hash), [hash]);
}

interface NavItem {
  route: Route;
  label: string;
  match: Route['screen'][];
  /** Shown only to those who can use it; the server enforces it either way. */
  shown?: (who: { operator: boolean; role: string }) => boolean;
}

const NAV: NavItem[] = [
  { route: { screen: 'events' }, label: 'Events', match: ['events', 'event-new', 'event-edit', 'live'] },
  { route: { screen: 'bookings' }, label: 'Bookings', match: ['bookings'] },
  // The deployment's queues are for operators; an organization's admin sees its failed deliveries.
  { route: { screen: 'queues' }, label: 'Queue stats', match: ['queues'], shown: (who) => who.operator },
  {
    route: { screen: 'queues' },
    label: 'Failed deliveries',
    match: ['queues'],
    shown: (who) => !who.operator && who.role === 'admin',
  },
  { route: { screen: 'members' }, label: 'Members', match: ['members'] },
  { route: { screen: 'keys' }, label: 'Keys and embedding', match: ['keys'] },
  { route: { screen: 'inbox' }, label: 'Notifications', match: ['inbox'] },
  { route: { screen: 'webhooks' }, label: 'Webhooks', match: ['webhooks'] },
];

function Shell() {
  const { session, org, switchOrg, createOrganization, signOut, changePassword, serverUrl } = useSignedIn();
  const route = useRoute();
  // A screen about one of the old organization's events must not stay open for the new one.
  const changeOrg = (orgId: string) => {
    const next = routeAfterOrgSwitch(route);
    if (next !== route) navigate(next);
    switchOrg(orgId);
  };
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Happening</span>
        <label className="org-switcher">
          <span className="visually-hidden">Organization</span>
          <select aria-label="Organization" value={org.id} onChange={(e) => changeOrg(e.target.value)}>
            {session.organizations.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name} ({o.role})
              </option>
            ))}
          </select>
        </label>
        <NewOrganizationButton create={createOrganization} onCreated={(created) => changeOrg(created.id)} />
        <span className="muted server" title="Server">
          {serverUrl}
        </span>
        <span className="user">{session.user.name}</span>
        <ChangePasswordButton change={changePassword} />
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <ConnectionBanner />
      <nav aria-label="Screens" className="sidebar">
        <ul>
          {NAV.filter(
            (item) => !item.shown || item.shown({ operator: session.operator, role: org.role }),
          ).map((item) => (
            <li key={item.label}>
              <a
                href={routeHref(item.route)}
                aria-current={item.match.includes(route.screen) ? 'page' : undefined}
              >
                {item.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        <ScreenErrorBoundary key={`${org.id} ${location.hash}`}>
          <Screen route={route} />
        </ScreenErrorBoundary>
      </main>
    </div>
  );
}

function Screen({ route }: { route: Route }) {
  switch (route.screen) {
    case 'events':
      return <EventsScreen />;
    case 'event-new':
      return <EventEditorScreen />;
    case 'event-edit':
      return <EventEditorScreen key={route.eventId} eventId={route.eventId} />;
    case 'live':
      return <LiveEventScreen key={route.eventId} eventId={route.eventId} />;
    case 'bookings':
      return <BookingsScreen eventId={route.eventId} q={route.q} />;
    case 'queues':
      return <QueuesScreen />;
    case 'members':
      return <MembersScreen />;
    case 'keys':
      return <KeysScreen />;
    case 'inbox':
      return <InboxScreen />;
    case 'webhooks':
      return <WebhooksScreen />;
  }
}

export function ConnectionBanner() {
  const { state, lastError } = useConnection();
  if (state === 'connected') {
    return (
      <p className="banner ok" role="status" data-connection="connected">
        Live
      </p>
    );
  }
  const text =
    state === 'reconnecting'
      ? 'Connection lost. Reconnecting… Live updates are paused; the screen refreshes when it is back.'
      : state === 'connecting'
        ? 'Connecting for live updates…'
        : 'Offline.';
  return (
    <p className="banner warn" role="status" data-connection={state}>
      {text}
      {lastError ? ` (${lastError})` : ''}
    </p>
  );
}

/** A screen that throws shows what happened and how to recover, instead of blanking the app. */
class ScreenErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="error" role="alert">
        <p>This screen failed: {this.state.error.message}</p>
        <p>Other screens still work; reloading usually fixes this one.</p>
        <button type="button" onClick={() => location.reload()}>
          Reload
        </button>
      </div>
    );
  }
}
