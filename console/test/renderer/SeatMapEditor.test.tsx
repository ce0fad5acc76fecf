// @vitest-environment happy-dom
import { reservedSeats } from '@happening/shared';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyDraft, type SeatMapDraft, toSeatMap } from '../../src/renderer/editor/model.js';
import { SeatMapEditor } from '../../src/renderer/editor/SeatMapEditor.js';
import { act, allByLabel, byLabel, type Rendered, render, typeInto } from './dom.js';

let latest: SeatMapDraft;
function Harness({ initial }: { initial: SeatMapDraft }) {
  const [draft, setDraft] = useState(initial);
  latest = draft;
  return <SeatMapEditor value={draft} onChange={setDraft} />;
}

let view: Rendered;
afterEach(() => view?.unmount());

const previewTitle = () => view.container.querySelector('#preview-title')?.textContent ?? '';
const canvasLabel = () => view.container.querySelector('canvas')?.getAttribute('aria-label') ?? '';

describe('seat-map editor', () => {
  it('generates a reserved section from rows × seats and previews it live', async () => {
    view = await render(<Harness initial={emptyDraft()} />);
    expect(previewTitle()).toContain('200 places');
    await typeInto(byLabel(view.container, 'Rows'), '12');
    await typeInto(byLabel(view.container, 'Seats per row'), '30');
    expect(previewTitle()).toContain('360 places');
    expect(canvasLabel()).toContain('12 rows, 360 reserved seats');
    const map = toSeatMap(latest);
    expect(map.sections[0]).toMatchObject({ kind: 'reserved', id: 'orchestra' });
    expect([...reservedSeats(map)].at(-1)?.id).toBe('orchestra-L-30');
  });

  it('labels rows with numbers and numbers seats from the right when asked', async () => {
    view = await render(<Harness initial={emptyDraft()} />);
    await typeInto(byLabel(view.container, 'Row labels'), 'numbers');
    await typeInto(byLabel(view.container, 'Seat 1 is on the'), 'right-to-left');
    await typeInto(byLabel(view.container, 'Seats per row'), '3');
    const firstRow = [...reservedSeats(toSeatMap(latest))].filter((seat) => seat.row === '1');
    expect(firstRow.map((seat) => seat.id)).toEqual(['orchestra-1-3', 'orchestra-1-2', 'orchestra-1-1']);
  });

  it('adds a standing section with its capacity and a new price category', async () => {
    view = await render(<Harness initial={emptyDraft()} />);
    const buttons = [...view.container.querySelectorAll('button')];
    await act(async () => buttons.find((b) => b.textContent === 'Add standing section')!.click());
    await typeInto(byLabel(view.container, 'Capacity'), '500');
    await act(async () => buttons.find((b) => b.textContent === 'Add category')!.click());
    await typeInto(byLabel(view.container, 'Category 2 label'), 'VIP');
    await typeInto(byLabel(view.container, 'Category 2 price'), '120.5');
    const map = toSeatMap(latest);
    expect(map.sections[1]).toEqual({
      id: 'standing',
      label: 'Standing',
      kind: 'general',
      category: 'standard',
      capacity: 500,
    });
    expect(map.categories[1]).toMatchObject({ label: 'VIP', price: 12050 });
    expect(previewTitle()).toContain('700 places');
  });

  it('shows what to fix instead of a preview when the map is invalid', async () => {
    view = await render(<Harness initial={emptyDraft()} />);
    await typeInto(allByLabel(view.container, 'Id')[0]!, 'Bad Id');
    const alert = view.container.querySelector('[role="alert"]');
    expect(alert?.textContent).toContain('The id of Orchestra must be lower-case letters');
    expect(view.container.querySelector('canvas')).toBeNull();
    await typeInto(allByLabel(view.container, 'Id')[0]!, 'orch');
    expect(view.container.querySelector('[role="alert"]')).toBeNull();
    expect(canvasLabel()).toContain('200 reserved seats');
  });
});
