// @vitest-environment happy-dom

import { EventEmitter } from 'node:events';
import type { Event, Organization, WaitingRoomStats } from '@happening/shared';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SessionProvider, useSession } from '../../src/renderer/app/session.js';
import type { ConsoleSocket } from '../../src/renderer/live/connection.js';
import { formatSeconds, WaitingRoomPanel } from '../../src/renderer/live/WaitingRoomPanel.js';
import { EventEditorScreen } from '../../src/renderer/screens/EventEditor.js';
import { act, byLabel, type Rendered, render, typeInto } from './dom.js';

const SERVER = 'http://server.test';
const ORG = '00000000-0000-4000-8000-00000000000a';
const EVENT = '00000000-0000-4000-8000-0000000000e1';
const user = { id: '00000000-0000-4000-8000-000000000001', email: 'grace@example.test', name: 'Grace' };
const organization: Organization = { id: ORG, name: 'Harbour', role: 'organizer' };

const base: Event = {
  id: EVENT,
  orgId: ORG,
  name: 'Stadium night',
  startsAt: '2030-04-01T19:00:00.000Z',
  venue: 'Stadium',
  status: 'on_sale',
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
  onSaleAt: '2030-03-01T10:00:00.000Z',
  offSaleAt: null,
  salePaused: false,
  saleState: 'on_sale',
  waitingRoom: { enabled: true, admitPerMinute: 120, maxActiveShoppers: 500 },
};

const stats = (waiting: number, extra: Partial<WaitingRoomStats> = {}): WaitingRoomStats => ({
  eventId: EVENT,
  enabled: true,
  waiting,
  admittedPerMinute: 118,
  activeShoppers: 420,
  soldPerMinute: 95,
  expectedSellOutSeconds: 1_500,
  admitPerMinute: 120,
  maxActiveShoppers: 500,
  saleState: 'on_sale',
  series: [
    { at: '2030-03-01T10:00:00.000Z', waiting: 9_000, admitted: 0, sold: 0 },
    { at: '2030-03-01T10:00:02.000Z', waiting: 8_990, admitted: 10, sold: 2 },
  ],
  ...extra,
});

let view: Rendered | undefined;
let requests: { method: string; path: string; body?: unknown }[];
let current: WaitingRoomStats;

beforeEach(() => {
  sessionStorage.setItem('happening.console.token', 'session-token');
  localStorage.setItem('happening.console.server', SERVER);
  requests = [];
  current = stats(9_000);
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const path = url.replace(`${SERVER}/api/v1`, '');
      const method = init?.method ?? 'GET';
      const body = init?.body ? JSON.parse(String(init.body)) : undefined;
      requests.push({ method, path, body });
      if (path === '/auth/me') return Response.json({ user, organizations: [organization] });
      if (path === `/events/${EVENT}/queue/stats`) return Response.json(current);
      if (path === `/events/${EVENT}` && method === 'PATCH')
        return Response.json({ event: { ...base, status: 'draft', ...body } });
      if (path === `/events/${EVENT}`) return Response.json({ event: { ...base, status: 'draft' } });
      if (method === 'POST' && path.startsWith(`/events/${EVENT}/sale/`))
        return Response.json({ event: base });
      if (method === 'PATCH' && path === `/events/${EVENT}/waiting-room`)
        return Response.json({ event: base });
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

/** A socket the test pushes into, as the server's `queue-stats` broadcasts would. */
function fakeSocket() {
  const emitter = new EventEmitter();
  return {
    socket: {
      on: (name: string, listener: (...args: unknown[]) => void) => emitter.on(name, listener),
      off: (name: string, listener: (...args: unknown[]) => void) => emitter.off(name, listener),
    } as unknown as ConsoleSocket,
    push: (name: string, payload: unknown) => act(async () => void emitter.emit(name, payload)),
  };
}

function signedIn(node: React.ReactNode) {
  function Gate() {
    return useSession().status === 'signed-in' ? node : null;
  }
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return (
    <QueryClientProvider client={queryClient}>
      <SessionProvider>
        <Gate />
      </SessionProvider>
    </QueryClientProvider>
  );
}

const text = (container: HTMLElement, testId: string) =>
  container.querySelector(`[data-testid="${testId}"]`)?.textContent;
const button = (container: HTMLElement, name: string) => {
  const found = [...container.querySelectorAll('button')].find((b) => b.textContent?.trim() === name);
  if (!found) throw new Error(`no "${name}" button`);
  return found;
};

describe('console: the sale and its waiting line, live', () => {
  it('shows the line from REST, then follows the queue-stats push of this event only', async () => {
    const { socket, push } = fakeSocket();
    view = await render(signedIn(<WaitingRoomPanel event={base} socket={socket} generation={1} canAct />));
    const container = view.container;
    await until(() => expect(text(container, 'line-waiting')).toBe('9000'));
    expect(text(container, 'line-admitted')).toBe('118');
    expect(text(container, 'line-active')).toBe('420');
    expect(text(container, 'line-sold')).toBe('95');
    expect(text(container, 'line-sell-out')).toBe('25 min');
    expect(text(container, 'sale-state')).toBe('On sale');
    // The plot: one line per series, with the latest values said in words.
    expect(container.querySelectorAll('figure.chart polyline')).toHaveLength(3);
    expect(container.querySelector('figure.chart svg')?.getAttribute('aria-label')).toContain(
      'Waiting: 8990',
    );

    await push('queue-stats', { ...stats(1), eventId: '00000000-0000-4000-8000-0000000000ff' });
    expect(text(container, 'line-waiting')).toBe('9000');
    await push('queue-stats', stats(7_500, { expectedSellOutSeconds: null, saleState: 'paused' }));
    await until(() => expect(text(container, 'line-waiting')).toBe('7500'));
    expect(text(container, 'line-sell-out')).toBe('–');
    expect(text(container, 'sale-state')).toBe('Paused');
    // Paused: the control is Resume.
    expect(() => button(container, 'Pause sale')).toThrow();
    await act(async () => button(container, 'Resume sale').click());
    await until(() =>
      expect(requests.some((r) => r.method === 'POST' && r.path.endsWith('/sale/resume'))).toBe(true),
    );
  });

  it('pauses, and changes the meter live (empty means no limit)', async () => {
    view = await render(signedIn(<WaitingRoomPanel event={base} socket={null} generation={0} canAct />));
    const container = view.container;
    await until(() => expect(text(container, 'line-waiting')).toBe('9000'));
    await act(async () => button(container, 'Pause sale').click());
    await until(() =>
      expect(requests.some((r) => r.method === 'POST' && r.path.endsWith('/sale/pause'))).toBe(true),
    );

    expect((byLabel(container, 'Admit per minute') as HTMLInputElement).value).toBe('120');
    await typeInto(byLabel(container, 'Admit per minute'), '300');
    await typeInto(byLabel(container, 'Shoppers at once'), '');
    await act(async () => button(container, 'Apply').click());
    await until(() => expect(container.textContent).toContain('Applied.'));
    expect(requests.find((r) => r.path === `/events/${EVENT}/waiting-room`)).toMatchObject({
      method: 'PATCH',
      body: { enabled: true, admitPerMinute: 300, maxActiveShoppers: null },
    });
  });

  it('opens a scheduled sale early after asking; viewers see the line but no controls', async () => {
    current = stats(2_000, { saleState: 'scheduled' });
    const scheduled = { ...base, saleState: 'scheduled' as const };
    view = await render(signedIn(<WaitingRoomPanel event={scheduled} socket={null} generation={0} canAct />));
    const container = view.container;
    await until(() => expect(text(container, 'sale-state')).toBe('Scheduled'));
    await act(async () => button(container, 'Open now').click());
    expect(document.body.textContent).toContain('pre-queue gets a place drawn at random');
    await act(async () => button(document.body, 'Open the sale').click());
    await until(() =>
      expect(requests.some((r) => r.method === 'POST' && r.path.endsWith('/sale/open'))).toBe(true),
    );
    view.unmount();

    view = await render(
      signedIn(<WaitingRoomPanel event={base} socket={null} generation={0} canAct={false} />),
    );
    await until(() => expect(text(view!.container, 'line-waiting')).toBe('2000'));
    expect(view.container.querySelectorAll('button')).toHaveLength(0);
  });

  it('formats the time to sell out', () => {
    expect(formatSeconds(null)).toBe('–');
    expect(formatSeconds(42)).toBe('42 s');
    expect(formatSeconds(1_500)).toBe('25 min');
    expect(formatSeconds(7_500)).toBe('2 h 5 min');
  });
});

describe('console: the event editor’s sale fields', () => {
  it('saves the opening, the closing and the waiting line with its meter', async () => {
    view = await render(signedIn(<EventEditorScreen eventId={EVENT} />));
    const container = view.container;
    await until(() => expect(container.querySelector('h1')?.textContent).toContain('Stadium night'));
    const opens = byLabel(container, 'Sale opens') as HTMLInputElement;
    expect(opens.value).not.toBe('');
    await typeInto(opens, '2030-03-02T09:30');
    await typeInto(byLabel(container, 'Sale closes'), '');
    await typeInto(byLabel(container, 'Admit per minute'), '60');
    await typeInto(byLabel(container, 'Shoppers at once'), '');
    await act(async () => button(container, 'Save changes').click());
    await until(() => expect(requests.filter((r) => r.method === 'PATCH')).toHaveLength(1));
    const body = requests.find((r) => r.method === 'PATCH')!.body as Record<string, unknown>;
    expect(body).toMatchObject({
      onSaleAt: new Date('2030-03-02T09:30').toISOString(),
      offSaleAt: null,
      waitingRoom: { enabled: true, admitPerMinute: 60, maxActiveShoppers: null },
    });
  });
});
