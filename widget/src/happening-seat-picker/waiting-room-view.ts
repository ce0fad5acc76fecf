import type { Event } from '@happening/shared';
import { html, nothing } from 'lit';
import { fill, formatCountdown } from './format.js';
import type { Strings } from './strings.js';
import type { QueueTicketState } from './waiting-room-controller.js';

/** Render helpers of the waiting line and the sale window; plain data in, callbacks out. */

/** "4:05", "1:02:03", "50:00:00": a countdown that may be hours long; never negative. */
export function formatDuration(milliseconds: number): string {
  const seconds = Math.max(0, Math.ceil(milliseconds / 1000));
  const rest = formatCountdown((seconds % 3600) * 1000);
  return seconds < 3600 ? rest : `${Math.floor(seconds / 3600)}:${rest.padStart(5, '0')}`;
}

/** With no line: why the map is read-only (the sale opens later, is paused or over). */
export function saleNotice(t: Strings, event: Event, now: number) {
  const state = event.saleState;
  if (state === 'scheduled' && event.onSaleAt)
    return html`<p class="sale" part="sale" role="timer">${fill(t.saleOpensIn, { time: formatDuration(Date.parse(event.onSaleAt) - now) })}</p>`;
  if (state === 'paused') return html`<p class="sale" part="sale">${t.salePaused}</p>`;
  if (state === 'ended') return html`<p class="sale" part="sale">${t.saleEnded}</p>`;
  return nothing;
}

export interface LineView {
  ticket: QueueTicketState | null;
  now: number;
  limit: number;
  partySize: number;
  busy: boolean;
}

/** The line: join it (party size), the place in it, the turn's countdown, or the turn's end. */
export function linePanel(t: Strings, view: LineView, join: (partySize: number) => void) {
  const { ticket } = view;
  const left = (iso: string | null | undefined) => formatDuration(Date.parse(iso ?? '') - view.now || 0);
  if (ticket?.state === 'admitted')
    return html`<p class="timer" part="timer admission-timer" role="timer">${fill(t.lineTurnTimer, { time: left(ticket.admissionExpiresAt) })}</p>`;
  if (ticket?.state === 'sold_out') return html`<p part="line">${t.lineSoldOut}</p>`;
  let body: unknown;
  if (!ticket || ticket.state === 'expired')
    body = html`<p>${ticket ? t.lineExpired : t.lineIntro}</p>
      <form class="toolbar" @submit=${(event: SubmitEvent) => {
        event.preventDefault();
        join(Number(new FormData(event.currentTarget as HTMLFormElement).get('quantity')) || 1);
      }}>
        <label>${t.partySize}<input part="input" name="quantity" type="number" min="1" max=${view.limit} .value=${String(Math.min(view.partySize, view.limit))} /></label>
        <button type="submit" class="primary" part="button" ?disabled=${view.busy}>${t.lineJoin}</button>
      </form>`;
  else if (ticket.position === null)
    body = html`<p role="timer">${fill(t.linePreQueue, { time: left(ticket.opensAt) })}</p>`;
  else
    body = html`<p><strong data-position=${ticket.position}>${fill(t.linePosition, { position: ticket.position })}</strong></p>
      <p data-ahead=${ticket.ahead ?? 0}>${fill(t.lineAhead, { ahead: ticket.ahead ?? 0 })}${
        ticket.etaSeconds === null
          ? nothing
          : html` · ${fill(t.lineEta, { minutes: Math.max(1, Math.round(ticket.etaSeconds / 60)) })}`
      }</p>`;
  return html`<section class="line" part="line" aria-labelledby="line-title">
    <h3 id="line-title">${ticket?.state === 'waiting' ? t.lineTitle : t.lineJoin}</h3>${body}
  </section>`;
}

/** What a change of the ticket is worth saying to a screen reader (the controller decides when). */
export function lineNews(t: Strings, ticket: QueueTicketState): string {
  const { state, position } = ticket;
  if (state === 'waiting') return position === null ? t.lineTitle : fill(t.linePosition, { position });
  return state === 'admitted' ? t.lineTurn : state === 'sold_out' ? t.lineSoldOut : t.lineExpired;
}
