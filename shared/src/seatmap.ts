import { type Static, Type } from 'typebox';

/** Section ids and row labels may not contain '-', which separates the parts of a seat id. */
export const SECTION_ID_PATTERN = '^[a-z0-9][a-z0-9_]{0,31}$';
export const ROW_LABEL_PATTERN = '^[A-Za-z0-9]{1,8}$';
export const MAX_SEATS_PER_EVENT = 100_000;

export const SeatPosition = Type.Object(
  {
    n: Type.Integer({ minimum: 1, maximum: 10_000 }),
    x: Type.Optional(Type.Number()),
    y: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
);

export const SeatRow = Type.Object(
  {
    label: Type.String({ pattern: ROW_LABEL_PATTERN }),
    seats: Type.Union([
      Type.Integer({ minimum: 1, maximum: 10_000 }),
      Type.Array(SeatPosition, { minItems: 1 }),
    ]),
  },
  { additionalProperties: false },
);

export const ReservedSection = Type.Object(
  {
    id: Type.String({ pattern: SECTION_ID_PATTERN }),
    label: Type.String({ minLength: 1, maxLength: 80 }),
    kind: Type.Literal('reserved'),
    category: Type.String({ minLength: 1, maxLength: 40 }),
    rows: Type.Array(SeatRow, { minItems: 1, maxItems: 2_000 }),
  },
  { additionalProperties: false },
);

export const GeneralSection = Type.Object(
  {
    id: Type.String({ pattern: SECTION_ID_PATTERN }),
    label: Type.String({ minLength: 1, maxLength: 80 }),
    kind: Type.Literal('general'),
    category: Type.String({ minLength: 1, maxLength: 40 }),
    capacity: Type.Integer({ minimum: 1, maximum: MAX_SEATS_PER_EVENT }),
  },
  { additionalProperties: false },
);

export const Section = Type.Union([ReservedSection, GeneralSection]);

export const PriceCategory = Type.Object(
  {
    key: Type.String({ minLength: 1, maxLength: 40 }),
    label: Type.String({ minLength: 1, maxLength: 80 }),
    /** Minor units (cents), so prices never meet floating point. */
    price: Type.Integer({ minimum: 0 }),
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  },
  { additionalProperties: false },
);

export const SeatMap = Type.Object(
  {
    sections: Type.Array(Section, { minItems: 1, maxItems: 500 }),
    categories: Type.Array(PriceCategory, { maxItems: 50 }),
  },
  { additionalProperties: false },
);

export type SeatPosition = Static<typeof SeatPosition>;
export type SeatRow = Static<typeof SeatRow>;
export type ReservedSection = Static<typeof ReservedSection>;
export type GeneralSection = Static<typeof GeneralSection>;
export type Section = Static<typeof Section>;
export type PriceCategory = Static<typeof PriceCategory>;
export type SeatMap = Static<typeof SeatMap>;

export function seatId(sectionId: string, rowLabel: string, n: number): string {
  return `${sectionId}-${rowLabel}-${n}`;
}

export interface SeatRef {
  id: string;
  section: string;
  row: string;
  n: number;
  /** Row index from the front (0 = front row). */
  rowIndex: number;
  /** Seat index within its row, in drawing order. */
  index: number;
  x?: number;
  y?: number;
}

/** Every reserved seat of a map, in section → row → seat order. */
export function* reservedSeats(map: SeatMap): Generator<SeatRef> {
  for (const section of map.sections) {
    if (section.kind !== 'reserved') continue;
    for (const [rowIndex, row] of section.rows.entries()) {
      if (typeof row.seats === 'number') {
        for (let n = 1; n <= row.seats; n++) {
          yield {
            id: seatId(section.id, row.label, n),
            section: section.id,
            row: row.label,
            n,
            rowIndex,
            index: n - 1,
          };
        }
      } else {
        for (const [index, seat] of row.seats.entries()) {
          yield {
            id: seatId(section.id, row.label, seat.n),
            section: section.id,
            row: row.label,
            n: seat.n,
            rowIndex,
            index,
            ...(seat.x === undefined ? {} : { x: seat.x }),
            ...(seat.y === undefined ? {} : { y: seat.y }),
          };
        }
      }
    }
  }
}

export function totalCapacity(map: SeatMap): number {
  let total = 0;
  for (const section of map.sections) {
    if (section.kind === 'general') total += section.capacity;
    else
      for (const row of section.rows) total += typeof row.seats === 'number' ? row.seats : row.seats.length;
  }
  return total;
}

/** Problems a JSON Schema cannot express: uniqueness, references and the size limit. */
export function seatMapProblems(map: SeatMap): string[] {
  const problems: string[] = [];
  const categoryKeys = new Set<string>();
  for (const category of map.categories) {
    if (categoryKeys.has(category.key)) problems.push(`category "${category.key}" is defined twice`);
    categoryKeys.add(category.key);
  }
  const sectionIds = new Set<string>();
  for (const section of map.sections) {
    if (sectionIds.has(section.id)) problems.push(`section "${section.id}" is defined twice`);
    sectionIds.add(section.id);
    if (!categoryKeys.has(section.category)) {
      problems.push(`section "${section.id}" refers to unknown category "${section.category}"`);
    }
    if (section.kind !== 'reserved') continue;
    const rowLabels = new Set<string>();
    for (const row of section.rows) {
      if (rowLabels.has(row.label))
        problems.push(`row "${row.label}" of section "${section.id}" is defined twice`);
      rowLabels.add(row.label);
      if (typeof row.seats === 'number') continue;
      const numbers = new Set<number>();
      for (const seat of row.seats) {
        if (numbers.has(seat.n))
          problems.push(`seat "${seatId(section.id, row.label, seat.n)}" is defined twice`);
        numbers.add(seat.n);
      }
    }
  }
  const total = totalCapacity(map);
  if (total > MAX_SEATS_PER_EVENT)
    problems.push(`the map has ${total} places; the limit is ${MAX_SEATS_PER_EVENT}`);
  return problems;
}
