/** The editor's preview: the same canvas painter as the live view, every seat shown as available. */
import type { SeatMap } from '@happening/shared';
import { useEffect, useMemo, useRef } from 'react';
import { layoutSeatMap } from '../live/layout.js';
import { SeatMapPainter } from '../live/painter.js';
import { SeatStore } from '../live/seat-store.js';
import { countOf } from '../ui/common.js';

export function SeatMapPreview({ map }: { map: SeatMap }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const layout = useMemo(() => layoutSeatMap(map), [map]);
  const rows = map.sections.reduce(
    (sum, section) => sum + (section.kind === 'reserved' ? section.rows.length : 0),
    0,
  );
  useEffect(() => {
    const element = canvas.current;
    if (!element) return;
    const store = new SeatStore('preview', layout);
    const painter = new SeatMapPainter(element, layout, store);
    const fit = () => {
      const width = element.clientWidth || 600;
      // As tall as the map needs at the painter's largest seat size, between 120 and 420 px.
      const natural = Math.min((width * layout.height) / Math.max(layout.width, 1), layout.height * 2.8) + 24;
      const height = Math.round(Math.min(420, Math.max(120, natural)));
      element.style.height = `${height}px`;
      painter.resize(width, height);
      painter.paint();
    };
    fit();
    const observer = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(fit);
    observer?.observe(element);
    return () => {
      observer?.disconnect();
      painter.dispose();
    };
  }, [layout]);
  return (
    <canvas
      ref={canvas}
      className="preview-canvas"
      role="img"
      aria-label={`Seat map preview: ${countOf(map.sections.length, 'section')}, ${countOf(rows, 'row')}, ${countOf(layout.ids.length, 'reserved seat')}`}
      data-seats={layout.ids.length}
    />
  );
}
