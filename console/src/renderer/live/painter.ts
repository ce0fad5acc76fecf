/**
 * Draws the live seat map on a canvas. A full paint happens only after a snapshot or a resize;
 * between them each animation frame repaints just the seats that changed, so thousands of changes
 * a second cost a few hundred rectangles per frame, not 20,000.
 */
import { PITCH, type SeatLayout } from './layout.js';
import type { SeatStore } from './seat-store.js';

export const STATUS_COLOURS = ['#2f9e5b', '#e8a317', '#3b5bdb', '#5c5f66'] as const;
const BACKGROUND = '#ffffff';
const SECTION_FILL = '#f1f3f5';
const SELECTED = '#c2255c';
const FOCUS = '#111111';
const INSET = 1;
const MAX_SEAT_CSS_PX = 28;
const MAX_ZOOMED_SEAT_CSS_PX = 48;

export class SeatMapPainter {
  private scale = 1;
  private fitScale = 1;
  private zoom = 1;
  private panX = 0;
  private panY = 0;
  private ratio = 1;
  private offsetX = 0;
  private offsetY = 0;
  private frame = 0;
  private readonly context: CanvasRenderingContext2D | null;
  private unsubscribe: () => void;
  selected = new Set<number>();
  focused = -1;
  /** Frames painted, for the benchmark and tests. */
  frames = 0;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly layout: SeatLayout,
    private readonly store: SeatStore,
  ) {
    this.context = canvas.getContext('2d', { alpha: false });
    this.unsubscribe = store.subscribe(() => this.schedule());
  }

  /** Fits the map into the canvas's CSS size at the device pixel ratio (keeping the zoom). */
  resize(cssWidth: number, cssHeight: number, ratio = globalThis.devicePixelRatio || 1): void {
    this.ratio = ratio;
    this.canvas.width = Math.max(1, Math.round(cssWidth * ratio));
    this.canvas.height = Math.max(1, Math.round(cssHeight * ratio));
    const margin = 12 * ratio;
    const fit = Math.min(
      (this.canvas.width - 2 * margin) / Math.max(this.layout.width, PITCH),
      (this.canvas.height - 2 * margin) / Math.max(this.layout.height, PITCH),
    );
    // Small maps stay at a readable seat size instead of filling the whole canvas.
    this.fitScale = Math.min(Math.max(fit, 0.05), (MAX_SEAT_CSS_PX * ratio) / PITCH);
    this.applyView();
  }

  /** Zooms by `factor` keeping the point under (cssX, cssY) in place; 1× is the fitted map. */
  zoomBy(
    factor: number,
    cssX = this.canvas.width / this.ratio / 2,
    cssY = this.canvas.height / this.ratio / 2,
  ): void {
    const anchor = this.toLayout(cssX, cssY);
    const maxZoom = Math.max(1, (MAX_ZOOMED_SEAT_CSS_PX * this.ratio) / PITCH / this.fitScale);
    this.zoom = Math.min(maxZoom, Math.max(1, this.zoom * factor));
    if (this.zoom === 1) {
      this.panX = 0;
      this.panY = 0;
    }
    this.applyView();
    if (this.zoom > 1) {
      // Shift so the anchor is back under the pointer.
      this.panX += cssX * this.ratio - (this.offsetX + anchor.x * this.scale);
      this.panY += cssY * this.ratio - (this.offsetY + anchor.y * this.scale);
      this.applyView();
    }
  }

  /** Moves the zoomed map by CSS pixels (dragging). */
  panBy(dx: number, dy: number): void {
    if (this.zoom === 1) return;
    this.panX += dx * this.ratio;
    this.panY += dy * this.ratio;
    this.applyView();
  }

  fit(): void {
    this.zoom = 1;
    this.panX = 0;
    this.panY = 0;
    this.applyView();
  }

  get zoomLevel(): number {
    return this.zoom;
  }

  /** Pans just enough to bring seat `i` into view (keyboard moves while zoomed in). */
  ensureVisible(i: number): void {
    if (i < 0 || this.zoom === 1) return;
    const cell = PITCH * this.scale;
    const x = this.offsetX + this.layout.x[i]! * this.scale;
    const y = this.offsetY + this.layout.y[i]! * this.scale;
    const pad = cell * 2;
    let dx = 0;
    let dy = 0;
    if (x < pad) dx = pad - x;
    else if (x + cell > this.canvas.width - pad) dx = this.canvas.width - pad - x - cell;
    if (y < pad) dy = pad - y;
    else if (y + cell > this.canvas.height - pad) dy = this.canvas.height - pad - y - cell;
    if (dx || dy) {
      this.panX += dx;
      this.panY += dy;
      this.applyView();
    }
  }

  private applyView(): void {
    const margin = 12 * this.ratio;
    this.scale = this.fitScale * this.zoom;
    this.offsetX = (this.canvas.width - this.layout.width * this.scale) / 2 + this.panX;
    this.offsetY = Math.max(margin, (this.canvas.height - this.layout.height * this.scale) / 2) + this.panY;
    this.store.markAllDirty();
  }

  /** Layout coordinates of a point given in CSS pixels relative to the canvas. */
  toLayout(cssX: number, cssY: number, ratio = globalThis.devicePixelRatio || 1): { x: number; y: number } {
    return {
      x: (cssX * ratio - this.offsetX) / this.scale,
      y: (cssY * ratio - this.offsetY) / this.scale,
    };
  }

  /** CSS-pixel box of a seat, for placing its tooltip. */
  seatBox(i: number, ratio = globalThis.devicePixelRatio || 1): { x: number; y: number; size: number } {
    return {
      x: (this.offsetX + this.layout.x[i]! * this.scale) / ratio,
      y: (this.offsetY + this.layout.y[i]! * this.scale) / ratio,
      size: (PITCH * this.scale) / ratio,
    };
  }

  schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.paint();
    });
  }

  /** Repaints what changed (or everything after a snapshot). */
  paint(): void {
    this.frames++;
    const dirty = this.store.takeDirty();
    const g = this.context;
    if (!g) return;
    if (dirty === 'all') {
      this.paintBackground(g);
      this.paintSeats(g);
    } else {
      for (const i of dirty) this.paintSeat(g, i);
    }
  }

  /** Repaints single seats whose highlight changed (selection, focus). */
  repaintSeats(seats: Iterable<number>): void {
    const g = this.context;
    if (!g) return;
    for (const i of seats) if (i >= 0) this.paintSeat(g, i);
  }

  dispose(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.unsubscribe();
  }

  private paintBackground(g: CanvasRenderingContext2D): void {
    g.fillStyle = BACKGROUND;
    g.fillRect(0, 0, this.canvas.width, this.canvas.height);
    const s = this.scale;
    g.font = `${Math.max(10, Math.min(14, 12 * s * 4))}px system-ui, sans-serif`;
    g.textBaseline = 'bottom';
    for (const box of this.layout.sections) {
      const x = this.offsetX + box.x * s;
      const y = this.offsetY + box.y * s;
      g.fillStyle = SECTION_FILL;
      g.fillRect(x - 2, y - 2, box.width * s + 4, box.height * s + 4);
      g.fillStyle = '#343a40';
      g.fillText(box.kind === 'general' ? `${box.label} (standing, ${box.capacity})` : box.label, x, y - 3);
    }
  }

  private paintSeats(g: CanvasRenderingContext2D): void {
    // Batched by colour: one fillStyle change per status instead of one per seat.
    const size = Math.max(1, PITCH * this.scale - 2 * INSET);
    for (let code = 0; code < STATUS_COLOURS.length; code++) {
      g.fillStyle = STATUS_COLOURS[code]!;
      for (let i = 0; i < this.store.status.length; i++) {
        if (this.store.status[i] !== code) continue;
        g.fillRect(
          this.offsetX + this.layout.x[i]! * this.scale + INSET,
          this.offsetY + this.layout.y[i]! * this.scale + INSET,
          size,
          size,
        );
      }
    }
    for (const i of this.selected) this.paintSeat(g, i);
    if (this.focused >= 0) this.paintSeat(g, this.focused);
  }

  private paintSeat(g: CanvasRenderingContext2D, i: number): void {
    const cell = PITCH * this.scale;
    const x = this.offsetX + this.layout.x[i]! * this.scale;
    const y = this.offsetY + this.layout.y[i]! * this.scale;
    g.fillStyle = SECTION_FILL;
    g.fillRect(x, y, cell, cell);
    g.fillStyle = STATUS_COLOURS[this.store.status[i] ?? 0]!;
    g.fillRect(x + INSET, y + INSET, Math.max(1, cell - 2 * INSET), Math.max(1, cell - 2 * INSET));
    const ring = this.focused === i ? FOCUS : this.selected.has(i) ? SELECTED : null;
    if (ring) {
      g.strokeStyle = ring;
      g.lineWidth = Math.max(1, Math.min(3, cell / 6));
      g.strokeRect(x + g.lineWidth / 2, y + g.lineWidth / 2, cell - g.lineWidth, cell - g.lineWidth);
    }
  }
}
