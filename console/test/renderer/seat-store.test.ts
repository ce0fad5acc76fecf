import type { Availability, ConsoleSeatChange, SeatMap, SeatsMessage } from '@happening/shared';
import { describe, expect, it, vi } from 'vitest';
import { layoutSeatMap, neighbour, seatAt } from '../../src/renderer/live/layout.js';
import { SeatStore } from '../../src/renderer/live/seat-store.js';

const EVENT = '00000000-0000-4000-8000-000000000001';
const map: SeatMap = {
  categories: [{ key: 's', label: 'S', price: 100, currency: 'EUR' }],
  sections: [
    {
      id: 'a',
      label: 'A',
      kind: 'reserved',
      category: 's',
      rows: [
        { label: 'A', seats: 3 },
        { label: 'B', seats: 3 },
      ],
    },
    { id: 'ga', label: 'Floor', kind: 'general', category: 's', capacity: 100 },
  ],
};
const layout = layoutSeatMap(map);
const snapshot = (version: number, seats: Availability['seats'] = {}): Availability => ({
  eventId: EVENT,
  version,
  sections: [],
  seats,
  waitlistLength: 0,
});
const message = (
  fromVersion: number,
  version: number,
  changes: ConsoleSeatChange[],
): SeatsMessage<ConsoleSeatChange> => ({
  eventId: EVENT,
  fromVersion,
  version,
  changes,
});
const status = (store: SeatStore, id: string) => store.seatDetails(layout.index.get(id)!).status;

describe('SeatStore', () => {
  it('keeps who booked a seat across a snapshot from the socket', () => {
    const store = new SeatStore(EVENT, layout, () => {});
    store.resync();
    store.loadSnapshot({ ...snapshot(7, { 'a-A-1': 'booked' }), holders: { 'a-A-1': { bookingId: 'b-1' } } });
    expect(store.seatDetails(layout.index.get('a-A-1')!)).toMatchObject({
      status: 'booked',
      bookingId: 'b-1',
    });
  });

  it('groups held seats by their holder id, from the snapshot and from live changes', () => {
    const store = new SeatStore(EVENT, layout, () => {});
    store.resync();
    store.loadSnapshot({
      ...snapshot(3, { 'a-A-1': 'held', 'a-A-2': 'held', 'a-B-1': 'held' }),
      holders: {
        'a-A-1': { holderId: 'hd_x' },
        'a-A-2': { holderId: 'hd_x' },
        'a-B-1': { holderId: 'hd_y' },
      },
    });
    expect(store.seatDetails(layout.index.get('a-A-2')!)).toMatchObject({ status: 'held', holderId: 'hd_x' });
    expect(store.seatsHeldBy('hd_x')).toBe(2);
    expect(store.seatsHeldBy('hd_y')).toBe(1);
    store.apply(
      message(3, 4, [
        { seatId: 'a-A-2', status: 'available' },
        { seatId: 'a-B-2', status: 'held', holderId: 'hd_y' },
      ]),
    );
    expect(store.seatsHeldBy('hd_x')).toBe(1);
    expect(store.seatsHeldBy('hd_y')).toBe(2);
  });

  it('asks for a snapshot at start and buffers messages until it arrives', () => {
    const requestSnapshot = vi.fn();
    const store = new SeatStore(EVENT, layout, requestSnapshot);
    store.resync();
    expect(requestSnapshot).toHaveBeenCalledTimes(1);
    expect(store.apply(message(5, 6, [{ seatId: 'a-A-1', status: 'held', holderId: 'hd_1' }]))).toBe(
      'buffered',
    );
    expect(store.apply(message(4, 5, [{ seatId: 'a-A-2', status: 'booked' }]))).toBe('buffered');
    store.loadSnapshot(snapshot(4, { 'a-B-3': 'blocked' }));
    // Both buffered messages continue from the snapshot, in version order.
    expect(store.version).toBe(6);
    expect(status(store, 'a-A-1')).toBe('held');
    expect(status(store, 'a-A-2')).toBe('booked');
    expect(status(store, 'a-B-3')).toBe('blocked');
  });

  it('applies contiguous messages, ignores stale ones, and keeps holder details', () => {
    const store = new SeatStore(EVENT, layout);
    store.loadSnapshot(snapshot(10));
    const expires = new Date(Date.now() + 60_000).toISOString();
    expect(
      store.apply(
        message(10, 11, [{ seatId: 'a-A-1', status: 'held', holderId: 'hd_h', holdExpiresAt: expires }]),
      ),
    ).toBe('applied');
    expect(store.seatDetails(layout.index.get('a-A-1')!)).toEqual({
      status: 'held',
      holderId: 'hd_h',
      holdExpiresAt: expires,
    });
    expect(store.apply(message(9, 10, [{ seatId: 'a-A-1', status: 'available' }]))).toBe('stale');
    expect(status(store, 'a-A-1')).toBe('held');
    store.apply(
      message(11, 12, [{ seatId: 'a-A-1', status: 'booked', bookingId: 'b1', attendeeName: 'Ada' }]),
    );
    expect(store.seatDetails(layout.index.get('a-A-1')!)).toMatchObject({
      status: 'booked',
      bookingId: 'b1',
      attendeeName: 'Ada',
    });
    store.apply(message(12, 13, [{ seatId: 'a-A-1', status: 'available' }]));
    expect(store.seatDetails(layout.index.get('a-A-1')!)).toEqual({ status: 'available' });
    expect(store.counts()).toEqual({ available: 6, held: 0, booked: 0, blocked: 0 });
  });

  it('on a gap asks for a new snapshot and replays what follows it', () => {
    const requestSnapshot = vi.fn();
    const store = new SeatStore(EVENT, layout, requestSnapshot);
    store.loadSnapshot(snapshot(1));
    expect(store.apply(message(3, 4, [{ seatId: 'a-A-1', status: 'held' }]))).toBe('gap');
    expect(requestSnapshot).toHaveBeenCalledTimes(1);
    expect(status(store, 'a-A-1')).toBe('available');
    expect(store.apply(message(4, 5, [{ seatId: 'a-A-2', status: 'held' }]))).toBe('buffered');
    store.loadSnapshot(snapshot(4, { 'a-A-1': 'held' }));
    expect(store.version).toBe(5);
    expect(status(store, 'a-A-2')).toBe('held');
  });

  it('applies a message that overlaps its version without a new snapshot', () => {
    // The server coalesced versions 2..4 while this console loaded a snapshot at version 3.
    const requestSnapshot = vi.fn();
    const store = new SeatStore(EVENT, layout, requestSnapshot);
    store.loadSnapshot(snapshot(3, { 'a-A-1': 'held' }));
    const overlap = message(1, 4, [
      { seatId: 'a-A-1', status: 'held' },
      { seatId: 'a-A-2', status: 'booked' },
    ]);
    expect(store.apply(overlap)).toBe('applied');
    expect(requestSnapshot).not.toHaveBeenCalled();
    expect(store.version).toBe(4);
    expect([status(store, 'a-A-1'), status(store, 'a-A-2')]).toEqual(['held', 'booked']);
  });

  it('a snapshot replaces everything, and the painter repaints all after it', () => {
    const store = new SeatStore(EVENT, layout);
    store.loadSnapshot(snapshot(1, { 'a-A-1': 'booked' }));
    expect(store.takeDirty()).toBe('all');
    store.apply(
      message(1, 2, [
        { seatId: 'a-A-2', status: 'held' },
        { seatId: 'nope-X-1', status: 'held' },
      ]),
    );
    expect(store.takeDirty()).toEqual([layout.index.get('a-A-2')]);
    store.loadSnapshot(snapshot(7, {}));
    expect(store.counts().available).toBe(6);
    expect(store.takeDirty()).toBe('all');
  });

  it('ignores other events', () => {
    const store = new SeatStore(EVENT, layout);
    store.loadSnapshot(snapshot(1));
    expect(store.apply({ ...message(1, 2, [{ seatId: 'a-A-1', status: 'held' }]), eventId: 'other' })).toBe(
      'other-event',
    );
    expect(store.version).toBe(1);
  });
});

describe('layout', () => {
  it('places every reserved seat on its own cell, sections side by side', () => {
    expect(layout.ids).toEqual(['a-A-1', 'a-A-2', 'a-A-3', 'a-B-1', 'a-B-2', 'a-B-3']);
    expect(layout.sections.map((s) => s.id)).toEqual(['a', 'ga']);
    for (const [i] of layout.ids.entries())
      expect(seatAt(layout, layout.x[i]! + 1, layout.y[i]! + 1)).toBe(i);
    expect(seatAt(layout, -5, -5)).toBe(-1);
  });

  it('moves by keyboard between neighbours and rows', () => {
    const a1 = layout.index.get('a-A-1')!;
    expect(layout.ids[neighbour(layout, a1, 'right')]).toBe('a-A-2');
    expect(layout.ids[neighbour(layout, a1, 'down')]).toBe('a-B-1');
    expect(neighbour(layout, a1, 'up')).toBe(a1);
    expect(neighbour(layout, -1, 'down')).toBe(0);
  });

  it('lays out 20,000 seats quickly', () => {
    const big: SeatMap = {
      categories: map.categories,
      sections: ['n', 'e', 's', 'w'].map((id) => ({
        id,
        label: id,
        kind: 'reserved' as const,
        category: 's',
        rows: Array.from({ length: 100 }, (_, r) => ({ label: `R${r + 1}`, seats: 50 })),
      })),
    };
    const started = performance.now();
    const result = layoutSeatMap(big);
    expect(result.ids).toHaveLength(20_000);
    expect(performance.now() - started).toBeLessThan(500);
    expect(new Set(result.cells.values()).size).toBe(20_000);
  });
});
