// @vitest-environment happy-dom

import { EventEmitter } from 'node:events';
import type { Availability, ConsoleSeatChange, SeatMap, SeatsMessage } from '@happening/shared';
import { QueryClient, QueryClientProvider, QueryObserver } from '@tanstack/react-query';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../../src/renderer/api/client.js';
import { platform } from '../../src/renderer/app/platform.js';
import { SessionProvider } from '../../src/renderer/app/session.js';
import type { ConsoleSocket } from '../../src/renderer/live/connection.js';
import { LiveSeatMap } from '../../src/renderer/live/LiveSeatMap.js';
import { layoutSeatMap } from '../../src/renderer/live/layout.js';
import { SeatStore } from '../../src/renderer/live/seat-store.js';
import { useLiveSeats } from '../../src/renderer/live/useLiveSeats.js';
import { act, type Rendered, render } from './dom.js';

const EVENT = '00000000-0000-4000-8000-0000000000aa';
const map: SeatMap = {
  categories: [{ key: 's', label: 'S', price: 100, currency: 'EUR' }],
  sections: [
    {
      id: 'orch',
      label: 'Orchestra',
      kind: 'reserved',
      category: 's',
      rows: [
        { label: 'A', seats: 4 },
        { label: 'B', seats: 4 },
      ],
    },
  ],
};
const layout = layoutSeatMap(map);
const snapshot = (version: number, seats: Availability['seats'] = {}): Availability => ({
  eventId: EVENT,
  version,
  sections: [{ id: 'orch', capacity: 8, available: 8, held: 0, booked: 0, blocked: 0 }],
  seats,
  waitlistLength: 0,
});
const seats = (
  fromVersion: number,
  version: number,
  changes: ConsoleSeatChange[],
): SeatsMessage<ConsoleSeatChange> => ({
  eventId: EVENT,
  fromVersion,
  version,
  changes,
});

function LiveHarness(props: {
  socket: ConsoleSocket;
  api: ApiClient;
  generation: number;
  onLive(live: ReturnType<typeof useLiveSeats>): void;
}) {
  const live = useLiveSeats(EVENT, layout, props.socket, props.generation, props.api);
  props.onLive(live);
  return <span data-testid="version">{live.counts?.version}</span>;
}

/** A connected console socket whose `watch` answers `snapshot()`, and what the server pushes to it. */
function consoleSocket(snapshotNow: () => Availability) {
  const socket = Object.assign(new EventEmitter(), {
    connected: true,
    watchCalls: [] as unknown[],
    emitted: [] as string[],
  });
  const emit = (name: string, payload: unknown, ack?: (error: Error | null, answer: unknown) => void) => {
    socket.emitted.push(name);
    if (name === 'watch') {
      socket.watchCalls.push(payload);
      queueMicrotask(() => ack?.(null, { ok: true, data: snapshotNow() }));
    }
    return true;
  };
  const fakeSocket = Object.assign(socket, {
    timeout: () => ({ emit }),
    emit: (name: string, payload: unknown) => emit(name, payload),
    off: socket.off.bind(socket),
  }) as unknown as ConsoleSocket & EventEmitter;
  /** What the server pushes to the client (the socket's own `emit` goes to the server). */
  const serverSends = (name: string, payload: unknown) =>
    EventEmitter.prototype.emit.call(socket, name, payload);
  return { socket, fakeSocket, serverSends };
}

let view: Rendered;
afterEach(() => {
  view?.unmount();
  vi.unstubAllGlobals();
});

const text = (testId: string) => view.container.querySelector(`[data-testid="${testId}"]`)?.textContent;
const key = async (canvas: Element, name: string) =>
  act(async () => void canvas.dispatchEvent(new KeyboardEvent('keydown', { key: name, bubbles: true })));

describe('live seat map', () => {
  it('shows the focused seat and follows seat changes as they arrive', async () => {
    const fetchMock = vi.fn(async () =>
      Response.json({
        booking: { id: 'b-123456789', attendee: { name: 'Ada Lovelace', email: 'ada@example.test' } },
      }),
    );
    vi.stubGlobal('fetch', fetchMock);
    const store = new SeatStore(EVENT, layout);
    store.loadSnapshot(snapshot(1, { 'orch-B-4': 'blocked' }));
    const toggled: number[] = [];
    view = await render(
      <QueryClientProvider client={new QueryClient()}>
        <SessionProvider>
          <LiveSeatMap
            layout={layout}
            store={store}
            selected={new Set()}
            onToggleSelect={(seat) => toggled.push(seat)}
          />
        </SessionProvider>
      </QueryClientProvider>,
    );
    expect(text('map-count-available')).toBe('7');
    expect(text('map-count-blocked')).toBe('1');

    const canvas = view.container.querySelector('canvas')!;
    await act(async () => canvas.focus());
    expect(text('seat-details')).toContain('Orchestra · row A · seat 1');
    expect(text('seat-status')).toBe('available');

    const expires = new Date(Date.now() + 90_000).toISOString();
    await act(async () => {
      store.apply(
        seats(1, 2, [{ seatId: 'orch-A-1', status: 'held', holderId: 'hd_h1', holdExpiresAt: expires }]),
      );
    });
    expect(text('seat-status')).toBe('held');
    expect(text('seat-details')).toMatch(/Hold expires\s*in (89|90) s/);
    expect(text('seat-holder')).toBe('h1 · 1 seat in this hold');

    await act(async () => {
      store.apply(
        seats(2, 3, [
          { seatId: 'orch-A-1', status: 'booked', bookingId: 'b-123456789', attendeeName: 'Ada Lovelace' },
        ]),
      );
    });
    expect(text('seat-status')).toBe('booked');
    expect(text('seat-details')).toContain('Ada Lovelace');
    // The attendee's email comes from the booking itself, looked up by the id the change carried.
    await vi.waitFor(() => expect(text('seat-attendee')).toBe('Ada Lovelace <ada@example.test>'));
    expect(fetchMock).toHaveBeenCalledWith(
      'http://localhost:3000/api/v1/bookings/b-123456789',
      expect.anything(),
    );
    expect(view.container.querySelector('#seat-details a')?.getAttribute('href')).toBe(
      `#/bookings?event=${EVENT}&q=b-123456789`,
    );
    await act(async () => void store.markAllDirty());
    expect(text('map-count-booked')).toBe('1');

    await key(canvas, 'ArrowRight');
    expect(text('seat-details')).toContain('row A · seat 2');
    await key(canvas, 'ArrowDown');
    expect(text('seat-details')).toContain('row B · seat 2');
    await key(canvas, ' ');
    expect(toggled).toEqual([layout.index.get('orch-B-2')]);
  });

  it('useLiveSeats watches over the socket, applies seats, and re-watches after a gap or reconnect', async () => {
    let nextSnapshot = snapshot(10);
    const { socket, fakeSocket, serverSends } = consoleSocket(() => nextSnapshot);
    const api = new ApiClient({ serverUrl: 'http://unused', token: () => null, fetch: vi.fn() as never });
    let live: ReturnType<typeof useLiveSeats> | null = null;
    const harness = (generation: number) => (
      <LiveHarness socket={fakeSocket} api={api} generation={generation} onLive={(value) => (live = value)} />
    );
    const client = new QueryClient();
    view = await render(<QueryClientProvider client={client}>{harness(1)}</QueryClientProvider>);
    expect(socket.watchCalls).toEqual([{ eventId: EVENT }]);
    const store = live!.store!;
    expect(store.version).toBe(10);

    await act(async () => {
      serverSends('seats', seats(10, 11, [{ seatId: 'orch-A-3', status: 'held' }]));
    });
    expect(store.seatDetails(layout.index.get('orch-A-3')!).status).toBe('held');

    // A message from the future: the console missed one and must take a new snapshot.
    nextSnapshot = snapshot(13, { 'orch-A-3': 'booked', 'orch-A-4': 'held' });
    await act(async () => {
      serverSends('seats', seats(12, 13, [{ seatId: 'orch-A-4', status: 'held' }]));
    });
    expect(socket.watchCalls).toHaveLength(2);
    expect(store.version).toBe(13);
    expect(store.seatDetails(layout.index.get('orch-A-3')!).status).toBe('booked');

    await act(async () => {
      serverSends('counts', {
        eventId: EVENT,
        version: 14,
        sections: [],
        waitlistLength: 3,
      });
    });
    expect(live!.counts?.waitlistLength).toBe(3);

    // Reconnect: a new generation joins the room again with a fresh snapshot.
    nextSnapshot = snapshot(20);
    await act(async () =>
      view.root.render(<QueryClientProvider client={client}>{harness(2)}</QueryClientProvider>),
    );
    expect(socket.emitted).toContain('unwatch');
    expect(socket.watchCalls).toHaveLength(3);
    expect(live!.store!.version).toBe(20);
  });

  it('an on-sale burst of bookings raises one desktop alert at once and refetches the bookings list at most twice', async () => {
    const notify = vi.spyOn(platform, 'notify').mockImplementation(() => {});
    const { fakeSocket, serverSends } = consoleSocket(() => snapshot(10));
    const api = new ApiClient({ serverUrl: 'http://unused', token: () => null, fetch: vi.fn() as never });
    const client = new QueryClient();
    let listFetches = 0;
    const list = new QueryObserver(client, {
      queryKey: ['bookings', EVENT],
      queryFn: async () => ++listFetches,
    });
    const unsubscribe = list.subscribe(() => {});
    await vi.waitFor(() => expect(listFetches).toBe(1));
    view = await render(
      <QueryClientProvider client={client}>
        <LiveHarness socket={fakeSocket} api={api} generation={1} onLive={() => {}} />
      </QueryClientProvider>,
    );
    await act(async () => {
      for (let i = 1; i <= 300; i++)
        serverSends('booking', {
          eventId: EVENT,
          booking: {
            status: 'confirmed',
            attendee: { name: `Guest ${i}`, email: `g${i}@example.test` },
            seats: [`orch-A-${i}`],
            quantity: 1,
          },
        });
    });
    // The first booking at once; the other 299 wait for the end of the alert window.
    expect(notify).toHaveBeenCalledTimes(1);
    expect(notify).toHaveBeenCalledWith({ title: 'New booking', body: 'Guest 1: orch-A-1' });
    // One refetch for the burst now and one after it (the throttle's window is a second).
    await vi.waitFor(() => expect(listFetches).toBe(3), { timeout: 3_000 });
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(listFetches).toBe(3);
    unsubscribe();
    notify.mockRestore();
  });
});
