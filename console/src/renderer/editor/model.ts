/**
 * The seat-map editor's model: what the organizer edits (sections as rows × seats, labels,
 * numbering direction, prices as decimals) and its exact translation to the shared `SeatMap`.
 * Pure functions, so the editor's rules are tested without a DOM.
 */
import {
  type PriceCategory,
  ROW_LABEL_PATTERN,
  SECTION_ID_PATTERN,
  type SeatMap,
  type SeatRow,
  type Section,
  seatMapProblems,
  totalCapacity,
} from '@happening/shared';

export type RowLabelStyle = 'letters' | 'numbers';
/** Which side seat 1 is on, seen from the stage. */
export type NumberingDirection = 'left-to-right' | 'right-to-left';

export interface ReservedSectionDraft {
  kind: 'reserved';
  id: string;
  label: string;
  category: string;
  rows: number;
  seatsPerRow: number;
  firstRowLabel: string;
  rowLabels: RowLabelStyle;
  numbering: NumberingDirection;
  /** Rows of an imported map that rows × seats cannot express; kept exactly as they were. */
  customRows?: SeatRow[];
}

export interface GeneralSectionDraft {
  kind: 'general';
  id: string;
  label: string;
  category: string;
  capacity: number;
}

export type SectionDraft = ReservedSectionDraft | GeneralSectionDraft;

export interface CategoryDraft {
  key: string;
  label: string;
  /** Decimal text as typed ("89.00"); stored as minor units. */
  price: string;
  currency: string;
}

export interface SeatMapDraft {
  sections: SectionDraft[];
  categories: CategoryDraft[];
}

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Spreadsheet-style letters: 0 → A, 25 → Z, 26 → AA. */
export function lettersFor(index: number): string {
  let label = '';
  let n = index + 1;
  while (n > 0) {
    const rem = (n - 1) % 26;
    label = LETTERS[rem] + label;
    n = Math.floor((n - 1) / 26);
  }
  return label;
}

export function letterIndex(label: string): number | null {
  if (!/^[A-Z]+$/.test(label)) return null;
  let n = 0;
  for (const char of label) n = n * 26 + (LETTERS.indexOf(char) + 1);
  return n - 1;
}

/** The labels of `count` rows starting at `first`, in the chosen style. */
export function rowLabels(count: number, style: RowLabelStyle, first: string): string[] {
  const labels: string[] = [];
  if (style === 'numbers') {
    const start = Number.parseInt(first, 10);
    const from = Number.isFinite(start) && start > 0 ? start : 1;
    for (let i = 0; i < count; i++) labels.push(String(from + i));
  } else {
    const from = letterIndex(first.toUpperCase()) ?? 0;
    for (let i = 0; i < count; i++) labels.push(lettersFor(from + i));
  }
  return labels;
}

/** Rows of a reserved draft; right-to-left numbering lists seats in drawing order, highest first. */
export function draftRows(section: ReservedSectionDraft): SeatRow[] {
  if (section.customRows) return section.customRows;
  const count = Math.max(0, Math.floor(section.rows));
  const seats = Math.max(0, Math.floor(section.seatsPerRow));
  return rowLabels(count, section.rowLabels, section.firstRowLabel).map((label) =>
    section.numbering === 'left-to-right' || seats === 0
      ? { label, seats }
      : { label, seats: Array.from({ length: seats }, (_, i) => ({ n: seats - i })) },
  );
}

/** Decimal text → minor units; null when it is not a price. */
export function parsePrice(text: string): number | null {
  const match = /^\s*(\d{1,9})(?:[.,](\d{1,2}))?\s*$/.exec(text);
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? '0').padEnd(2, '0'));
}

export function formatPrice(cents: number): string {
  return (cents / 100).toFixed(2);
}

export function toSeatMap(draft: SeatMapDraft): SeatMap {
  const sections: Section[] = draft.sections.map((section) =>
    section.kind === 'general'
      ? {
          id: section.id,
          label: section.label,
          kind: 'general',
          category: section.category,
          capacity: Math.floor(section.capacity),
        }
      : {
          id: section.id,
          label: section.label,
          kind: 'reserved',
          category: section.category,
          rows: draftRows(section),
        },
  );
  const categories: PriceCategory[] = draft.categories.map((category) => ({
    key: category.key,
    label: category.label,
    price: parsePrice(category.price) ?? 0,
    currency: category.currency.toUpperCase(),
  }));
  return { sections, categories };
}

/** Recognises rows × seats sections; anything irregular is kept verbatim as custom rows. */
export function fromSeatMap(map: SeatMap): SeatMapDraft {
  const sections = map.sections.map((section): SectionDraft => {
    if (section.kind === 'general') return { ...section };
    const base = {
      kind: 'reserved' as const,
      id: section.id,
      label: section.label,
      category: section.category,
      rows: section.rows.length,
      firstRowLabel: section.rows[0]?.label ?? 'A',
      rowLabels: (/^\d+$/.test(section.rows[0]?.label ?? '') ? 'numbers' : 'letters') as RowLabelStyle,
    };
    const first = section.rows[0];
    const seatsPerRow = first ? (typeof first.seats === 'number' ? first.seats : first.seats.length) : 0;
    for (const numbering of ['left-to-right', 'right-to-left'] as const) {
      const candidate: ReservedSectionDraft = { ...base, seatsPerRow, numbering };
      if (JSON.stringify(draftRows(candidate)) === JSON.stringify(section.rows)) return candidate;
    }
    return { ...base, seatsPerRow, numbering: 'left-to-right', customRows: section.rows };
  });
  const categories = map.categories.map((category) => ({
    key: category.key,
    label: category.label,
    price: formatPrice(category.price),
    currency: category.currency,
  }));
  return { sections, categories };
}

/** Problems in the organizer's words, each naming the field to fix; empty when the map can be saved. */
export function draftProblems(draft: SeatMapDraft): string[] {
  const problems: string[] = [];
  if (draft.sections.length === 0) problems.push('Add at least one section.');
  if (draft.categories.length === 0) problems.push('Add at least one price category.');
  for (const [i, category] of draft.categories.entries()) {
    const name = category.label || `category ${i + 1}`;
    if (!category.key.trim()) problems.push(`Price category ${i + 1} needs a key.`);
    if (!category.label.trim()) problems.push(`Price category ${i + 1} needs a label.`);
    if (parsePrice(category.price) === null)
      problems.push(`The price of ${name} must be a number like 49.90.`);
    if (!/^[A-Za-z]{3}$/.test(category.currency))
      problems.push(`The currency of ${name} must be a code like EUR.`);
  }
  const sectionIdPattern = new RegExp(SECTION_ID_PATTERN);
  const rowLabelPattern = new RegExp(ROW_LABEL_PATTERN);
  for (const [i, section] of draft.sections.entries()) {
    const name = section.label || `section ${i + 1}`;
    if (!sectionIdPattern.test(section.id))
      problems.push(`The id of ${name} must be lower-case letters, digits or _ (up to 32), e.g. "orch".`);
    if (!section.label.trim()) problems.push(`Section ${i + 1} needs a label.`);
    if (section.kind === 'general') {
      if (!Number.isInteger(section.capacity) || section.capacity < 1)
        problems.push(`The capacity of ${name} must be at least 1.`);
      continue;
    }
    if (section.customRows) continue;
    if (!Number.isInteger(section.rows) || section.rows < 1 || section.rows > 2_000)
      problems.push(`${name} needs between 1 and 2000 rows.`);
    if (!Number.isInteger(section.seatsPerRow) || section.seatsPerRow < 1 || section.seatsPerRow > 10_000)
      problems.push(`${name} needs between 1 and 10000 seats per row.`);
    const labels = draftRows(section).map((row) => row.label);
    const bad = labels.find((label) => !rowLabelPattern.test(label));
    if (bad !== undefined) problems.push(`Row label "${bad}" in ${name} is too long or has symbols.`);
  }
  if (problems.length > 0) return problems;
  return seatMapProblems(toSeatMap(draft)).map(
    (problem) => `${problem[0]?.toUpperCase()}${problem.slice(1)}.`,
  );
}

export function draftCapacity(draft: SeatMapDraft): number {
  return totalCapacity(toSeatMap(draft));
}

/** A fresh id that no section uses yet, from the label when possible. */
export function suggestSectionId(label: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  const base =
    label
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 24) || 'section';
  const start = /^[a-z0-9]/.test(base) ? base : `s${base}`;
  let id = start;
  for (let n = 2; used.has(id); n++) id = `${start}_${n}`;
  return id;
}

export function newReservedSection(taken: Iterable<string>, category: string): ReservedSectionDraft {
  return {
    kind: 'reserved',
    id: suggestSectionId('Orchestra', taken),
    label: 'Orchestra',
    category,
    rows: 10,
    seatsPerRow: 20,
    firstRowLabel: 'A',
    rowLabels: 'letters',
    numbering: 'left-to-right',
  };
}

export function newGeneralSection(taken: Iterable<string>, category: string): GeneralSectionDraft {
  return {
    kind: 'general',
    id: suggestSectionId('Standing', taken),
    label: 'Standing',
    category,
    capacity: 200,
  };
}

export function emptyDraft(): SeatMapDraft {
  const categories = [{ key: 'standard', label: 'Standard', price: '49.00', currency: 'EUR' }];
  return { categories, sections: [newReservedSection([], 'standard')] };
}
