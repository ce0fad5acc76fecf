import { reservedSeats, seatMapProblems, totalCapacity } from '@happening/shared';
import { describe, expect, it } from 'vitest';
import {
  draftProblems,
  emptyDraft,
  fromSeatMap,
  letterIndex,
  lettersFor,
  parsePrice,
  type ReservedSectionDraft,
  rowLabels,
  type SeatMapDraft,
  suggestSectionId,
  toSeatMap,
} from '../../src/renderer/editor/model.js';

const draft = (overrides: Partial<SeatMapDraft> = {}): SeatMapDraft => ({
  categories: [{ key: 'premium', label: 'Premium', price: '89.50', currency: 'eur' }],
  sections: [
    {
      kind: 'reserved',
      id: 'orch',
      label: 'Orchestra',
      category: 'premium',
      rows: 3,
      seatsPerRow: 4,
      firstRowLabel: 'A',
      rowLabels: 'letters',
      numbering: 'left-to-right',
    },
    { kind: 'general', id: 'floor', label: 'Standing', category: 'premium', capacity: 50 },
  ],
  ...overrides,
});

describe('row labels', () => {
  it('count in letters like a spreadsheet, from any first row', () => {
    expect(lettersFor(0)).toBe('A');
    expect(lettersFor(25)).toBe('Z');
    expect(lettersFor(26)).toBe('AA');
    expect(letterIndex('AA')).toBe(26);
    expect(rowLabels(3, 'letters', 'Y')).toEqual(['Y', 'Z', 'AA']);
    expect(rowLabels(3, 'numbers', '10')).toEqual(['10', '11', '12']);
  });
});

describe('toSeatMap', () => {
  it('generates rows × seats with labels, and prices in minor units', () => {
    const map = toSeatMap(draft());
    expect(map.categories).toEqual([{ key: 'premium', label: 'Premium', price: 8950, currency: 'EUR' }]);
    expect(map.sections[0]).toEqual({
      id: 'orch',
      label: 'Orchestra',
      kind: 'reserved',
      category: 'premium',
      rows: [
        { label: 'A', seats: 4 },
        { label: 'B', seats: 4 },
        { label: 'C', seats: 4 },
      ],
    });
    expect(totalCapacity(map)).toBe(62);
    expect(seatMapProblems(map)).toEqual([]);
  });

  it('numbers right to left by listing seats in drawing order, highest first', () => {
    const base = draft();
    const map = toSeatMap({
      ...base,
      sections: [
        {
          ...(base.sections[0] as Extract<(typeof base.sections)[0], { kind: 'reserved' }>),
          numbering: 'right-to-left',
        },
      ],
    });
    const seats = [...reservedSeats(map)].filter((seat) => seat.row === 'A');
    expect(seats.map((seat) => seat.id)).toEqual(['orch-A-4', 'orch-A-3', 'orch-A-2', 'orch-A-1']);
    expect(seats.map((seat) => seat.index)).toEqual([0, 1, 2, 3]);
  });

  it('round-trips through fromSeatMap, keeping irregular rows verbatim', () => {
    const original = draft();
    expect(toSeatMap(fromSeatMap(toSeatMap(original)))).toEqual(toSeatMap(original));
    const irregular = {
      categories: [{ key: 'std', label: 'Standard', price: 1000, currency: 'EUR' }],
      sections: [
        {
          id: 'bal',
          label: 'Balcony',
          kind: 'reserved' as const,
          category: 'std',
          rows: [
            { label: 'A', seats: 10 },
            {
              label: 'B',
              seats: [
                { n: 1, x: 0, y: 10 },
                { n: 2, x: 12, y: 10 },
              ],
            },
          ],
        },
      ],
    };
    const back = fromSeatMap(irregular);
    expect(back.sections[0]).toMatchObject({ customRows: irregular.sections[0]!.rows });
    expect(toSeatMap(back)).toEqual(irregular);
  });
});

describe('draftProblems', () => {
  it('is empty for a good map and the default draft', () => {
    expect(draftProblems(draft())).toEqual([]);
    expect(draftProblems(emptyDraft())).toEqual([]);
  });

  it('names what to fix in the organizer’s words', () => {
    const base = draft();
    const problems = draftProblems({
      categories: [{ key: '', label: 'Cheap', price: 'free', currency: 'euro' }],
      sections: [
        { ...(base.sections[0] as ReservedSectionDraft), id: 'Bad-Id', rows: 0 },
        { kind: 'general', id: 'floor', label: '', category: 'premium', capacity: 0 },
      ],
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'Price category 1 needs a key.',
        'The price of Cheap must be a number like 49.90.',
        'The currency of Cheap must be a code like EUR.',
        expect.stringContaining('The id of Orchestra must be lower-case'),
        'Orchestra needs between 1 and 2000 rows.',
        'Section 2 needs a label.',
        'The capacity of section 2 must be at least 1.',
      ]),
    );
  });

  it('reports duplicates and unknown categories from the shared rules', () => {
    const base = draft();
    const problems = draftProblems({
      ...base,
      sections: [base.sections[0]!, { ...(base.sections[0] as ReservedSectionDraft), category: 'vip' }],
    });
    expect(problems).toContain('Section "orch" is defined twice.');
    expect(problems).toContain('Section "orch" refers to unknown category "vip".');
  });
});

describe('helpers', () => {
  it('parses prices without floating point', () => {
    expect(parsePrice('89')).toBe(8900);
    expect(parsePrice('89.5')).toBe(8950);
    expect(parsePrice('0,99')).toBe(99);
    expect(parsePrice('1.999')).toBeNull();
    expect(parsePrice('-1')).toBeNull();
  });

  it('suggests unused section ids from labels', () => {
    expect(suggestSectionId('Grand Circle', [])).toBe('grand_circle');
    expect(suggestSectionId('Orchestra', ['orchestra', 'orchestra_2'])).toBe('orchestra_3');
    expect(suggestSectionId('!!!', [])).toBe('section');
  });
});
