import type { MapLayout, PlacedSeat } from './layout.js';

export type SeatMove = 'left' | 'right' | 'up' | 'down' | 'first' | 'last';

export const keyToMove: Record<string, SeatMove> = {
  ArrowLeft: 'left',
  ArrowRight: 'right',
  ArrowUp: 'up',
  ArrowDown: 'down',
  Home: 'first',
  End: 'last',
};

/**
 * The seat a keyboard move lands on: left/right along the row, up/down to the nearest seat (by
 * position) of the previous/next row — crossing into the next section at its edge — and Home/End
 * to the row's ends. Returns null at the map's edge so focus stays put.
 */
export function seatAfterMove(layout: MapLayout, fromId: string, move: SeatMove): PlacedSeat | null {
  const rowIndex = layout.rows.findIndex((row) => row.some((seat) => seat.id === fromId));
  const row = layout.rows[rowIndex];
  if (!row) return null;
  const position = row.findIndex((seat) => seat.id === fromId);
  const from = row[position]!;
  switch (move) {
    case 'left':
      return row[position - 1] ?? null;
    case 'right':
      return row[position + 1] ?? null;
    case 'first':
      return row[0] ?? null;
    case 'last':
      return row.at(-1) ?? null;
    case 'up':
    case 'down': {
      const target = layout.rows[rowIndex + (move === 'up' ? -1 : 1)];
      if (!target) return null;
      let best = target[0]!;
      for (const seat of target) if (Math.abs(seat.cx - from.cx) < Math.abs(best.cx - from.cx)) best = seat;
      return best;
    }
  }
}
