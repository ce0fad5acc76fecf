import { supportsAdoptingStyleSheets } from 'lit';
import { type MapLayout, type PlacedSeat, type PlacedSection, SEAT_PITCH, SEAT_RADIUS } from './layout.js';

/** How one seat is painted: a status class (shape and fill differ, not only colour) and its label. */
export interface SeatPaint {
  status: 'available' | 'selected' | 'pending' | 'held' | 'booked' | 'blocked';
  label: string;
}
export type DescribeSeat = (seat: PlacedSeat) => SeatPaint;
/** A draw's two moments: the whole map sketched on screen, then every seat interactive. */
export interface DrawnMap {
  visible: Promise<void>;
  complete: Promise<void>;
}

const MAX_ZOOM = 16;
const DRAG_THRESHOLD_PX = 4;
/** WCAG 2.2's minimum target size (2.5.8): a tap on seats drawn smaller zooms in first. */
export const TARGET_PX = 24;
/** A first tap zooms until seats are this big, a little above the minimum. */
const COMFORT_PX = 32;
const DOUBLE_TAP_MS = 350;

type Point = { x: number; y: number };

/**
 * Draws and repaints the reserved seats inside one <svg>. Lit renders the element around it, but
 * the seats are made here (thousands of circles, far cheaper than as many template instances)
 * and afterwards only the attributes of seats that changed are touched. Zoom and pan move the
 * viewBox, so no seat is ever re-laid out.
 *
 * Style recalculation of every seat is most of a large map's first render, so a seat carries as
 * little as it can: its category colour is inherited from its section's `<g class="cN">`, its
 * place and size come from a rule it shares with the seats in the same place of every other row
 * (see draw), and only seats in a status other than available carry a status class (`held`, …),
 * whose rule restyles that seat alone.
 */
export class SeatMapView {
  private readonly elements = new Map<string, SVGElement>();
  private readonly sheet = supportsAdoptingStyleSheets ? new CSSStyleSheet() : null;
  private view = { x: 0, y: 0, w: 1, h: 1 };
  private focusedId: string | null = null;
  private paintedFrame = 0;
  private paintedTimer: ReturnType<typeof setTimeout> | undefined;
  private drag: { x: number; y: number; view: { x: number; y: number }; moved: boolean } | null = null;
  /** True right after a drag (or a double tap), so the click that ends it does not pick a seat. */
  suppressClick = false;
  /** Fingers on the map (touch pointers), for pinch and two-finger pan. */
  private readonly touches = new Map<number, Point>();
  private pinch: { distance: number; zoom: number; anchor: Point } | null = null;
  private lastTap: { at: number; x: number; y: number } | null = null;
  /** The kind of pointer that started the latest gesture: a tap zooms first, a click picks. */
  pointerType = 'mouse';

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
    // touch-action lets one finger scroll the page (the map never traps it); only a two-finger
    // gesture is the map's, and the page must not pan or zoom under it.
    svg.addEventListener('touchmove', this.onTouchMove, { passive: false });
  }

  /**
   * Draws the map in two frames. First a sketch: each section's label and its seats as the dots
   * of one path (round caps on zero-length segments), the available ones in the section's colour
   * and the rest muted, a few elements per section, so the whole map is on screen a frame after
   * the data arrived. Then the interactive seats replace it, one element each: that second pass
   * is most of a large map's first render. `visible` resolves after the frame that painted the
   * sketch, `complete` after the one that painted the seats.
   */
  draw(describe: DescribeSeat, available: (seat: PlacedSeat) => boolean): DrawnMap {
    this.dispose();
    const sketch = this.svg.ownerDocument.createDocumentFragment();
    for (const section of this.layout.sections) {
      const dots = ['', ''];
      for (const seat of section.seats) dots[available(seat) ? 0 : 1] += `M${seat.cx} ${seat.cy}h0`;
      const group = this.make('g', { class: `c${this.categoryIndex(section.category)} sketch` });
      group.append(this.make('path', { d: dots[0]! }), this.make('path', { class: 'u', d: dots[1]! }));
      sketch.append(this.label(section), group);
    }
    this.svg.replaceChildren(sketch);
    this.fit();
    const visible = this.afterPaint();
    return { visible, complete: visible.then(() => this.drawSeats(describe)) };
  }

  private make(name: string, attributes: Record<string, string>): SVGElement {
    const element = this.svg.ownerDocument.createElementNS(SVG, name) as SVGElement;
    for (const [attribute, value] of Object.entries(attributes)) element.setAttribute(attribute, value);
    return element;
  }

  private label(section: PlacedSection): SVGElement {
    const label = this.make('text', {
      class: 'section-label',
      x: String(section.labelX),
      y: String(section.labelY),
      'aria-hidden': 'true',
    });
    label.textContent = section.label;
    return label;
  }

  /** Resolves after the next frame's style, layout and paint (rAF runs before them, a task queued from there after). */
  private afterPaint(): Promise<void> {
    return new Promise((resolve) => {
      this.paintedFrame = requestAnimationFrame(() => {
        this.paintedTimer = setTimeout(resolve, 0);
      });
    });
  }

  /**
   * Writes every seat in one pass (one insertion, one style and layout pass). Drawing the front
   * rows first and the rest a frame later made the complete map a frame later for the same total
   * work; the sketch before it shows the whole map sooner instead.
   *
   * Style recalculation gives each seat its own computed style unless it matches exactly what
   * another seat matches, and `cx`/`cy` attributes are style (SVG presentation attributes) that
   * differ for every seat. So a row of evenly spaced seats is a `<g transform>` placed at the row,
   * and each of its seats a circle of class `xN` (its place in the row) whose position comes from
   * one rule per place: seats in the same place of every row share their style. Seats with
   * explicit positions keep `cx`/`cy` attributes. (Style recalculation of a 10,000-seat map in
   * the benchmark's traces: median ~43 ms before, ~29 ms after.) Each seat is a clone of a prepared
   * circle, one per place, given its id and label.
   */
  private drawSeats(describe: DescribeSeat): Promise<void> {
    const { layout } = this;
    const make = this.make.bind(this);
    // What every seat starts with; a seat in an evenly spaced row also has its place's class.
    const blank = make('circle', { role: 'checkbox', 'aria-checked': 'false' });
    const blanks: SVGElement[] = [];
    const content = this.svg.ownerDocument.createDocumentFragment();
    for (const section of layout.sections) {
      const group = make('g', {
        class: `c${this.categoryIndex(section.category)}`,
        role: 'group',
        'aria-label': section.label,
      });
      const seats = section.seats;
      for (let start = 0; start < seats.length; ) {
        let end = start + 1;
        let even = seats[start]!.x === undefined && seats[start]!.y === undefined;
        for (; end < seats.length && seats[end]!.rowIndex === seats[start]!.rowIndex; end++)
          if (seats[end]!.x !== undefined || seats[end]!.y !== undefined) even = false;
        const first = seats[start]!;
        const row = even
          ? make('g', { transform: `translate(${first.cx - first.index * SEAT_PITCH} ${first.cy})` })
          : group;
        for (let i = start; i < end; i++) {
          const seat = seats[i]!;
          let element: SVGElement;
          if (even) {
            const index = seat.index;
            blanks[index] ??= make('circle', {
              class: `x${index}`,
              role: 'checkbox',
              'aria-checked': 'false',
            });
            element = blanks[index].cloneNode(false) as SVGElement;
          } else {
            element = blank.cloneNode(false) as SVGElement;
            element.setAttribute('cx', String(seat.cx));
            element.setAttribute('cy', String(seat.cy));
            element.setAttribute('r', String(SEAT_RADIUS));
          }
          element.setAttribute('data-id', seat.id);
          this.write(element, describe(seat), true);
          row.appendChild(element);
          this.elements.set(seat.id, element);
        }
        if (row !== group) group.appendChild(row);
        start = end;
      }
      content.append(this.label(section), group);
    }
    this.placeRules(blanks.length, content);
    // Only the roving seat carries a tabindex; focus() adds it to the next one.
    const first = layout.sections[0]?.seats[0]?.id ?? null;
    if (first) this.elements.get(first)!.setAttribute('tabindex', '0');
    this.focusedId = first;
    this.svg.replaceChildren(content);
    return this.afterPaint();
  }

  /**
   * One rule per place in a row: `.x3 { cx: 36px; r: 4.5px }`. Like the element's own styles, a
   * constructable stylesheet adopted by the shadow root (which `style-src` does not govern), or a
   * `<style>` where the browser has none (the README's CSP section covers both).
   */
  private placeRules(places: number, content: DocumentFragment): void {
    let rules = '';
    for (let i = 0; i < places; i++) rules += `.x${i}{cx:${i * SEAT_PITCH}px;r:${SEAT_RADIUS}px}`;
    const root = this.svg.getRootNode() as ShadowRoot | Document;
    if (!this.sheet) {
      const style = this.svg.ownerDocument.createElementNS(SVG, 'style');
      style.textContent = rules;
      content.prepend(style);
      return;
    }
    this.sheet.replaceSync(rules);
    if (!root.adoptedStyleSheets.includes(this.sheet))
      root.adoptedStyleSheets = [...root.adoptedStyleSheets, this.sheet];
  }

  /** Stops waiting for a draw's paint and takes its rules away (the element is going away or redrawing). */
  dispose(): void {
    cancelAnimationFrame(this.paintedFrame);
    clearTimeout(this.paintedTimer);
    const root = this.svg.getRootNode() as ShadowRoot | Document;
    if (this.sheet && root.adoptedStyleSheets.includes(this.sheet))
      root.adoptedStyleSheets = root.adoptedStyleSheets.filter((sheet) => sheet !== this.sheet);
  }

  paint(ids: Iterable<string>, describe: DescribeSeat): void {
    for (const id of ids) {
      const element = this.elements.get(id);
      const seat = this.layout.byId.get(id);
      if (element && seat) this.write(element, describe(seat), false);
    }
  }

  /** A fresh seat (just cloned: no status class, not checked, enabled) is only given what differs. */
  private write(element: SVGElement, paint: SeatPaint, fresh: boolean): void {
    const mine = isMine(paint);
    const unavailable = !mine && paint.status !== 'available';
    // The status class goes next to the place class (`x3`), which stays.
    if (!fresh) element.classList.remove(...STATUSES);
    if (!fresh || paint.status !== 'available') element.classList.add(paint.status);
    if (!fresh || mine) element.setAttribute('aria-checked', String(mine));
    if (unavailable) element.setAttribute('aria-disabled', 'true');
    else if (!fresh) element.removeAttribute('aria-disabled');
    element.setAttribute('aria-label', paint.label);
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

  /** A point on the screen in map units (the viewBox may be letterboxed by the map's max height). */
  private toMap(x: number, y: number): Point {
    const matrix = this.svg.getScreenCTM();
    return matrix ? new DOMPoint(x, y).matrixTransform(matrix.inverse()) : { x, y };
  }

  /** How many CSS pixels across a seat is drawn now. */
  get seatPixels(): number {
    return SEAT_RADIUS * 2 * (this.svg.getScreenCTM()?.a ?? 1);
  }

  /** Zooms in around a screen point until seats are comfortable to tap; false when they already are. */
  zoomToTap(x: number, y: number): boolean {
    if (this.seatPixels >= TARGET_PX) return false;
    this.zoomBy(COMFORT_PX / this.seatPixels, this.toMap(x, y));
    return true;
  }

  /** Keeps the map point `anchor` under the screen point (x, y) after a zoom. */
  private keepUnder(anchor: Point, x: number, y: number): void {
    const now = this.toMap(x, y);
    this.view.x += anchor.x - now.x;
    this.view.y += anchor.y - now.y;
    this.apply();
  }

  private middle(): Point & { distance: number } {
    const [a, b] = [...this.touches.values()] as [Point, Point];
    return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2, distance: Math.hypot(a.x - b.x, a.y - b.y) || 1 };
  }

  private readonly onTouchMove = (event: TouchEvent) => {
    if (event.touches.length > 1) event.preventDefault();
  };

  private readonly onPointerDown = (event: PointerEvent) => {
    this.pointerType = event.pointerType;
    if (event.pointerType === 'touch') {
      this.touches.set(event.pointerId, { x: event.clientX, y: event.clientY });
      if (this.touches.size === 2) {
        const middle = this.middle();
        this.pinch = { distance: middle.distance, zoom: this.zoom, anchor: this.toMap(middle.x, middle.y) };
      }
      return;
    }
    if (event.button !== 0 || this.zoom <= 1.01) return;
    this.drag = {
      x: event.clientX,
      y: event.clientY,
      view: { x: this.view.x, y: this.view.y },
      moved: false,
    };
  };

  private readonly onPointerMove = (event: PointerEvent) => {
    if (this.touches.has(event.pointerId)) {
      this.touches.set(event.pointerId, { x: event.clientX, y: event.clientY });
      const pinch = this.pinch;
      if (!pinch || this.touches.size !== 2) return;
      // Spreading the fingers zooms, moving them together pans: the map point first between the
      // fingers stays between them.
      const middle = this.middle();
      this.zoomBy((pinch.zoom * (middle.distance / pinch.distance)) / this.zoom);
      this.keepUnder(pinch.anchor, middle.x, middle.y);
      this.suppressClick = true;
      return;
    }
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

  private readonly onPointerUp = (event: PointerEvent) => {
    if (this.touches.delete(event.pointerId)) {
      if (this.pinch) {
        // The click of a pinch's last finger picks nothing.
        if (this.touches.size === 0) this.pinch = null;
        return;
      }
      this.suppressClick = false;
      if (event.type !== 'pointerup') return;
      const last = this.lastTap;
      const { clientX: x, clientY: y, timeStamp: at } = event;
      this.lastTap = { at, x, y };
      if (last && at - last.at < DOUBLE_TAP_MS && Math.hypot(x - last.x, y - last.y) < TARGET_PX) {
        // A double tap zooms in around it (the browser's own double-tap zoom is off on the map).
        this.lastTap = null;
        this.suppressClick = true;
        this.zoomBy(2, this.toMap(x, y));
      }
      return;
    }
    this.suppressClick = this.drag?.moved ?? false;
    this.drag = null;
  };

  /** Ctrl/⌘ + wheel (and trackpad pinch) zooms; a plain wheel keeps scrolling the partner's page. */
  private readonly onWheel = (event: WheelEvent) => {
    if (!event.ctrlKey && !event.metaKey) return;
    event.preventDefault();
    this.zoomBy(Math.exp(-event.deltaY / 200), this.toMap(event.clientX, event.clientY));
  };
}

const SVG = 'http://www.w3.org/2000/svg';
const STATUSES: SeatPaint['status'][] = ['available', 'selected', 'pending', 'held', 'booked', 'blocked'];
const isMine = (paint: SeatPaint) => paint.status === 'selected' || paint.status === 'pending';
