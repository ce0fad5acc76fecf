/**
 * Seat maps at run time, without their schemas: the one enumeration of a map's reserved seats (their
 * ids, numbers and order), its capacity, and the problems a JSON Schema cannot express. This module
 * imports TypeBox for types only, so a browser bundle (the widget, the console's renderer) imports
 * it as `@happening/shared/seats` and stays free of the schemas it never validates with.
 */
import type { ReservedSection, SeatMap, SeatPosition, SeatRow } from './seatmap.js';

export type {
  GeneralSection,
  PriceCategory,
  ReservedSection,
  SeatMap,
  SeatPosition,
  SeatRow,
  Section,
} from './seatmap.js';

/** Section ids and row labels may not contain '-', which separates the parts of a seat id. */
export const SECTION_ID_PATTERN = '^[a-z0-9][a-z0-9_]{0,31}$';
export const ROW_LABEL_PATTERN = '^[A-Za-z0-9]{1,8}$';
export const MAX_SEATS_PER_EVENT = 100_000;

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

/** How many seats a row has. */
export const rowLength = (row: SeatRow): number =>
  typeof row.seats === 'number' ? Math.max(0, row.seats) : row.seats.length;

/**
 * Visits the seats of one row in drawing order: the one definition of which seats a row has, their
 * ids and numbers. `position` is the seat's explicit entry when the row lists its seats. A callback
 * rather than a generator: the widget lays out up to 10,000 seats on its first render with it, where
 * a generator and a copy per seat cost ~10 ms.
 */
export function forEachSeatInRow(
  section: ReservedSection,
  row: SeatRow,
  visit: (id: string, n: number, index: number, position: SeatPosition | undefined) => void,
): void {
  if (typeof row.seats === 'number') {
    for (let n = 1; n <= row.seats; n++) visit(seatId(section.id, row.label, n), n, n - 1, undefined);
    return;
  }
  for (let index = 0; index < row.seats.length; index++) {
    const seat = row.seats[index]!;
    visit(seatId(section.id, row.label, seat.n), seat.n, index, seat);
  }
}

/** Every reserved seat of a map, in section → row → seat order. */
export function* reservedSeats(map: SeatMap): Generator<SeatRef> {
  for (const section of map.sections) {
    if (section.kind !== 'reserved') continue;
    for (const [rowIndex, row] of section.rows.entries()) {
      const seats: SeatRef[] = [];
      forEachSeatInRow(section, row, (id, n, index, position) => {
        const seat: SeatRef = { id, section: section.id, row: row.label, n, rowIndex, index };
        if (position?.x !== undefined) seat.x = position.x;
        if (position?.y !== undefined) seat.y = position.y;
        seats.push(seat);
      });
      yield* seats;
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
