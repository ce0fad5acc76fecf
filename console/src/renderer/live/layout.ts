/**
 * Where each seat is drawn. Sections become blocks of rows placed left to right and wrapped; seats
 * with explicit positions keep them (relative to their section). Flat typed arrays keep 20,000
 * seats cheap to draw and hit-test.
 */
import { reservedSeats, type SeatMap } from '@happening/shared';

export const PITCH = 10;
const GAP = 4 * PITCH;
const MAX_ROW_WIDTH = 260 * PITCH;
const LABEL_HEIGHT = 2 * PITCH;

export interface SectionBox {
  id: string;
  label: string;
  kind: 'reserved' | 'general';
  capacity: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface SeatLayout {
  ids: string[];
  index: Map<string, number>;
  x: Float32Array;
  y: Float32Array;
  row: string[];
  n: Uint16Array;
  section: Uint16Array;
  sections: SectionBox[];
  width: number;
  height: number;
  /** Seat index by grid cell, for hit tests and keyboard moves. */
  cells: Map<number, number>;
}

const cellKey = (cx: number, cy: number) => cx * 65_536 + cy;

export function layoutSeatMap(map: SeatMap): SeatLayout {
  const seats = [...reservedSeats(map)];
  const count = seats.length;
  const layout: SeatLayout = {
    ids: new Array(count),
    index: new Map(),
    x: new Float32Array(count),
    y: new Float32Array(count),
    row: new Array(count),
    n: new Uint16Array(count),
    section: new Uint16Array(count),
    sections: [],
    width: 0,
    height: 0,
    cells: new Map(),
  };

  // First pass: each section's own size.
  const local = new Map<string, { width: number; height: number }>();
  for (const section of map.sections) {
    if (section.kind === 'general') {
      const side = Math.max(8, Math.ceil(Math.sqrt(section.capacity))) * PITCH * 0.6;
      local.set(section.id, { width: Math.max(side, 16 * PITCH), height: Math.max(side * 0.6, 6 * PITCH) });
    } else {
      local.set(section.id, { width: 0, height: 0 });
    }
  }
  for (const seat of seats) {
    const size = local.get(seat.section)!;
    const x = seat.x ?? seat.index * PITCH;
    const y = seat.y ?? seat.rowIndex * PITCH;
    size.width = Math.max(size.width, x + PITCH);
    size.height = Math.max(size.height, y + PITCH);
  }

  // Second pass: place sections on shelves, stage at the top.
  let cursorX = 0;
  let cursorY = 0;
  let shelfHeight = 0;
  const origin = new Map<string, { x: number; y: number }>();
  for (const section of map.sections) {
    const size = local.get(section.id)!;
    if (cursorX > 0 && cursorX + size.width > MAX_ROW_WIDTH) {
      cursorX = 0;
      cursorY += shelfHeight + GAP;
      shelfHeight = 0;
    }
    origin.set(section.id, { x: cursorX, y: cursorY + LABEL_HEIGHT });
    layout.sections.push({
      id: section.id,
      label: section.label,
      kind: section.kind,
      capacity: section.kind === 'general' ? section.capacity : 0,
      x: cursorX,
      y: cursorY + LABEL_HEIGHT,
      width: size.width,
      height: size.height,
    });
    cursorX += size.width + GAP;
    shelfHeight = Math.max(shelfHeight, size.height + LABEL_HEIGHT);
    layout.width = Math.max(layout.width, cursorX - GAP);
  }
  layout.height = cursorY + shelfHeight;

  const sectionIndex = new Map(map.sections.map((section, i) => [section.id, i]));
  for (const [i, seat] of seats.entries()) {
    const at = origin.get(seat.section)!;
    const x = at.x + (seat.x ?? seat.index * PITCH);
    const y = at.y + (seat.y ?? seat.rowIndex * PITCH);
    layout.ids[i] = seat.id;
    layout.index.set(seat.id, i);
    layout.x[i] = x;
    layout.y[i] = y;
    layout.row[i] = seat.row;
    layout.n[i] = seat.n;
    layout.section[i] = sectionIndex.get(seat.section) ?? 0;
    layout.cells.set(cellKey(Math.floor(x / PITCH), Math.floor(y / PITCH)), i);
  }
  return layout;
}

/** The seat under a point in layout coordinates, or -1. */
export function seatAt(layout: SeatLayout, x: number, y: number): number {
  if (x < 0 || y < 0) return -1;
  return layout.cells.get(cellKey(Math.floor(x / PITCH), Math.floor(y / PITCH))) ?? -1;
}

/** The seat next to `from` in a direction, for keyboard navigation; `from` when there is none. */
export function neighbour(
  layout: SeatLayout,
  from: number,
  direction: 'left' | 'right' | 'up' | 'down',
): number {
  if (layout.ids.length === 0) return -1;
  if (from < 0) return 0;
  if (direction === 'left') return from > 0 ? from - 1 : from;
  if (direction === 'right') return from < layout.ids.length - 1 ? from + 1 : from;
  const step = direction === 'up' ? -1 : 1;
  const x = layout.x[from]!;
  // Look up to 50 rows away, allowing a few columns either side for staggered rows.
  for (let rows = 1; rows <= 50; rows++) {
    const y = layout.y[from]! + step * rows * PITCH;
    for (const dx of [0, -1, 1, -2, 2, -3, 3]) {
      const hit = seatAt(layout, x + dx * PITCH + PITCH / 2, y + PITCH / 2);
      if (hit >= 0) return hit;
    }
  }
  return from;
}
