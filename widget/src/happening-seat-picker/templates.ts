import type { Event, GeneralSection, Hold, PriceCategory } from '@happening/shared';
import { html, nothing, type TemplateResult } from 'lit';
import { fill, formatCountdown, formatPrice } from './format.js';
import type { MapLayout } from './layout.js';
import type { Strings } from './strings.js';

/** Render helpers for the panels around the map; each takes plain data and callbacks. */

export interface Pricing {
  categories: Map<string, PriceCategory & { index: number }>;
  locale: string | undefined;
}

const priceLabels = new WeakMap<Pricing, Map<string, string>>();

/** A category's formatted price, formatted once per pricing (every seat label needs one). */
export function priceOf(pricing: Pricing, categoryKey: string): string {
  const labels = priceLabels.get(pricing) ?? new Map<string, string>();
  priceLabels.set(pricing, labels);
  let label = labels.get(categoryKey);
  if (label === undefined) {
    const category = pricing.categories.get(categoryKey);
    label = category ? formatPrice(category.price, category.currency, pricing.locale) : '';
    labels.set(categoryKey, label);
  }
  return label;
}

export function legend(t: Strings, pricing: Pricing, reserved: boolean): TemplateResult {
  // The same group and status classes as the map's seats, so a swatch looks like its seats.
  const swatch = (category: number, status = '') =>
    html`<svg viewBox="-6 -6 12 12" aria-hidden="true"><g class="c${category}"><circle class="legend-swatch ${status}" r="4.5"></circle></g></svg>`;
  const statuses: [string, string][] = [
    ['available', t.statusAvailable],
    ['selected', t.statusSelected],
    ['held', t.statusHeld],
    ['booked', t.statusBooked],
  ];
  return html`<ul class="legend" part="legend" aria-label=${t.legendTitle}>
    ${[...pricing.categories.values()].map(
      (category) =>
        html`<li>${swatch(category.index)}${category.label}
          ${formatPrice(category.price, category.currency, pricing.locale)}</li>`,
    )}
    ${reserved ? statuses.map(([status, label]) => html`<li>${swatch(0, status)}${label}</li>`) : nothing}
  </ul>`;
}

export interface SummaryView {
  hold: Hold;
  event: Event;
  layout: MapLayout | null;
  remainingMs: number;
  busy: boolean;
  checkoutOpen: boolean;
}

export interface SummaryActions {
  release(seatId: string): void;
  releaseAll(): void;
  extend(): void;
  checkout(): void;
  book(form: HTMLFormElement): void;
  closeCheckout(): void;
}

export function summary(t: Strings, pricing: Pricing, view: SummaryView, on: SummaryActions) {
  const { hold, event, layout } = view;
  const sections = new Map(event.seatMap.sections.map((section) => [section.id, section]));
  let total = 0;
  let currency = '';
  const add = (categoryKey: string | undefined, count: number) => {
    const category = categoryKey ? pricing.categories.get(categoryKey) : undefined;
    if (!category) return;
    total += category.price * count;
    currency ||= category.currency;
  };
  const seatItems = hold.seats.map((id) => {
    const seat = layout?.byId.get(id);
    add(sections.get(seat?.section ?? '')?.category, 1);
    const label = seat ? fill(t.selectedSeat, { row: seat.row, seat: seat.n }) : id;
    return html`<li>
      ${sections.get(seat?.section ?? '')?.label ?? ''} · ${label}
      <button type="button" part="button" aria-label=${fill(t.releaseSeat, { label })} ?disabled=${view.busy}
        @click=${() => on.release(id)}>×</button>
    </li>`;
  });
  const generalItems = hold.general.map((item) => {
    const section = sections.get(item.section);
    add(section?.category, item.quantity);
    return html`<li>${fill(t.generalItem, { quantity: item.quantity, section: section?.label ?? item.section })}</li>`;
  });
  const count = hold.seats.length + hold.general.reduce((sum, item) => sum + item.quantity, 0);
  return html`<section class="summary" part="summary" aria-labelledby="summary-title">
    <h3 id="summary-title">${t.selectionTitle}</h3>
    <ul>${seatItems}${generalItems}</ul>
    ${currency ? html`<p>${t.total}: <strong>${formatPrice(total, currency, pricing.locale)}</strong></p>` : nothing}
    <p class="timer" part="timer" role="timer">
      ${fill(t.holdTimer, { time: formatCountdown(view.remainingMs) })}
    </p>
    <div class="actions">
      ${
        hold.extensionsLeft > 0
          ? html`<button type="button" part="button" ?disabled=${view.busy} @click=${on.extend}>
              ${t.extend} ${fill(t.extensionsLeft, { count: hold.extensionsLeft })}
            </button>`
          : nothing
      }
      <button type="button" part="button" ?disabled=${view.busy} @click=${on.releaseAll}>${t.releaseAll}</button>
      ${
        event.directBooking
          ? view.checkoutOpen
            ? nothing
            : html`<button type="button" class="primary" part="button checkout-button" ?disabled=${view.busy || count === 0}
                @click=${on.checkout}>${count === 1 ? t.bookOne : fill(t.book, { count })}</button>`
          : html`<button type="button" class="primary" part="button checkout-button" ?disabled=${view.busy || count === 0}
              @click=${on.checkout}>${t.continue}</button>`
      }
    </div>
    ${view.checkoutOpen ? attendeeForm(t, view.busy, t.confirmBooking, on.book, on.closeCheckout) : nothing}
  </section>`;
}

export function attendeeForm(
  t: Strings,
  busy: boolean,
  submitLabel: string,
  submit: (form: HTMLFormElement) => void,
  back?: () => void,
  extra: TemplateResult | typeof nothing = nothing,
) {
  return html`<form part="form" @submit=${(event: SubmitEvent) => {
    event.preventDefault();
    submit(event.currentTarget as HTMLFormElement);
  }}>
    <div class="actions">
      ${extra}
      <label>${t.name}<input part="input" name="name" required maxlength="120" autocomplete="name" /></label>
      <label>${t.email}<input part="input" name="email" type="email" required maxlength="254" autocomplete="email" /></label>
    </div>
    <div class="actions form-actions">
      <button class="primary" part="button" type="submit" ?disabled=${busy}>${submitLabel}</button>
      ${back ? html`<button type="button" part="button" @click=${back}>${t.cancel}</button>` : nothing}
    </div>
  </form>`;
}

export function generalSections(
  t: Strings,
  pricing: Pricing,
  sections: GeneralSection[],
  remaining: (sectionId: string) => number,
  busy: boolean,
  add: (sectionId: string, quantity: number) => void,
) {
  if (sections.length === 0) return nothing;
  return html`<div class="general" part="general">
    ${sections.map((section) => {
      const left = remaining(section.id);
      const inputId = `qty-${section.id}`;
      return html`<div class="general-row">
        <span><strong>${section.label}</strong> · ${priceOf(pricing, section.category)} ·
          ${fill(t.generalRemaining, { count: left })}</span>
        <span class="actions">
          <label for=${inputId} class="visually-hidden">${t.partySize}: ${section.label}</label>
          <input id=${inputId} part="input" type="number" min="1" max=${Math.max(1, left)} value="1" ?disabled=${left === 0} />
          <button type="button" part="button" ?disabled=${busy || left === 0} @click=${(
            event: MouseEvent,
          ) => {
            const input = (event.currentTarget as HTMLElement).parentElement!.querySelector('input')!;
            add(section.id, Number(input.value) || 1);
          }}>${t.generalAdd}</button>
        </span>
      </div>`;
    })}
  </div>`;
}
