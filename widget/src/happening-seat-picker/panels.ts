import type { Event } from '@happening/shared';
import { html, nothing } from 'lit';
import type { CreatedBooking } from './api-client.js';
import { fill } from './format.js';
import type { MapLayout } from './layout.js';
import type { Strings } from './strings.js';
import { attendeeForm } from './templates.js';
import type { WaitlistEntry } from './waitlist-controller.js';

/** The frame the seat map is drawn into (by SeatMapView, not by Lit) and its zoom buttons. */
export function mapFrame(
  t: Strings,
  on: {
    click(event: MouseEvent): void;
    keydown(event: KeyboardEvent): void;
    zoom(factor: number): void;
    fit(): void;
  },
  /** In list mode the map stays drawn (and live) but hidden. */
  hidden: boolean,
) {
  // The zoom buttons are a bar of their own above the map, so they never cover a seat or a label.
  return html`<div class="map" part="map" ?hidden=${hidden}>
    <p id="map-help" class="visually-hidden">${t.mapInstructions}</p>
    <div class="zoom" part="zoom-controls">
      <button type="button" part="button" aria-label=${t.zoomIn} title=${t.zoomIn} @click=${() => on.zoom(1.5)}>+</button>
      <button type="button" part="button" aria-label=${t.zoomOut} title=${t.zoomOut} @click=${() => on.zoom(1 / 1.5)}>−</button>
      <button type="button" part="button" aria-label=${t.zoomReset} title=${t.zoomReset} @click=${on.fit}>⤢</button>
    </div>
    <svg class="seats" part="seat-map" role="group" aria-label=${t.mapLabel} aria-describedby="map-help"
      @click=${on.click} @keydown=${on.keydown}></svg>
  </div>`;
}

const quantityOf = (form: HTMLFormElement) => Number(new FormData(form).get('quantity')) || 1;

/** "Find best seats" for a party size. */
export function bestSeatsForm(
  t: Strings,
  view: { limit: number; partySize: number; busy: boolean },
  find: (quantity: number) => void,
) {
  return html`<form class="toolbar" part="toolbar" @submit=${(event: SubmitEvent) => {
    event.preventDefault();
    find(quantityOf(event.currentTarget as HTMLFormElement));
  }}>
    <label>${t.partySize}<input part="input" name="quantity" type="number" min="1" max=${view.limit} .value=${String(view.partySize)} /></label>
    <button type="submit" part="button" ?disabled=${view.busy}>${t.bestAvailable}</button>
  </form>`;
}

/** Sold out: the waitlist form, or the attendee's live position in it. */
export function waitlistPanel(
  t: Strings,
  view: { event: Event; entry: WaitlistEntry | null; limit: number; partySize: number; busy: boolean },
  on: { join(form: HTMLFormElement): void; leave(): void },
) {
  const { entry } = view;
  let body: unknown = nothing;
  if (entry?.status === 'waitlisted') {
    body = html`<p role="status"><strong data-position=${entry.position}>${fill(t.waitlistPosition, { position: entry.position })}</strong></p>
      <button type="button" part="button" ?disabled=${view.busy} @click=${on.leave}>${t.leaveWaitlist}</button>`;
  } else if (!entry && view.event.waitlistEnabled && view.event.directBooking) {
    const quantity = html`<label>${t.partySize}<input part="input" name="quantity" type="number" min="1" max=${view.limit} value=${String(view.partySize)} /></label>`;
    body = html`<p>${t.waitlistIntro}</p>${attendeeForm(t, view.busy, t.joinWaitlist, on.join, undefined, quantity)}`;
  }
  return html`<section class="waitlist" part="waitlist" aria-labelledby="sold-out"><h3 id="sold-out">${t.soldOut}</h3>${body}</section>`;
}

export function confirmation(t: Strings, booked: CreatedBooking, layout: MapLayout | null) {
  const seats = booked.booking.seats.map((id) => {
    const seat = layout?.byId.get(id);
    return seat ? fill(t.selectedSeat, { row: seat.row, seat: seat.n }) : id;
  });
  return html`<section class="confirmation" part="confirmation">
    <p><strong>${fill(t.booked, { reference: booked.booking.id.slice(0, 8).toUpperCase() })}</strong></p>
    ${seats.length ? html`<p>${fill(t.bookedSeats, { seats: seats.join('; ') })}</p>` : nothing}
  </section>`;
}
