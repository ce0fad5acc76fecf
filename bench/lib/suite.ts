import type { Mode, Sizes } from './config.js';
import type { Figure, SuiteNote } from './report.js';

export interface SuiteContext {
  mode: Mode;
  sizes: Sizes;
  /** Run the server under `--cpu-prof` (profiles land in bench/results/profiles/). */
  profile: boolean;
  progress(text: string): void;
  figure(figure: Figure): void;
  note(note: SuiteNote): void;
}

export type Suite = (context: SuiteContext) => Promise<void>;

/** Splits `items` into `parts` nearly equal slices (for spreading clients over processes). */
export function split<T>(items: T[], parts: number): T[][] {
  const size = Math.ceil(items.length / parts);
  return Array.from({ length: parts }, (_, i) => items.slice(i * size, (i + 1) * size)).filter(
    (s) => s.length > 0,
  );
}

/** Rotates the order engines run in each round, so none always runs on a warmer or cooler machine. */
export function rotated<T>(items: T[], round: number): T[] {
  const shift = round % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

export const ratioGoal = (ratio: number, goal: number) => ({ goal: `≥ ${goal}×`, met: ratio >= goal });
