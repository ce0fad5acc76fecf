/**
 * The seat-map editor: price categories, reserved sections generated from rows × seats (row labels,
 * numbering direction) and general-admission sections, with a live preview of the result.
 */
import { useId, useMemo } from 'react';
import { countOf } from '../ui/common.js';
import {
  type CategoryDraft,
  draftCapacity,
  draftProblems,
  newGeneralSection,
  newReservedSection,
  type ReservedSectionDraft,
  type SeatMapDraft,
  type SectionDraft,
  suggestSectionId,
  toSeatMap,
} from './model.js';
import { SeatMapPreview } from './SeatMapPreview.js';

interface Props {
  value: SeatMapDraft;
  onChange(next: SeatMapDraft): void;
  disabled?: boolean;
}

export function SeatMapEditor({ value, onChange, disabled }: Props) {
  const problems = useMemo(() => draftProblems(value), [value]);
  const preview = useMemo(() => (problems.length === 0 ? toSeatMap(value) : null), [value, problems]);
  const capacity = problems.length === 0 ? draftCapacity(value) : null;
  const firstCategory = value.categories[0]?.key ?? 'standard';
  const ids = value.sections.map((section) => section.id);

  const setCategory = (i: number, change: Partial<CategoryDraft>) =>
    onChange({ ...value, categories: value.categories.map((c, j) => (j === i ? { ...c, ...change } : c)) });
  const setSection = (i: number, next: SectionDraft) =>
    onChange({ ...value, sections: value.sections.map((s, j) => (j === i ? next : s)) });

  return (
    <div className="seatmap-editor">
      <fieldset disabled={disabled}>
        <legend>Price categories</legend>
        <table className="grid-form">
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Label</th>
              <th scope="col">Price</th>
              <th scope="col">Currency</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {value.categories.map((category, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place; the key may be mid-edit
              <tr key={i}>
                <td>
                  <input
                    aria-label={`Category ${i + 1} key`}
                    value={category.key}
                    onChange={(e) => setCategory(i, { key: e.target.value })}
                  />
                </td>
                <td>
                  <input
                    aria-label={`Category ${i + 1} label`}
                    value={category.label}
                    onChange={(e) => setCategory(i, { label: e.target.value })}
                  />
                </td>
                <td>
                  <input
                    aria-label={`Category ${i + 1} price`}
                    inputMode="decimal"
                    value={category.price}
                    onChange={(e) => setCategory(i, { price: e.target.value })}
                  />
                </td>
                <td>
                  <input
                    aria-label={`Category ${i + 1} currency`}
                    maxLength={3}
                    size={4}
                    value={category.currency}
                    onChange={(e) => setCategory(i, { currency: e.target.value.toUpperCase() })}
                  />
                </td>
                <td>
                  <button
                    type="button"
                    aria-label={`Remove category ${category.label || i + 1}`}
                    onClick={() =>
                      onChange({ ...value, categories: value.categories.filter((_, j) => j !== i) })
                    }
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <button
          type="button"
          onClick={() =>
            onChange({
              ...value,
              categories: [
                ...value.categories,
                {
                  key: `cat${value.categories.length + 1}`,
                  label: 'New category',
                  price: '0.00',
                  currency: value.categories[0]?.currency ?? 'EUR',
                },
              ],
            })
          }
        >
          Add category
        </button>
      </fieldset>

      <fieldset disabled={disabled}>
        <legend>Sections</legend>
        {value.sections.map((section, i) => (
          <SectionEditor
            // biome-ignore lint/suspicious/noArrayIndexKey: the id itself is editable
            key={i}
            index={i}
            section={section}
            categories={value.categories}
            onChange={(next) => setSection(i, next)}
            onRemove={() => onChange({ ...value, sections: value.sections.filter((_, j) => j !== i) })}
          />
        ))}
        <div className="actions">
          <button
            type="button"
            onClick={() =>
              onChange({ ...value, sections: [...value.sections, newReservedSection(ids, firstCategory)] })
            }
          >
            Add reserved section
          </button>
          <button
            type="button"
            onClick={() =>
              onChange({ ...value, sections: [...value.sections, newGeneralSection(ids, firstCategory)] })
            }
          >
            Add standing section
          </button>
        </div>
      </fieldset>

      <section className="preview" aria-labelledby="preview-title">
        <h2 id="preview-title">
          Preview {capacity !== null && <span className="muted">({countOf(capacity, 'place')})</span>}
        </h2>
        {problems.length > 0 ? (
          <div role="alert" className="problems">
            <p>Fix these to see the preview and save:</p>
            <ul>
              {problems.map((problem) => (
                <li key={problem}>{problem}</li>
              ))}
            </ul>
          </div>
        ) : (
          preview && <SeatMapPreview map={preview} />
        )}
      </section>
    </div>
  );
}

function SectionEditor({
  index,
  section,
  categories,
  onChange,
  onRemove,
}: {
  index: number;
  section: SectionDraft;
  categories: CategoryDraft[];
  onChange(next: SectionDraft): void;
  onRemove(): void;
}) {
  const id = useId();
  const name = section.label || `section ${index + 1}`;
  const field = (suffix: string) => `${id}-${suffix}`;
  const number = (text: string) => (text === '' ? 0 : Number(text));
  return (
    <fieldset className="section-editor">
      <legend className="visually-hidden">Section {name}</legend>
      <div className="row">
        <label htmlFor={field('label')}>Label</label>
        <input
          id={field('label')}
          value={section.label}
          onChange={(e) => onChange({ ...section, label: e.target.value })}
          onBlur={() => {
            if (!section.id) onChange({ ...section, id: suggestSectionId(section.label, []) });
          }}
        />
        <label htmlFor={field('id')}>Id</label>
        <input
          id={field('id')}
          value={section.id}
          size={10}
          onChange={(e) => onChange({ ...section, id: e.target.value })}
        />
        <label htmlFor={field('category')}>Category</label>
        <select
          id={field('category')}
          value={section.category}
          onChange={(e) => onChange({ ...section, category: e.target.value })}
        >
          {!categories.some((c) => c.key === section.category) && (
            <option value={section.category}>{section.category || '—'}</option>
          )}
          {categories.map((category) => (
            <option key={category.key} value={category.key}>
              {category.label || category.key}
            </option>
          ))}
        </select>
        <span className="muted">{section.kind === 'general' ? 'Standing' : 'Reserved seating'}</span>
        <button type="button" aria-label={`Remove section ${name}`} onClick={onRemove}>
          Remove
        </button>
      </div>
      {section.kind === 'general' ? (
        <div className="row">
          <label htmlFor={field('capacity')}>Capacity</label>
          <input
            id={field('capacity')}
            type="number"
            min={1}
            value={section.capacity || ''}
            onChange={(e) => onChange({ ...section, capacity: number(e.target.value) })}
          />
        </div>
      ) : section.customRows ? (
        <p className="muted">
          {countOf(section.customRows.length, 'row')} with a custom layout (imported).{' '}
          <button type="button" onClick={() => onChange(withoutCustomRows(section))}>
            Replace with rows × seats
          </button>
        </p>
      ) : (
        <div className="row">
          <label htmlFor={field('rows')}>Rows</label>
          <input
            id={field('rows')}
            type="number"
            min={1}
            max={2000}
            value={section.rows || ''}
            onChange={(e) => onChange({ ...section, rows: number(e.target.value) })}
          />
          <label htmlFor={field('seats')}>Seats per row</label>
          <input
            id={field('seats')}
            type="number"
            min={1}
            max={10000}
            value={section.seatsPerRow || ''}
            onChange={(e) => onChange({ ...section, seatsPerRow: number(e.target.value) })}
          />
          <label htmlFor={field('labels')}>Row labels</label>
          <select
            id={field('labels')}
            value={section.rowLabels}
            onChange={(e) =>
              onChange({
                ...section,
                rowLabels: e.target.value as ReservedSectionDraft['rowLabels'],
                firstRowLabel: e.target.value === 'numbers' ? '1' : 'A',
              })
            }
          >
            <option value="letters">Letters (A, B, …)</option>
            <option value="numbers">Numbers (1, 2, …)</option>
          </select>
          <label htmlFor={field('first')}>First row</label>
          <input
            id={field('first')}
            size={4}
            value={section.firstRowLabel}
            onChange={(e) => onChange({ ...section, firstRowLabel: e.target.value })}
          />
          <label htmlFor={field('numbering')}>Seat 1 is on the</label>
          <select
            id={field('numbering')}
            value={section.numbering}
            onChange={(e) =>
              onChange({ ...section, numbering: e.target.value as ReservedSectionDraft['numbering'] })
            }
          >
            <option value="left-to-right">left</option>
            <option value="right-to-left">right</option>
          </select>
        </div>
      )}
    </fieldset>
  );
}

function withoutCustomRows(section: ReservedSectionDraft): ReservedSectionDraft {
  const { customRows: _customRows, ...rest } = section;
  return rest;
}
