/**
 * The benchmark page: the console's own layout, seat store and painter with 20,000 seats, fed
 * synthetic seat messages at a fixed rate while animation frames are counted.
 */
import type { ConsoleSeatChange, SeatMap, SeatStatus } from '@happening/shared';
import { layoutSeatMap } from '../src/renderer/live/layout.js';
import { SeatMapPainter } from '../src/renderer/live/painter.js';
import { SeatStore } from '../src/renderer/live/seat-store.js';

export interface BenchResult {
  seats: number;
  changesPerSecondTarget: number;
  changesApplied: number;
  changesPerSecond: number;
  seconds: number;
  frames: number;
  framesPerSecond: number;
  worstFrameMs: number;
  p95FrameMs: number;
  fullPaintMs: number;
  /** Time the painter itself spends per frame: what the console costs, whatever else runs. */
  paintMsAverage: number;
  paintMsP95: number;
}

declare global {
  interface Window {
    runBench(options: { seconds: number; changesPerSecond: number }): Promise<BenchResult>;
  }
}

const map: SeatMap = {
  categories: [{ key: 's', label: 'Standard', price: 5000, currency: 'EUR' }],
  sections: ['north', 'east', 'south', 'west'].map((id) => ({
    id,
    label: id,
    kind: 'reserved' as const,
    category: 's',
    rows: Array.from({ length: 100 }, (_, r) => ({ label: `R${r + 1}`, seats: 50 })),
  })),
};

const STATUSES: SeatStatus[] = ['available', 'held', 'booked', 'blocked'];

window.runBench = async ({ seconds, changesPerSecond }) => {
  const layout = layoutSeatMap(map);
  const canvas = document.getElementById('map') as HTMLCanvasElement;
  const store = new SeatStore('bench', layout);
  const painter = new SeatMapPainter(canvas, layout, store);
  painter.resize(canvas.clientWidth, canvas.clientHeight);
  store.loadSnapshot({ eventId: 'bench', version: 0, sections: [], seats: {}, waitlistLength: 0 });
  const started = performance.now();
  painter.paint();
  const fullPaintMs = performance.now() - started;
  const paintTimes: number[] = [];
  const paint = painter.paint.bind(painter);
  painter.paint = () => {
    const before = performance.now();
    paint();
    paintTimes.push(performance.now() - before);
  };

  // Messages arrive as the server sends them: coalesced every ~20 ms, in version order.
  const intervalMs = 20;
  const perMessage = Math.max(1, Math.round((changesPerSecond * intervalMs) / 1000));
  let version = 0;
  let applied = 0;
  let random = 42;
  const next = () => {
    random = (random * 1_103_515_245 + 12_345) % 2 ** 31;
    return random;
  };
  const feeder = setInterval(() => {
    const changes: ConsoleSeatChange[] = [];
    for (let i = 0; i < perMessage; i++) {
      changes.push({ seatId: layout.ids[next() % layout.ids.length]!, status: STATUSES[next() % 4]! });
    }
    store.apply({ eventId: 'bench', fromVersion: version, version: version + 1, changes });
    version++;
    applied += changes.length;
  }, intervalMs);

  const frameTimes: number[] = [];
  await new Promise<void>((resolve) => {
    let last = performance.now();
    const end = last + seconds * 1000;
    const tick = (now: number) => {
      frameTimes.push(now - last);
      last = now;
      if (now < end) requestAnimationFrame(tick);
      else resolve();
    };
    requestAnimationFrame(tick);
  });
  clearInterval(feeder);
  painter.dispose();
  const elapsed = (performance.now() - started) / 1000;
  const sorted = [...frameTimes].sort((a, b) => a - b);
  const paints = [...paintTimes].sort((a, b) => a - b);
  const round = (value: number) => Math.round(value * 100) / 100;
  return {
    seats: layout.ids.length,
    changesPerSecondTarget: changesPerSecond,
    changesApplied: applied,
    changesPerSecond: Math.round(applied / elapsed),
    seconds: Math.round(elapsed * 10) / 10,
    frames: frameTimes.length,
    framesPerSecond: Math.round((frameTimes.length / seconds) * 10) / 10,
    worstFrameMs: Math.round(sorted.at(-1)! * 10) / 10,
    p95FrameMs: Math.round(sorted[Math.floor(sorted.length * 0.95)]! * 10) / 10,
    fullPaintMs: Math.round(fullPaintMs * 10) / 10,
    paintMsAverage: round(paints.reduce((sum, t) => sum + t, 0) / Math.max(1, paints.length)),
    paintMsP95: round(paints[Math.floor(paints.length * 0.95)] ?? 0),
  };
};
