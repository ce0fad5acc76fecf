// @vitest-environment happy-dom
import type { SeatMap } from '@happening/shared';
import { describe, expect, it } from 'vitest';
import { layoutSeatMap } from '../../src/renderer/live/layout.js';
import { SeatMapPainter } from '../../src/renderer/live/painter.js';
import { SeatStore } from '../../src/renderer/live/seat-store.js';

const map: SeatMap = {
  categories: [{ key: 's', label: 'S', price: 1, currency: 'EUR' }],
  sections: [
    {
      id: 'big',
      label: 'Big',
      kind: 'reserved',
      category: 's',
      rows: Array.from({ length: 100 }, (_, r) => ({ label: `R${r + 1}`, seats: 200 })),
    },
  ],
};
const layout = layoutSeatMap(map);
const canvas = { width: 0, height: 0, getContext: () => null } as unknown as HTMLCanvasElement;

function painter() {
  const instance = new SeatMapPainter(canvas, layout, new SeatStore('e', layout));
  instance.resize(800, 600, 1);
  return instance;
}

describe('painter view', () => {
  it('zooms around the pointer: the point under it stays under it', () => {
    const instance = painter();
    const before = instance.toLayout(200, 150, 1);
    instance.zoomBy(2, 200, 150);
    expect(instance.zoomLevel).toBe(2);
    const after = instance.toLayout(200, 150, 1);
    expect(after.x).toBeCloseTo(before.x, 5);
    expect(after.y).toBeCloseTo(before.y, 5);
  });

  it('never zooms out past the fitted map, and fit() resets pan and zoom', () => {
    const instance = painter();
    const fitted = instance.seatBox(0, 1);
    instance.zoomBy(0.1);
    expect(instance.zoomLevel).toBe(1);
    instance.zoomBy(3);
    instance.panBy(50, 20);
    instance.fit();
    expect(instance.seatBox(0, 1)).toEqual(fitted);
  });

  it('brings a keyboard-focused seat into view when zoomed in', () => {
    const instance = painter();
    instance.zoomBy(4, 0, 0);
    const last = layout.ids.length - 1;
    expect(instance.seatBox(last, 1).x).toBeGreaterThan(800);
    instance.ensureVisible(last);
    const box = instance.seatBox(last, 1);
    expect(box.x + box.size).toBeLessThanOrEqual(800);
    expect(box.y + box.size).toBeLessThanOrEqual(600);
  });
});
