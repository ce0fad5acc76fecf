import { encodeHistogram, newHistogram, nowMs } from './stats.js';

export interface LoopResult {
  /** Iterations that counted (e.g. confirmed bookings, successful holds). */
  count: number;
  /** Iterations that failed unexpectedly. */
  errors: number;
  elapsedMs: number;
  /** Latency of each counted iteration (µs, hdr-histogram, compressed). */
  histogram: string;
  firstError?: string;
}

/**
 * `concurrency` closed loops (each waits for its answer before asking again) for `durationMs`.
 * `iteration` returns the latency-relevant duration it wants recorded, `null` when it did not
 * count, or throws for an error. An iteration started before the deadline always finishes, so
 * nothing is left half-done (a hold without its release).
 */
export async function closedLoops(
  concurrency: number,
  durationMs: number,
  iteration: (worker: number, round: number) => Promise<number | null>,
): Promise<LoopResult> {
  const histogram = newHistogram();
  let count = 0;
  let errors = 0;
  let firstError: string | undefined;
  const start = nowMs();
  const deadline = start + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let round = 0; nowMs() < deadline; round++) {
        try {
          const micros = await iteration(worker, round);
          if (micros !== null) {
            count++;
            histogram.recordValue(Math.max(1, Math.round(micros)));
          }
        } catch (error) {
          errors++;
          firstError ??= String((error as Error)?.message ?? error);
          if (errors > 1_000) break;
        }
      }
    }),
  );
  return {
    count,
    errors,
    elapsedMs: nowMs() - start,
    histogram: encodeHistogram(histogram),
    ...(firstError ? { firstError } : {}),
  };
}

/** Sums the counts of loops that ran side by side in several processes. */
export function combine(results: LoopResult[]): {
  count: number;
  errors: number;
  elapsedMs: number;
  ratePerSecond: number;
  histograms: string[];
  firstError?: string;
} {
  const count = results.reduce((sum, r) => sum + r.count, 0);
  const errors = results.reduce((sum, r) => sum + r.errors, 0);
  const elapsedMs = Math.max(...results.map((r) => r.elapsedMs));
  const firstError = results.find((r) => r.firstError)?.firstError;
  return {
    count,
    errors,
    elapsedMs,
    ratePerSecond: (count / elapsedMs) * 1_000,
    histograms: results.map((r) => r.histogram),
    ...(firstError ? { firstError } : {}),
  };
}
