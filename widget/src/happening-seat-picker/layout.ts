import type { PriceCategory, SeatMap, SeatRef } from '@happening/shared';

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
 * Every reserved seat in section → row → seat order, as `reservedSeats()` in the shared package
 * yields them. Repeated here because importing that module at run time would pull its TypeBox
 * schemas (~10 KB gzip) into a bundle that never validates anything; test/logic.test.ts checks
 * that both produce the same seats.
 */
export function* seatsOf(map: SeatMap): Generator<SeatRef> {
  for (const section of map.sections) {
    if (section.kind !== 'reserved') continue;
    for (const [rowIndex, row] of section.rows.entries()) {
      const seats =
        typeof row.seats === 'number'
          ? Array.from({ length: row.seats }, (_, i) => ({ n: i + 1 }))
          : row.seats;
      for (const [index, seat] of seats.entries()) {
        const ref: SeatRef = {
          id: `${section.id}-${row.label}-${seat.n}`,
          section: section.id,
          row: row.label,
          n: seat.n,
          rowIndex,
          index,
        };
        const position = seat as { x?: number; y?: number };
        if (position.x !== undefined) ref.x = position.x;
        if (position.y !== undefined) ref.y = position.y;
        yield ref;
      }
    }
  }
}

/**
 * Lays reserved sections out as blocks stacked front to back, each row centred; seats with
 * explicit positions keep them (relative to their section's block). Computed once per seat map;
 * everything after (painting, keyboard moves) reads from the result. The seats yielded by
 * seatsOf are fresh objects, so they become the placed seats in place (no copies: 10,000 seats).
 */
export function layoutSeatMap(map: SeatMap, onlySection?: string): MapLayout {
  const bySection = new Map<string, SeatRef[]>();
  for (const seat of seatsOf(map)) {
    if (onlySection && seat.section !== onlySection) continue;
    const list = bySection.get(seat.section) ?? [];
    if (list.length === 0) bySection.set(seat.section, list);
    list.push(seat);
  }

  const blocks: { id: string; label: string; category: string; seats: PlacedSeat[]; width: number }[] = [];
  for (const section of map.sections) {
    const refs = bySection.get(section.id);
    if (section.kind !== 'reserved' || !refs) continue;
    const rowWidths = new Map<number, number>();
    for (const seat of refs) rowWidths.set(seat.rowIndex, (rowWidths.get(seat.rowIndex) ?? 0) + 1);
    const autoWidth = Math.max(...rowWidths.values()) * SEAT_PITCH;
    const explicitWidth = Math.max(0, ...refs.map((seat) => (seat.x ?? 0) + SEAT_PITCH));
    const width = Math.max(autoWidth, explicitWidth);
    const seats = refs.map((ref): PlacedSeat => {
      const rowOffset = (width - (rowWidths.get(ref.rowIndex) ?? 0) * SEAT_PITCH) / 2;
      const seat = ref as PlacedSeat;
      seat.cx = ref.x ?? rowOffset + ref.index * SEAT_PITCH + SEAT_PITCH / 2;
      seat.cy = ref.y ?? ref.rowIndex * SEAT_PITCH + SEAT_PITCH / 2;
      seat.category = section.category;
      return seat;
    });
    blocks.push({ id: section.id, label: section.label, category: section.category, seats, width });
  }

  const width = Math.max(SEAT_PITCH, ...blocks.map((block) => block.width));
  const sections: PlacedSection[] = [];
  const rows: PlacedSeat[][] = [];
  const byId = new Map<string, PlacedSeat>();
  let top = 0;
  for (const block of blocks) {
    const left = (width - block.width) / 2;
    const blockTop = top + LABEL_HEIGHT;
    let bottom = blockTop;
    const sectionRows = new Map<number, PlacedSeat[]>();
    for (const seat of block.seats) {
      seat.cx += left;
      seat.cy += blockTop;
      bottom = Math.max(bottom, seat.cy + SEAT_PITCH / 2);
      byId.set(seat.id, seat);
      const row = sectionRows.get(seat.rowIndex) ?? [];
      if (row.length === 0) sectionRows.set(seat.rowIndex, row);
      row.push(seat);
    }
    for (const index of [...sectionRows.keys()].sort((a, b) => a - b)) {
      rows.push(sectionRows.get(index)!.sort((a, b) => a.cx - b.cx));
    }
    sections.push({
      id: block.id,
      label: block.label,
      category: block.category,
      labelX: width / 2,
      labelY: top + 12,
      seats: block.seats,
    });
    top = bottom + SECTION_GAP;
  }
  return { sections, byId, rows, width, height: Math.max(SEAT_PITCH, top - SECTION_GAP) };
}

export function categoryByKey(map: SeatMap): Map<string, PriceCategory & { index: number }> {
  return new Map(map.categories.map((category, index) => [category.key, { ...category, index }]));
}
