import { reservedSeats, type SeatMap } from '@happening/shared';
import { describe, expect, it } from 'vitest';
import { AvailabilityStore } from '../src/happening-seat-picker/availability-store.js';
import { fill, filler, formatCountdown, formatPrice } from '../src/happening-seat-picker/format.js';
import { seatAfterMove } from '../src/happening-seat-picker/keyboard.js';
import { layoutSeatMap } from '../src/happening-seat-picker/layout.js';

const EVENT = '6f1c1d53-3a55-4d4e-9a53-2f1d2b7a9c10';

const map: SeatMap = {
  sections: [
    {
      id: 'stalls',
      label: 'Stalls',
      kind: 'reserved',
      category: 'std',
      rows: [
        { label: 'A', seats: 3 },
        { label: 'B', seats: 5 },
      ],
    },
    { id: 'floor', label: 'Floor', kind: 'general', capacity: 10, category: 'std' },
    {
      id: 'box',
      label: 'Box',
      kind: 'reserved',
      category: 'std',
      rows: [
        {
          label: 'K',
          seats: [
            { n: 2, x: 0, y: 0 },
            { n: 7, x: 30, y: 0 },
          ],
        },
      ],
    },
  ],
  categories: [{ key: 'std', label: 'Standard', price: 1000, currency: 'EUR' }],
};

describe('AvailabilityStore', () => {
  const snapshot = {
    eventId: EVENT,
    version: 4,
    sections: [{ id: 'stalls', capacity: 8, available: 7, held: 1, booked: 0, blocked: 0 }],
    seats: { 'stalls-A-1': 'held' as const },
    waitlistLength: 0,
  };

  it('applies messages that continue from its version and reports what changed', () => {
    const store = new AvailabilityStore();
    store.reset(snapshot);
    const outcome = store.applySeats({
      eventId: EVENT,
      version: 5,
      fromVersion: 4,
      changes: [
        { seatId: 'stalls-A-1', status: 'available' },
        { seatId: 'stalls-B-2', status: 'booked' },
      ],
    });
    expect(outcome).toEqual({ kind: 'applied', changed: ['stalls-A-1', 'stalls-B-2'] });
    expect(store.statusOf('stalls-A-1')).toBe('available');
    expect(store.statusOf('stalls-B-2')).toBe('booked');
    expect(store.version).toBe(5);
  });

  it('detects a gap and ignores messages the snapshot already covers', () => {
    const store = new AvailabilityStore();
    store.reset(snapshot);
    expect(store.applySeats({ eventId: EVENT, version: 4, fromVersion: 3, changes: [] })).toEqual({
      kind: 'stale',
    });
    expect(
      store.applySeats({
        eventId: EVENT,
        version: 7,
        fromVersion: 6,
        changes: [{ seatId: 'stalls-A-2', status: 'held' }],
      }),
    ).toEqual({ kind: 'gap' });
    expect(store.statusOf('stalls-A-2')).toBe('available');
    expect(store.version).toBe(4);
  });

  it('applies a coalesced message that overlaps the snapshot instead of refetching', () => {
    const store = new AvailabilityStore();
    store.reset(snapshot);
    expect(
      store.applySeats({
        eventId: EVENT,
        version: 6,
        fromVersion: 2,
        changes: [{ seatId: 'stalls-A-2', status: 'held' }],
      }),
    ).toEqual({ kind: 'applied', changed: ['stalls-A-2'] });
    expect(store.statusOf('stalls-A-2')).toBe('held');
    expect(store.version).toBe(6);
  });

  it('keeps only newer counters and sums what is left to sell', () => {
    const store = new AvailabilityStore();
    store.reset(snapshot);
    const counts = (version: number, available: number) => ({
      eventId: EVENT,
      version,
      sections: [{ id: 'stalls', capacity: 8, available, held: 0, booked: 8 - available, blocked: 0 }],
      waitlistLength: 2,
    });
    expect(store.applyCounts(counts(6, 0))).toBe(true);
    expect(store.applyCounts(counts(5, 3))).toBe(false);
    expect(store.available()).toBe(0);
    expect(store.waitlistLength).toBe(2);
  });

  it('returns every seat whose status may differ after a new snapshot', () => {
    const store = new AvailabilityStore();
    store.reset(snapshot);
    const changed = store.reset({ ...snapshot, version: 9, seats: { 'stalls-B-1': 'booked' } });
    expect(changed.sort()).toEqual(['stalls-A-1', 'stalls-B-1']);
  });
});

describe('seat map layout and keyboard moves', () => {
  it('lays out the same seats, in the same order, as the shared reservedSeats()', () => {
    const laidOut = layoutSeatMap(map)
      .sections.flatMap((section) => section.seats)
      .map(({ cx: _cx, cy: _cy, category: _category, ...ref }) => ref);
    expect(laidOut).toEqual([...reservedSeats(map)]);
  });

  it('centres rows, keeps explicit positions and stacks sections', () => {
    const layout = layoutSeatMap(map);
    expect(layout.byId.size).toBe(10);
    const a1 = layout.byId.get('stalls-A-1')!;
    const b2 = layout.byId.get('stalls-B-2')!;
    expect(a1.cx).toBe(b2.cx); // row A (3 seats) is centred over row B (5 seats)
    expect(layout.byId.get('box-K-7')!.cx - layout.byId.get('box-K-2')!.cx).toBe(30);
    expect(layout.byId.get('box-K-2')!.cy).toBeGreaterThan(b2.cy);
    expect(layoutSeatMap(map, 'box').byId.size).toBe(2);
  });

  it('moves along rows, to the nearest seat of the next row and into the next section', () => {
    const layout = layoutSeatMap(map);
    expect(seatAfterMove(layout, 'stalls-A-1', 'right')?.id).toBe('stalls-A-2');
    expect(seatAfterMove(layout, 'stalls-A-1', 'left')).toBeNull();
    expect(seatAfterMove(layout, 'stalls-A-1', 'down')?.id).toBe('stalls-B-2');
    expect(seatAfterMove(layout, 'stalls-B-5', 'up')?.id).toBe('stalls-A-3');
    expect(seatAfterMove(layout, 'stalls-B-1', 'last')?.id).toBe('stalls-B-5');
    expect(seatAfterMove(layout, 'stalls-B-3', 'down')?.section).toBe('box');
    expect(seatAfterMove(layout, 'box-K-2', 'down')).toBeNull();
  });
});

describe('formatting', () => {
  it('formats minor units with the currency’s own decimals', () => {
    expect(formatPrice(8900, 'EUR', 'en-GB')).toBe('€89.00');
    expect(formatPrice(1200, 'JPY', 'en-US')).toBe('¥1,200');
  });

  it('counts down in minutes and seconds, never below zero', () => {
    expect(formatCountdown(245_000)).toBe('4:05');
    expect(formatCountdown(-5)).toBe('0:00');
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(fill('Row {row}, seat {seat} {oops}', { row: 'B', seat: 12 })).toBe('Row B, seat 12 {oops}');
    // Seat labels fill category, price and status once per kind of seat, then row and seat each.
    const label = filler('{status}: row {row}, seat {seat}, {price} {oops}', { price: '€5', status: 'sold' });
    expect(label({ row: 'B', seat: 12 })).toBe('sold: row B, seat 12, €5 {oops}');
    expect(label({ row: 'C', seat: 1 })).toBe('sold: row C, seat 1, €5 {oops}');
  });
});
