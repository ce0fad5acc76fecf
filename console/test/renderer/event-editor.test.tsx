// @vitest-environment happy-dom

import type { Event, Organization } from '@happening/shared';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SessionProvider, useSession } from '../../src/renderer/app/session.js';
import { EventEditorScreen } from '../../src/renderer/screens/EventEditor.js';
import { act, byLabel, type Rendered, render, typeInto } from './dom.js';

const SERVER = 'http://server.test';
const ORG = '00000000-0000-4000-8000-00000000000a';
const EVENT = '00000000-0000-4000-8000-0000000000e1';
const user = { id: '00000000-0000-4000-8000-000000000001', email: 'grace@example.test', name: 'Grace' };
const organization: Organization = { id: ORG, name: 'Harbour', role: 'organizer' };

const draft: Event = {
  id: EVENT,
  orgId: ORG,
  name: 'School matinee',
  startsAt: '2030-04-01T10:00:00.000Z',
  venue: 'Riverside Hall',
  status: 'draft',
  seatMap: {
    sections: [
      { id: 'main', label: 'Main', kind: 'reserved', category: 'std', rows: [{ label: 'A', seats: 4 }] },
    ],
    categories: [{ key: 'std', label: 'Standard', price: 1000, currency: 'EUR' }],
  },
  holdTtlSeconds: 600,
  maxSeatsPerBooking: 10,
  directBooking: false,
  waitlistEnabled: true,
  waitlistMode: 'auto',
  offerWindowSeconds: 900,
  maxSeatsPerAddress: null,
  maxHoldsPerAddress: 4,
  proofOfWork: false,
  capacity: 4,
  createdAt: '2030-01-01T00:00:00.000Z',
  onSaleAt: null,
  offSaleAt: null,
  salePaused: false,
  waitingRoom: { enabled: false, admitPerMinute: null, maxActiveShoppers: null },
  saleState: 'scheduled',
};

describe('event editor: per-visitor caps', () => {
  let view: Rendered | undefined;
  let patches: Record<string, unknown>[];

  beforeEach(() => {
    sessionStorage.setItem('happening.console.token', 'session-token');
    localStorage.setItem('happening.console.server', SERVER);
    patches = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        const path = url.replace(`${SERVER}/api/v1`, '');
        if (path === '/auth/me') return Response.json({ user, organizations: [organization] });
        if (path === `/events/${EVENT}` && init?.method === 'PATCH') {
          const body = JSON.parse(String(init.body));
          patches.push(body);
          return Response.json({ event: { ...draft, ...body } });
        }
        if (path === `/events/${EVENT}`) return Response.json({ event: draft });
        return Response.json({ error: { code: 'NOT_FOUND', message: 'no' } }, { status: 404 });
      }),
    );
  });
  afterEach(() => {
    view?.unmount();
    view = undefined;
    vi.unstubAllGlobals();
    sessionStorage.clear();
    localStorage.clear();
  });

  const until = (check: () => void) =>
    vi.waitFor(async () => {
      await act(() => new Promise((resolve) => setTimeout(resolve, 5)));
      check();
    });

  function Screen() {
    return useSession().status === 'signed-in' ? <EventEditorScreen eventId={EVENT} /> : null;
  }

  it('shows the defaults, and saves a school group’s seat cap and the browser check; empty means the default again', async () => {
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    view = await render(
      <QueryClientProvider client={queryClient}>
        <SessionProvider>
          <Screen />
        </SessionProvider>
      </QueryClientProvider>,
    );
    const container = view.container;
    await until(() => expect(container.querySelector('h1')?.textContent).toContain('School matinee'));
    const seats = byLabel(container, 'Seats one address may hold') as HTMLInputElement;
    expect(seats.value).toBe('');
    expect(seats.placeholder).toBe('20 (2 × seats per booking)');
    expect((byLabel(container, 'Open holds per address') as HTMLInputElement).value).toBe('4');

    await typeInto(seats, '60');
    await typeInto(byLabel(container, 'Open holds per address'), '12');
    const check = [...container.querySelectorAll('label')]
      .find((label) => label.textContent?.includes('Browser check'))!
      .querySelector('input')!;
    await act(async () => check.click());
    const save = () =>
      act(async () => {
        const button = [...container.querySelectorAll('button')].find(
          (b) => b.textContent === 'Save changes',
        );
        if (!button) throw new Error('no "Save changes" button');
        button.click();
      });
    await save();
    await until(() => expect(patches).toHaveLength(1));
    expect(patches[0]).toMatchObject({ maxSeatsPerAddress: 60, maxHoldsPerAddress: 12, proofOfWork: true });

    await typeInto(seats, '');
    await save();
    await until(() => expect(patches).toHaveLength(2));
    expect(patches[1]).toMatchObject({ maxSeatsPerAddress: null });
  });
});
