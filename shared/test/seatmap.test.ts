import { describe, expect, it } from 'vitest';
import { reservedSeats, type SeatMap, seatMapProblems, totalCapacity } from '../src/seats.js';

const map = (patch: Partial<SeatMap> = {}): SeatMap => ({
  sections: [
    {
      id: 'orch',
      label: 'Orchestra',
      kind: 'reserved',
      category: 'premium',
      rows: [{ label: 'A', seats: 3 }],
    },
    { id: 'floor', label: 'Standing', kind: 'general', capacity: 50, category: 'premium' },
  ],
  categories: [{ key: 'premium', label: 'Premium', price: 8900, currency: 'EUR' }],
  ...patch,
});

describe('seat maps', () => {
  it('enumerates reserved seats with ids <section>-<row>-<n>, explicit positions included', () => {
    const seats = [
      ...reservedSeats(
        map({
          sections: [
            {
              id: 'orch',
              label: 'O',
              kind: 'reserved',
              category: 'premium',
              rows: [
                { label: 'A', seats: 2 },
                { label: 'B', seats: [{ n: 7, x: 10, y: 40 }] },
              ],
            },
          ],
        }),
      ),
    ];
    expect(seats.map((s) => s.id)).toEqual(['orch-A-1', 'orch-A-2', 'orch-B-7']);
    expect(seats[2]).toMatchObject({ rowIndex: 1, x: 10, y: 40 });
  });

  it('counts reserved seats and general capacity', () => {
    expect(totalCapacity(map())).toBe(53);
  });

  it('names duplicate sections, rows, seats and unknown categories', () => {
    const problems = seatMapProblems(
      map({
        sections: [
          { id: 'a', label: 'A', kind: 'general', capacity: 1, category: 'nope' },
          {
            id: 'a',
            label: 'A2',
            kind: 'reserved',
            category: 'premium',
            rows: [
              { label: 'R', seats: [{ n: 1 }, { n: 1 }] },
              { label: 'R', seats: 1 },
            ],
          },
        ],
      }),
    );
    expect(problems).toEqual([
      'section "a" refers to unknown category "nope"',
      'section "a" is defined twice',
      'seat "a-R-1" is defined twice',
      'row "R" of section "a" is defined twice',
    ]);
  });

  it('refuses maps over 100,000 places', () => {
    const big = map({
      sections: [
        { id: 'ga', label: 'GA', kind: 'general', capacity: 100_000, category: 'premium' },
        { id: 'ga2', label: 'GA2', kind: 'general', capacity: 1, category: 'premium' },
      ],
    });
    expect(seatMapProblems(big)).toEqual(['the map has 100001 places; the limit is 100000']);
  });
});
