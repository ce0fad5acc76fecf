import { css } from 'lit';

/**
 * Public custom properties are `--happening-*`; each is read once into a private `--_*` variable
 * whose fallback switches with the colour scheme, so a partner overrides one property in one place.
 */
export default css`
  :host {
    --_bg: var(--happening-background, #ffffff);
    --_fg: var(--happening-foreground, #1c1e21);
    --_muted: var(--happening-muted, #5d6470);
    --_border: var(--happening-border, #c9ced6);
    --_accent: var(--happening-accent, #1652d9);
    --_accent-fg: var(--happening-accent-foreground, #ffffff);
    --_error: var(--happening-error, #b3261e);
    --_focus: var(--happening-focus-ring, #f59e0b);
    --_seat-selected: var(--happening-seat-selected, var(--_accent));
    --_seat-held: var(--happening-seat-held, #8a6d00);
    --_seat-booked: var(--happening-seat-booked, #9aa1ab);
    --_seat-available: var(--happening-seat-available, #1f8a4c);
    --_radius: var(--happening-radius, 8px);

    display: block;
    color-scheme: light dark;
    font-family: var(--happening-font-family, system-ui, sans-serif);
    font-size: var(--happening-font-size, 1rem);
    color: var(--_fg);
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    padding: 1rem;
    box-sizing: border-box;
  }

  @media (prefers-color-scheme: dark) {
    :host {
      --_bg: var(--happening-background, #17191c);
      --_fg: var(--happening-foreground, #eceef1);
      --_muted: var(--happening-muted, #a7aeb9);
      --_border: var(--happening-border, #3b4048);
      --_accent: var(--happening-accent, #7aa7ff);
      --_accent-fg: var(--happening-accent-foreground, #0b1020);
      --_error: var(--happening-error, #ff8a80);
      --_seat-held: var(--happening-seat-held, #e5c04a);
      --_seat-booked: var(--happening-seat-booked, #59606b);
      --_seat-available: var(--happening-seat-available, #4cc27f);
    }
  }

  :host([hidden]) {
    display: none;
  }

  /* Not the universal selector: it would be matched and applied for every one of thousands of seats. */
  :is(div, header, section, form, label, input, button, ul, p) {
    box-sizing: border-box;
  }

  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }

  header {
    display: flex;
    flex-wrap: wrap;
    gap: 0.25rem 1rem;
    align-items: baseline;
    justify-content: space-between;
    margin-bottom: 0.75rem;
  }

  h2 {
    font-size: 1.15em;
    margin: 0;
  }

  .connection {
    font-size: 0.85em;
    color: var(--_muted);
  }

  .connection::before {
    content: '';
    display: inline-block;
    width: 0.6em;
    height: 0.6em;
    margin-inline-end: 0.35em;
    border-radius: 50%;
    border: 2px solid currentColor;
  }

  .connection[data-state='live']::before {
    background: var(--_seat-available);
    border-color: var(--_seat-available);
  }

  .map {
    position: relative;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    overflow: hidden;
  }

  svg.seats {
    display: block;
    width: 100%;
    height: auto;
    max-height: var(--happening-map-max-height, 70vh);
    user-select: none;
    /*
     * One finger always scrolls the page, zoomed or not, so the map never traps it; the browser's
     * own pinch and double-tap zoom are off here because the map does both itself (two fingers
     * pinch and pan it, a double tap zooms it).
     */
    touch-action: pan-x pan-y;
  }

  svg.seats.zoomed {
    cursor: grab;
  }

  .section-label {
    font-size: 9px;
    fill: var(--_muted);
    text-anchor: middle;
  }

  /*
   * Every status differs by shape or stroke as well as by colour. A seat's fill, stroke and cursor
   * are inherited from its section's group (g.cN, the price category), and its place and size
   * come from a rule shared with the same place of every row (built by SeatMapView), so an
   * available seat has no style of its own: style recalculation of 10,000 seats is most of the
   * first render, and a status change restyles that one seat. Status rules select circle.status only.
   */
  .c0, .c1, .c2, .c3, .c4, .c5 {
    cursor: pointer;
    stroke-width: 1.2;
    fill: var(--_category);
    stroke: var(--_category);
  }
  .c0 { --_category: var(--happening-category-0, var(--_seat-available)); }
  .c1 { --_category: var(--happening-category-1, #1e6fb8); }
  .c2 { --_category: var(--happening-category-2, #8e44ad); }
  .c3 { --_category: var(--happening-category-3, #c0392b); }
  .c4 { --_category: var(--happening-category-4, #0e8a8a); }
  .c5 { --_category: var(--happening-category-5, #b35900); }

  /* The first frame's sketch of the map (SeatMapView.draw): each seat a dot as wide as its circle. */
  .sketch path {
    fill: none;
    stroke-width: 10.2;
    stroke-linecap: round;
  }
  .sketch .u {
    stroke: var(--_seat-booked);
    opacity: 0.55;
  }

  circle.selected,
  circle.pending {
    fill: var(--_seat-selected);
    stroke: var(--_fg);
    stroke-width: 2.4;
  }
  circle.pending {
    stroke-dasharray: 2 1.5;
  }
  circle.held {
    fill: var(--_bg);
    stroke: var(--_seat-held);
    stroke-dasharray: 2 1.5;
    cursor: not-allowed;
  }
  circle.booked,
  circle.blocked {
    fill: var(--_seat-booked);
    stroke: var(--_seat-booked);
    opacity: 0.55;
    cursor: not-allowed;
  }
  circle.blocked {
    fill: var(--_bg);
  }
  circle:focus {
    outline: none;
  }
  circle:focus-visible {
    stroke: var(--_focus);
    stroke-width: 3;
    opacity: 1;
  }

  /* A bar of its own above the map: the buttons never cover a seat or a section's label. */
  .zoom {
    display: flex;
    justify-content: flex-end;
    gap: 0.25rem;
    padding: 0.25rem;
    border-bottom: 1px solid var(--_border);
  }

  .zoom button {
    min-width: 2.75rem;
  }

  /* Every button and checkbox is at least the 24 px WCAG 2.2 asks for (2.5.8), 44 px tall on touch. */
  button {
    min-height: 2.75rem;
  }

  .view-toggle {
    margin-bottom: 0.5rem;
  }

  .list h3 {
    margin: 0.5rem 0 0;
    font-size: 1em;
  }

  .list h3 button {
    width: 100%;
    text-align: start;
    display: flex;
    justify-content: space-between;
    gap: 0.5rem;
  }

  .list ul {
    display: flex;
    flex-wrap: wrap;
    gap: 0.25rem;
    margin: 0 0 0.5rem;
    padding: 0;
    list-style: none;
  }

  .row-name {
    margin: 0.5rem 0 0.25rem;
    font-weight: 600;
  }

  .list label {
    flex-direction: row;
    align-items: center;
    gap: 0.3rem;
    min-height: 2.75rem;
    padding: 0 0.5rem;
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 1.5);
  }

  .list input {
    width: 1.5rem;
    height: 1.5rem;
    margin: 0;
  }

  .list small {
    color: var(--_muted);
  }

  /*
   * On a phone the legend and the selection (countdown, total, checkout) stay in sight at the
   * bottom of the screen while the attendee scrolls the map: a sheet that scrolls itself when it
   * grows. The booking form is filled in the page's flow, where the on-screen keyboard has room.
   */
  .sheet {
    position: sticky;
    bottom: 0;
    z-index: 1;
    max-height: 45vh;
    overflow: auto;
    background: var(--_bg);
    padding-bottom: 0.25rem;
  }

  .sheet[data-checkout] {
    position: static;
    max-height: none;
  }

  .legend {
    display: flex;
    flex-wrap: wrap;
    gap: 0.25rem 1rem;
    margin: 0.5rem 0 0;
    padding: 0;
    list-style: none;
    font-size: 0.85em;
    color: var(--_muted);
  }

  .legend svg {
    width: 1em;
    height: 1em;
    vertical-align: -0.15em;
    margin-inline-end: 0.3em;
  }

  .toolbar,
  .general,
  .summary,
  form,
  .waitlist,
  .confirmation {
    margin-top: 0.75rem;
  }

  .toolbar,
  .general-row,
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    align-items: center;
  }

  .form-actions {
    margin-top: 0.5rem;
  }

  .legend-swatch {
    cursor: default;
  }

  .general-row {
    justify-content: space-between;
    padding: 0.35rem 0;
    border-bottom: 1px solid var(--_border);
  }

  button {
    font: inherit;
    color: var(--_fg);
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 1.5);
    padding: 0.4rem 0.8rem;
    cursor: pointer;
  }

  button.primary {
    background: var(--_accent);
    border-color: var(--_accent);
    color: var(--_accent-fg);
  }

  button:disabled {
    opacity: 0.55;
    cursor: not-allowed;
  }

  button:focus-visible,
  input:focus-visible {
    outline: 3px solid var(--_focus);
    outline-offset: 2px;
  }

  input {
    font: inherit;
    color: var(--_fg);
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 1.5);
    padding: 0.35rem 0.5rem;
  }

  input[type='number'] {
    width: 4.5rem;
  }

  label {
    display: inline-flex;
    flex-direction: column;
    gap: 0.2rem;
    font-size: 0.9em;
  }

  .summary ul {
    margin: 0.25rem 0;
    padding-inline-start: 1.2rem;
  }

  .timer {
    font-variant-numeric: tabular-nums;
    font-weight: 600;
  }

  .message {
    margin-top: 0.75rem;
    padding: 0.5rem 0.75rem;
    border-radius: calc(var(--_radius) / 1.5);
    border: 1px solid var(--_border);
  }

  .message:empty {
    display: none;
  }

  .message[data-kind='error'] {
    border-color: var(--_error);
    color: var(--_error);
  }

  .message[data-kind='error']::before {
    content: '⚠ ';
  }

  .fatal {
    color: var(--_error);
    border: 1px solid var(--_error);
    border-radius: var(--_radius);
    padding: 0.75rem;
  }
`;
