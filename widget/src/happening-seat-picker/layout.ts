import {
  forEachSeatInRow,
  type PriceCategory,
  type ReservedSection,
  rowLength,
  type SeatMap,
  type SeatRef,
} from '@happening/shared/seats';

/** Map units: a seat is drawn as a circle of radius SEAT_RADIUS on a SEAT_PITCH grid. */
export const SEAT_PITCH = 12;
export const SEAT_RADIUS = 4.5;
const SECTION_GAP = 28;
const LABEL_HEIGHT = 18;

export interface PlacedSeat extends SeatRef {
  /** Centre of the seat in map units. */
  cx: number;
  cy: number;
  category: string;
}

export interface PlacedSection {
  id: string;
  label: string;
  /** Price category key: every seat of a section has its section's category. */
  category: string;
  /** Where the section's label is drawn. */
  labelX: number;
  labelY: number;
  seats: PlacedSeat[];
}

export interface MapLayout {
  sections: PlacedSection[];
  byId: Map<string, PlacedSeat>;
  /** Rows in reading order (section by section, front to back), each sorted left to right. */
  rows: PlacedSeat[][];
  width: number;
  height: number;
}

/**
 * Lays reserved sections out as blocks stacked front to back, each row centred; seats with
 * explicit positions keep them (relative to their section's block). Computed once per seat map;
 * everything after (painting, keyboard moves) reads from the result.
 *
 * Each section's seats are the ones the shared enumeration (`forEachSeatInRow`, which
 * `reservedSeats()` is built on) visits, in its order, each created once with its final position:
 * this runs on the first render for every one of up to 10,000 seats. The enumeration comes from
 * `@happening/shared/seats`, the schema-free part of the shared package, so no TypeBox enters the
 * bundle.
 */
export function layoutSeatMap(map: SeatMap, onlySection?: string): MapLayout {
  // First pass: each section's width (its longest row, or its rightmost explicit seat), so the
  // map's width, and with it each block's left edge, is known before any seat is placed.
  const blocks: { section: ReservedSection; lengths: number[]; width: number }[] = [];
  for (const section of map.sections) {
    if (section.kind !== 'reserved' || (onlySection && section.id !== onlySection)) continue;
    let longest = 0;
    let explicitWidth = 0;
    let count = 0;
    const lengths = section.rows.map((row) => {
      const length = rowLength(row);
      if (typeof row.seats !== 'number')
        for (const seat of row.seats) explicitWidth = Math.max(explicitWidth, (seat.x ?? 0) + SEAT_PITCH);
      longest = Math.max(longest, length);
      count += length;
      return length;
    });
    if (count === 0) continue;
    blocks.push({ section, lengths, width: Math.max(longest * SEAT_PITCH, explicitWidth) });
  }

  let width = SEAT_PITCH;
  for (const block of blocks) width = Math.max(width, block.width);
  const sections: PlacedSection[] = [];
  const rows: PlacedSeat[][] = [];
  const byId = new Map<string, PlacedSeat>();
  let top = 0;
  for (const { section, lengths, width: blockWidth } of blocks) {
    const left = (width - blockWidth) / 2;
    const blockTop = top + LABEL_HEIGHT;
    let bottom = blockTop;
    const seats: PlacedSeat[] = [];
    for (let rowIndex = 0; rowIndex < section.rows.length; rowIndex++) {
      const length = lengths[rowIndex]!;
      if (length === 0) continue;
      const row = section.rows[rowIndex]!;
      const explicit = typeof row.seats !== 'number';
      const rowLeft = left + (blockWidth - length * SEAT_PITCH) / 2 + SEAT_PITCH / 2;
      const rowY = blockTop + rowIndex * SEAT_PITCH + SEAT_PITCH / 2;
      const placed: PlacedSeat[] = new Array(length);
      forEachSeatInRow(section, row, (id, n, index, given) => {
        const seat: PlacedSeat = {
          id,
          section: section.id,
          row: row.label,
          n,
          rowIndex,
          index,
          cx: given?.x === undefined ? rowLeft + index * SEAT_PITCH : left + given.x,
          cy: given?.y === undefined ? rowY : blockTop + given.y,
          category: section.category,
        };
        if (given?.x !== undefined) seat.x = given.x;
        if (given?.y !== undefined) seat.y = given.y;
        if (seat.cy + SEAT_PITCH / 2 > bottom) bottom = seat.cy + SEAT_PITCH / 2;
        byId.set(seat.id, seat);
        placed[index] = seat;
        seats.push(seat);
      });
      // Explicit positions may run in any order; keyboard moves go left to right.
      rows.push(explicit ? placed.sort((a, b) => a.cx - b.cx) : placed);
    }
    sections.push({
      id: section.id,
      label: section.label,
      category: section.category,
      labelX: width / 2,
      labelY: top + 12,
      seats,
    });
    top = bottom + SECTION_GAP;
  }
  return { sections, byId, rows, width, height: Math.max(SEAT_PITCH, top - SECTION_GAP) };
}

export function categoryByKey(map: SeatMap): Map<string, PriceCategory & { index: number }> {
  return new Map(map.categories.map((category, index) => [category.key, { ...category, index }]));
}
