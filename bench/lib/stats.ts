import * as hdr from 'hdr-histogram-js';

/** Latencies are recorded in microseconds, reported in milliseconds. */
export function newHistogram(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 120_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

export const encodeHistogram = (h: hdr.Histogram): string => hdr.encodeIntoCompressedBase64(h);

export function mergeHistograms(encoded: string[]): hdr.Histogram {
  const total = newHistogram();
  for (const text of encoded) total.add(hdr.decodeFromCompressedBase64(text));
  return total;
}

export interface Latency {
  p50: number;
  p99: number;
  count: number;
}

export function latencyOf(h: hdr.Histogram): Latency {
  return {
    p50: h.getValueAtPercentile(50) / 1_000,
    p99: h.getValueAtPercentile(99) / 1_000,
    count: h.totalCount,
  };
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
export const nowMs = (): number => performance.timeOrigin + performance.now();

/** A round whose ratio is this far from the median (either way, relative) is flagged an outlier. */
export const OUTLIER_DEVIATION = 0.25;

export interface PairedRatio {
  /** The median of the per-round ratios: what a figure reports. */
  median: number;
  /** ours ÷ peer, one per round (both measured in the same round). */
  ratios: number[];
  /** Rounds (0-based) whose ratio is more than OUTLIER_DEVIATION from the median (3+ rounds). */
  outliers: number[];
}

/**
 * Ratios as the median of per-round paired ratios: each round's ours ÷ that round's peer, so a
 * round the machine slowed down for both cancels out instead of skewing one median.
 */
export function pairedRatio(ours: number[], peer: number[]): PairedRatio {
  const ratios = ours.map((value, round) => value / peer[round]!);
  const mid = median(ratios);
  // With two rounds the median is their mean and both would be "far" from it: no verdict.
  const outliers =
    ratios.length < 3
      ? []
      : ratios.flatMap((ratio, round) => (Math.abs(ratio / mid - 1) > OUTLIER_DEVIATION ? [round] : []));
  return { median: mid, ratios, outliers };
}

/** "rounds 1.9×, 2.1×, 2.0×; round 3 an outlier" for a figure's detail. */
export function describePaired(paired: PairedRatio): string {
  const rounds = paired.ratios.map((ratio) => `${ratio.toFixed(2)}×`).join(', ');
  const outliers = paired.outliers.map((round) => `round ${round + 1}`).join(', ');
  return `per-round ratios ${rounds}${outliers ? `; outlier: ${outliers} (> ${OUTLIER_DEVIATION * 100}% from the median)` : ''}`;
}
