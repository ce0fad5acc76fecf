/**
 * The live seat map: a canvas painted by `SeatMapPainter`, usable by pointer and keyboard. Hover or
 * focus a seat for its details; click (or Space) selects seats for blocking. Arrow keys move the
 * focus seat by seat; the details region announces the focused seat.
 */
import { useEffect, useRef, useState } from 'react';
import { countOf } from '../ui/common.js';
import type { SeatLayout } from './layout.js';
import { neighbour, seatAt } from './layout.js';
import { SeatMapPainter, STATUS_COLOURS } from './painter.js';
import { SeatDetailsPanel } from './SeatDetails.js';
import { type SeatStore, STATUS_NAMES } from './seat-store.js';

interface Props {
  layout: SeatLayout;
  store: SeatStore;
  selected: ReadonlySet<number>;
  onToggleSelect(seat: number): void;
  /** Seat to focus from outside (the "find seat" box). */
  focusRequest?: { seat: number; at: number } | null;
  height?: number;
}

const KEYS = { ArrowLeft: 'left', ArrowRight: 'right', ArrowUp: 'up', ArrowDown: 'down' } as const;

export function LiveSeatMap({ layout, store, selected, onToggleSelect, focusRequest, height = 520 }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const painter = useRef<SeatMapPainter | null>(null);
  const [active, setActiveSeat] = useState(-1);
  // Handlers read the ref, not the state: a key pressed right after a seat was focused (before
  // React re-rendered) must act on that seat, not on the one focused before it.
  const activeRef = useRef(-1);
  const setActive = (seat: number) => {
    activeRef.current = seat;
    setActiveSeat(seat);
  };
  const [, setTick] = useState(0);

  useEffect(() => {
    const element = canvas.current;
    if (!element) return;
    const instance = new SeatMapPainter(element, layout, store);
    painter.current = instance;
    const fit = () => instance.resize(element.clientWidth || 800, element.clientHeight || height);
    fit();
    const observer = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(fit);
    observer?.observe(element);
    // Not a React handler: React's wheel listeners are passive and could not keep the page still.
    const onWheel = (event: WheelEvent) => {
      event.preventDefault();
      const rect = element.getBoundingClientRect();
      instance.zoomBy(event.deltaY < 0 ? 1.25 : 0.8, event.clientX - rect.left, event.clientY - rect.top);
    };
    element.addEventListener('wheel', onWheel, { passive: false });
    return () => {
      element.removeEventListener('wheel', onWheel);
      observer?.disconnect();
      instance.dispose();
      painter.current = null;
    };
  }, [layout, store, height]);

  // The details panel follows the store while a seat is active (its hold may expire, etc.).
  useEffect(() => {
    if (active < 0) return;
    let last = store.status[active];
    return store.subscribe(() => {
      if (store.status[active] !== last || store.details.has(active)) {
        last = store.status[active];
        setTick((t) => t + 1);
      }
    });
  }, [store, active]);

  useEffect(() => {
    const instance = painter.current;
    if (!instance) return;
    const before = [...instance.selected];
    instance.selected = new Set(selected);
    instance.repaintSeats([...before, ...selected]);
  }, [selected]);

  const focusSeat = (seat: number) => {
    const instance = painter.current;
    if (instance) {
      const previous = instance.focused;
      instance.focused = seat;
      instance.ensureVisible(seat);
      instance.repaintSeats([previous, seat]);
    }
    setActive(seat);
  };
  const drag = useRef<{ x: number; y: number; moved: boolean } | null>(null);
  const view = (action: (instance: SeatMapPainter) => void) => {
    if (painter.current) action(painter.current);
    setTick((t) => t + 1);
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: only a new request moves the focus
  useEffect(() => {
    if (focusRequest && focusRequest.seat >= 0) {
      canvas.current?.focus();
      focusSeat(focusRequest.seat);
    }
  }, [focusRequest]);

  const seatFromPointer = (event: React.PointerEvent | React.MouseEvent) => {
    const instance = painter.current;
    if (!instance) return -1;
    const rect = event.currentTarget.getBoundingClientRect();
    const point = instance.toLayout(event.clientX - rect.left, event.clientY - rect.top);
    return seatAt(layout, point.x, point.y);
  };

  const box = active >= 0 ? painter.current?.seatBox(active) : undefined;
  const counts = store.counts();

  return (
    <div className="live-map">
      {/* biome-ignore lint/a11y/noInteractiveElementToNoninteractiveRole: a keyboard-driven custom widget; "application" lets screen readers pass the arrow keys through */}
      <canvas
        ref={canvas}
        tabIndex={0}
        style={{ height }}
        role="application"
        aria-roledescription="seat map"
        aria-label={`Seat map, ${countOf(layout.ids.length, 'seat')}. Arrow keys move between seats, Space selects for blocking, plus and minus zoom, 0 fits.`}
        aria-describedby="seat-details"
        data-testid="live-map"
        onPointerDown={(event) => {
          drag.current = { x: event.clientX, y: event.clientY, moved: false };
        }}
        onPointerUp={() => {
          if (drag.current && !drag.current.moved) drag.current = null;
        }}
        onPointerMove={(event) => {
          const start = drag.current;
          if (start && event.buttons === 1) {
            const dx = event.clientX - start.x;
            const dy = event.clientY - start.y;
            if (start.moved || Math.abs(dx) + Math.abs(dy) > 4) {
              view((instance) => instance.panBy(dx, dy));
              drag.current = { x: event.clientX, y: event.clientY, moved: true };
            }
            return;
          }
          const seat = seatFromPointer(event);
          if (seat >= 0 && seat !== activeRef.current) focusSeat(seat);
        }}
        onClick={(event) => {
          // The end of a drag is not a click on a seat.
          if (drag.current?.moved) {
            drag.current = null;
            return;
          }
          const seat = seatFromPointer(event);
          if (seat >= 0) {
            focusSeat(seat);
            onToggleSelect(seat);
          }
        }}
        onFocus={() => {
          if (activeRef.current < 0 && layout.ids.length > 0) focusSeat(0);
        }}
        onKeyDown={(event) => {
          const direction = KEYS[event.key as keyof typeof KEYS];
          if (direction) {
            event.preventDefault();
            focusSeat(neighbour(layout, activeRef.current, direction));
          } else if ((event.key === ' ' || event.key === 'Enter') && activeRef.current >= 0) {
            event.preventDefault();
            onToggleSelect(activeRef.current);
          } else if (event.key === '+' || event.key === '=') {
            view((instance) => instance.zoomBy(1.5));
          } else if (event.key === '-') {
            view((instance) => instance.zoomBy(1 / 1.5));
          } else if (event.key === '0') {
            view((instance) => instance.fit());
          }
        }}
      />
      {box && (
        <div
          className="seat-marker"
          aria-hidden="true"
          style={{ left: box.x, top: box.y, width: box.size, height: box.size }}
        />
      )}
      <div className="actions zoom">
        <button type="button" onClick={() => view((instance) => instance.zoomBy(1.5))}>
          Zoom in
        </button>
        <button type="button" onClick={() => view((instance) => instance.zoomBy(1 / 1.5))}>
          Zoom out
        </button>
        <button type="button" onClick={() => view((instance) => instance.fit())}>
          Fit
        </button>
        <span className="muted">
          {Math.round((painter.current?.zoomLevel ?? 1) * 100)}% · drag to move, wheel to zoom
        </span>
      </div>
      <SeatDetailsPanel
        layout={layout}
        store={store}
        seat={active}
        selected={active >= 0 && selected.has(active)}
      />
      <ul className="legend" aria-label="Seat colours">
        {STATUS_NAMES.map((name, code) => (
          <li key={name}>
            <span className="swatch" style={{ background: STATUS_COLOURS[code] }} />
            {name} <span data-testid={`map-count-${name}`}>{counts[name]}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
