import type { HappeningEventDetails } from './events.js';
import HappeningSeatPicker from './seat-picker.component.js';

export * from './events.js';
export type { Strings } from './strings.js';
export { HappeningSeatPicker };

// Defining twice (e.g. the script included twice) would throw; the first definition wins.
if (!customElements.get('happening-seat-picker')) {
  customElements.define('happening-seat-picker', HappeningSeatPicker);
}

declare global {
  interface HTMLElementTagNameMap {
    'happening-seat-picker': HappeningSeatPicker;
  }
  interface GlobalEventHandlersEventMap {
    'happening-hold': CustomEvent<HappeningEventDetails['happening-hold']>;
    'happening-hold-expired': CustomEvent<HappeningEventDetails['happening-hold-expired']>;
    'happening-booked': CustomEvent<HappeningEventDetails['happening-booked']>;
    'happening-waitlisted': CustomEvent<HappeningEventDetails['happening-waitlisted']>;
    'happening-error': CustomEvent<HappeningEventDetails['happening-error']>;
    'happening-queue': CustomEvent<HappeningEventDetails['happening-queue']>;
  }
}
