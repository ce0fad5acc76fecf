import { html, nothing } from 'lit';
import { fill } from './format.js';
import type { MapLayout, PlacedSeat } from './layout.js';
import type { SeatPaint } from './seat-map-view.js';
import type { Strings } from './strings.js';

export interface ListView {
  layout: MapLayout;
  /** Sections whose rows are shown (each section heading is a disclosure button). */
  open: Set<string>;
  describe(seat: PlacedSeat): SeatPaint;
  statusText(status: SeatPaint['status']): string;
  left(sectionId: string): number;
  price(category: string): string;
  busy: boolean;
  /** How many seats "Find best seats here" asks for (the toolbar's party size). */
  quantity: number;
}

/**
 * The seats as a list, for anyone who would rather not use the map (a screen reader, a keyboard,
 * a small screen): a heading per section with what is left and from what price, a list per row
 * and a native checkbox per seat, so assistive technology gets headings and lists to jump through
 * instead of a grid of up to 10,000 seats. A section's rows are rendered only once it is opened.
 */
export function seatList(
  t: Strings,
  view: ListView,
  on: { toggle(id: string): void; section(id: string): void; best(id: string): void },
) {
  return html`<div class="list" part="list">
    ${view.layout.sections.map((section) => {
      const open = view.open.has(section.id);
      const rows = open ? view.layout.rows.filter((row) => row[0]?.section === section.id) : [];
      return html`<section>
        <h3><button type="button" part="button" aria-expanded=${open} aria-controls="rows-${section.id}"
          @click=${() => on.section(section.id)}>${section.label}
          <small>${fill(t.sectionSummary, { count: view.left(section.id), price: view.price(section.category) })}</small></button></h3>
        <div id="rows-${section.id}" ?hidden=${!open}>${
          open
            ? html`<button type="button" part="button" ?disabled=${view.busy} @click=${() => on.best(section.id)}>
                ${fill(t.bestInSection, { quantity: view.quantity })}</button>
              ${rows.map((row) => {
                const id = `row-${row[0]!.id}`;
                return html`<p id=${id} class="row-name">${fill(t.rowLabel, { row: row[0]!.row })}</p><ul aria-labelledby=${id}>${row.map(
                  (seat) => {
                    const { status } = view.describe(seat);
                    const mine = status === 'selected' || status === 'pending';
                    return html`<li><label class=${status}><input type="checkbox" data-id=${seat.id} .checked=${mine}
                    ?disabled=${!mine && status !== 'available'} @change=${(event: Event) => {
                      // The element decides (limits, the server); the box shows what it decided.
                      (event.target as HTMLInputElement).checked = mine;
                      on.toggle(seat.id);
                    }} />${fill(t.seatInList, { seat: seat.n })} ${status === 'available' ? nothing : html`<small>${view.statusText(status)}</small>`}</label></li>`;
                  },
                )}</ul>`;
              })}`
            : nothing
        }</div>
      </section>`;
    })}
  </div>`;
}
