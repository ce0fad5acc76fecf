import { escapeXml } from './format.js';
import { type MapLayout, type PlacedSeat, SEAT_RADIUS } from './layout.js';

/** How one seat is painted: a status class (shape and fill differ, not only colour) and its label. */
export interface SeatPaint {
  status: 'available' | 'selected' | 'pending' | 'held' | 'booked' | 'blocked';
  label: string;
}
export type DescribeSeat = (seat: PlacedSeat) => SeatPaint;

const MAX_ZOOM = 16;
const DRAG_THRESHOLD_PX = 4;

/**
 * Draws and repaints the reserved seats inside one <svg>. Lit renders the element around it, but
 * the seats are written as one markup string (thousands of circles parse in milliseconds, far
 * cheaper than as many template instances) and afterwards only the attributes of seats that
 * changed are touched. Zoom and pan move the viewBox, so no seat is ever re-laid out.
 *
 * Style recalculation of every seat is most of a large map's first render, so a seat carries as
 * little as it can: its category colour is inherited from its section's `<g class="cN">`, and an
 * available seat has no class at all; only seats in another status carry one (`held`, …), whose
 * rule restyles that seat alone.
 */
export class SeatMapView {
  private readonly elements = new Map<string, SVGElement>();
  private view = { x: 0, y: 0, w: 1, h: 1 };
  private focusedId: string | null = null;
  private paintedFrame = 0;
  private paintedTimer: ReturnType<typeof setTimeout> | undefined;
  private drag: { x: number; y: number; view: { x: number; y: number }; moved: boolean } | null = null;
  /** True right after a drag, so the click that ends it does not pick a seat. */
  suppressClick = false;

  constructor(
    private readonly svg: SVGSVGElement,
    private readonly layout: MapLayout,
    /** Category colours come from CSS custom properties indexed by the category's position. */
    private readonly categoryIndex: (category: string) => number,
  ) {
    svg.addEventListener('pointerdown', this.onPointerDown);
    svg.addEventListener('pointermove', this.onPointerMove);
    svg.addEventListener('pointerup', this.onPointerUp);
    svg.addEventListener('pointercancel', this.onPointerUp);
    svg.addEventListener('wheel', this.onWheel, { passive: false });
  }

  /**
   * Writes every seat in one pass (one markup string, one parse, one style and layout pass).
   * Drawing the front rows first and the rest a frame later showed something sooner but made the
   * complete map a frame later, and the same total work was done either way. Resolves after the
   * first frame that painted the seats.
   */
  draw(describe: DescribeSeat): Promise<void> {
    this.dispose();
    const { layout } = this;
    const seats = layout.sections.flatMap((section) => section.seats);
    const first = seats[0]?.id;
    this.svg.innerHTML = layout.sections
      .map(
        (section) =>
          `<text class="section-label" x="${section.labelX}" y="${section.labelY}" aria-hidden="true">${escapeXml(section.label)}</text><g class="c${this.categoryIndex(section.category)}" role="group" aria-label="${escapeXml(section.label)}">${section.seats.map((seat) => this.markup(seat, describe, seat.id === first)).join('')}</g>`,
      )
      .join('');
    this.elements.clear();
    // Document order is drawing order.
    const circles = this.svg.getElementsByTagName('circle');
    for (let i = 0; i < seats.length; i++) this.elements.set(seats[i]!.id, circles[i] as SVGElement);
    this.focusedId = first ?? null;
    this.fit();
    return new Promise((resolve) => {
      // rAF runs before the frame's style, layout and paint; a task queued from there runs after.
      this.paintedFrame = requestAnimationFrame(() => {
        this.paintedTimer = setTimeout(resolve, 0);
      });
    });
  }

  /** Stops waiting for a draw's paint (the element is going away or redrawing). */
  dispose(): void {
    cancelAnimationFrame(this.paintedFrame);
    clearTimeout(this.paintedTimer);
  }

  private markup(seat: PlacedSeat, describe: DescribeSeat, first: boolean): string {
    const paint = describe(seat);
    const status = paint.status === 'available' ? '' : ` class="${paint.status}"`;
    // Only the roving seat carries a tabindex; focus() adds it to the next one.
    const tabindex = first ? ' tabindex="0"' : '';
    const disabled = isUnavailable(paint) ? ' aria-disabled="true"' : '';
    return `<circle${status} cx="${seat.cx}" cy="${seat.cy}" r="${SEAT_RADIUS}" data-id="${seat.id}" role="checkbox"${tabindex} aria-checked="${isMine(paint)}"${disabled} aria-label="${escapeXml(paint.label)}"></circle>`;
  }

  paint(ids: Iterable<string>, describe: DescribeSeat): void {
    for (const id of ids) {
      const element = this.elements.get(id);
      const seat = this.layout.byId.get(id);
      if (!element || !seat) continue;
      const paint = describe(seat);
      element.setAttribute('class', paint.status);
      element.setAttribute('aria-checked', String(isMine(paint)));
      if (isUnavailable(paint)) element.setAttribute('aria-disabled', 'true');
      else element.removeAttribute('aria-disabled');
      element.setAttribute('aria-label', paint.label);
    }
  }

  seatAt(target: EventTarget | null): string | null {
    const element = (target as Element | null)?.closest?.('circle[data-id]') as SVGElement | null;
    return element?.dataset.id ?? null;
  }

  /** Roving tabindex: exactly one seat is in the tab order, the last one focused. */
  focus(id: string): void {
    const element = this.elements.get(id);
    if (!element) return;
    if (this.focusedId && this.focusedId !== id)
      this.elements.get(this.focusedId)?.removeAttribute('tabindex');
    element.setAttribute('tabindex', '0');
    this.focusedId = id;
    this.reveal(id);
    element.focus();
  }

  get focused(): string | null {
    return this.focusedId;
  }

  fit(): void {
    this.view = { x: 0, y: 0, w: this.layout.width, h: this.layout.height };
    this.svg.style.aspectRatio = `${this.layout.width} / ${this.layout.height}`;
    this.apply();
  }

  get zoom(): number {
    return this.layout.width / this.view.w;
  }

  /** Zooms around a point in map units (the view's centre by default). */
  zoomBy(factor: number, around?: { x: number; y: number }): void {
    const zoom = Math.min(MAX_ZOOM, Math.max(1, this.zoom * factor));
    const w = this.layout.width / zoom;
    const h = this.layout.height / zoom;
    const cx = around?.x ?? this.view.x + this.view.w / 2;
    const cy = around?.y ?? this.view.y + this.view.h / 2;
    const rx = (cx - this.view.x) / this.view.w;
    const ry = (cy - this.view.y) / this.view.h;
    this.view = { x: cx - rx * w, y: cy - ry * h, w, h };
    this.apply();
  }

  private reveal(id: string): void {
    const seat = this.layout.byId.get(id);
    if (!seat) return;
    const { x, y, w, h } = this.view;
    const margin = SEAT_RADIUS * 2;
    if (
      seat.cx - margin >= x &&
      seat.cx + margin <= x + w &&
      seat.cy - margin >= y &&
      seat.cy + margin <= y + h
    )
      return;
    this.view = { x: seat.cx - w / 2, y: seat.cy - h / 2, w, h };
    this.apply();
  }

  private apply(): void {
    const { width, height } = this.layout;
    this.view.x = Math.min(Math.max(0, this.view.x), width - this.view.w);
    this.view.y = Math.min(Math.max(0, this.view.y), height - this.view.h);
    const { x, y, w, h } = this.view;
    this.svg.setAttribute(
      'viewBox',
      `${x - SEAT_RADIUS} ${y - SEAT_RADIUS} ${w + SEAT_RADIUS * 2} ${h + SEAT_RADIUS * 2}`,
    );
    this.svg.classList.toggle('zoomed', this.zoom > 1.01);
  }

  private unitsPerPixel(): number {
    return this.view.w / Math.max(1, this.svg.clientWidth);
  }

  private readonly onPointerDown = (event: PointerEvent) => {
    if (event.button !== 0 || this.zoom <= 1.01) return;
    this.drag = {
      x: event.clientX,
      y: event.clientY,
      view: { x: this.view.x, y: this.view.y },
      moved: false,
    };
  };

  private readonly onPointerMove = (event: PointerEvent) => {
    const drag = this.drag;
    if (!drag) return;
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < DRAG_THRESHOLD_PX) return;
    if (!drag.moved) this.svg.setPointerCapture(event.pointerId);
    drag.moved = true;
    const scale = this.unitsPerPixel();
    this.view.x = drag.view.x - dx * scale;
    this.view.y = drag.view.y - dy * scale;
    this.apply();
  };

  private readonly onPointerUp = () => {
    this.suppressClick = this.drag?.moved ?? false;
    this.drag = null;
  };

  /** Ctrl/⌘ + wheel (and trackpad pinch) zooms; a plain wheel keeps scrolling the partner's page. */
  private readonly onWheel = (event: WheelEvent) => {
    if (!event.ctrlKey && !event.metaKey) return;
    event.preventDefault();
    const box = this.svg.getBoundingClientRect();
    const scale = this.unitsPerPixel();
    this.zoomBy(Math.exp(-event.deltaY / 200), {
      x: this.view.x + (event.clientX - box.left) * scale,
      y: this.view.y + (event.clientY - box.top) * scale,
    });
  };
}

const isMine = (paint: SeatPaint) => paint.status === 'selected' || paint.status === 'pending';
const isUnavailable = (paint: SeatPaint) => !isMine(paint) && paint.status !== 'available';
