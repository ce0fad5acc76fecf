/** Screens addressed by the URL hash, so reloads and the back button keep the organizer's place. */
export type Route =
  | { screen: 'events' }
  | { screen: 'event-new' }
  | { screen: 'event-edit'; eventId: string }
  | { screen: 'live'; eventId: string }
  | { screen: 'bookings'; eventId?: string; q?: string }
  | { screen: 'queues' }
  | { screen: 'members' }
  | { screen: 'keys' }
  | { screen: 'inbox' }
  | { screen: 'webhooks' };

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  const params = new URLSearchParams(query);
  switch (parts[0]) {
    case 'events':
      if (parts[1] === 'new') return { screen: 'event-new' };
      if (parts[1] && parts[2] === 'edit') return { screen: 'event-edit', eventId: parts[1] };
      if (parts[1]) return { screen: 'live', eventId: parts[1] };
      return { screen: 'events' };
    case 'bookings': {
      const eventId = params.get('event');
      const q = params.get('q');
      return { screen: 'bookings', ...(eventId ? { eventId } : {}), ...(q ? { q } : {}) };
    }
    case 'queues':
    case 'members':
    case 'keys':
    case 'inbox':
    case 'webhooks':
      return { screen: parts[0] };
    default:
      return { screen: 'events' };
  }
}

export function routeHref(route: Route): string {
  switch (route.screen) {
    case 'event-new':
      return '#/events/new';
    case 'event-edit':
      return `#/events/${route.eventId}/edit`;
    case 'live':
      return `#/events/${route.eventId}`;
    case 'bookings': {
      const params = new URLSearchParams();
      if (route.eventId) params.set('event', route.eventId);
      if (route.q) params.set('q', route.q);
      const query = params.toString();
      return query ? `#/bookings?${query}` : '#/bookings';
    }
    default:
      return `#/${route.screen}`;
  }
}

/**
 * Where to stay when the organization changes: screens about one event of the organization just
 * left fall back to their list; every other screen shows the same thing for the new organization.
 */
export function routeAfterOrgSwitch(route: Route): Route {
  switch (route.screen) {
    case 'event-edit':
    case 'live':
      return { screen: 'events' };
    case 'bookings':
      return route.eventId || route.q ? { screen: 'bookings' } : route;
    default:
      return route;
  }
}

export function navigate(route: Route): void {
  location.hash = routeHref(route);
}
