import type { Strings } from './strings.js';

/**
 * Which sentence an attendee reads for each error code the server (or the widget itself) can
 * report. The server's own message is written for developers and never reaches the screen; it
 * goes to the `happening-error` event with the code. A code missing here gets `genericError`.
 */
export const errorSentences: Record<string, keyof Strings> = {
  NETWORK_ERROR: 'errorNetwork',
  VALIDATION_FAILED: 'errorRequest',
  UNSUPPORTED_MEDIA_TYPE: 'errorRequest',
  PAYLOAD_TOO_LARGE: 'errorRequest',
  MALFORMED_JSON: 'errorRequest',
  UNAUTHENTICATED: 'errorSetup',
  FORBIDDEN: 'errorSetup',
  ORIGIN_NOT_ALLOWED: 'originNotAllowed',
  NOT_FOUND: 'errorNotFound',
  RATE_LIMITED: 'errorRateLimited',
  ADMISSION_REQUIRED: 'errorAdmission',
  EVENT_NOT_ON_SALE: 'errorNotOnSale',
  EVENT_CANCELLED: 'errorCancelled',
  UNKNOWN_SEATS: 'errorUnknownSeats',
  SEAT_UNAVAILABLE: 'errorSeatUnavailable',
  SOLD_OUT: 'errorSoldOut',
  HOLD_NOT_FOUND: 'holdExpired',
  HOLD_EXPIRED: 'holdExpired',
  HOLD_LIMIT_EXCEEDED: 'errorHoldLimit',
  HOLD_CAP_REACHED: 'holdCapReached',
  CHALLENGE_REQUIRED: 'errorChallenge',
  CHALLENGE_UNSOLVABLE: 'errorChallenge',
  EXTENSION_LIMIT_REACHED: 'errorExtensionLimit',
  DIRECT_BOOKING_DISABLED: 'errorDirectBooking',
  IDEMPOTENCY_KEY_REUSED: 'errorInProgress',
  IDEMPOTENCY_KEY_IN_FLIGHT: 'errorInProgress',
  BOOKING_NOT_CANCELLABLE: 'errorNotCancellable',
  OFFER_NOT_CLAIMABLE: 'errorOfferGone',
  SERVICE_UNAVAILABLE: 'errorServer',
  INTERNAL_ERROR: 'errorServer',
};

/** The attendee's sentence for a code (`{origin}` is the page's, for ORIGIN_NOT_ALLOWED). */
export function sentenceFor(t: Strings, code: string): string {
  const key = Object.hasOwn(errorSentences, code) ? errorSentences[code]! : 'genericError';
  return t[key].replace('{origin}', globalThis.location?.origin ?? '');
}
