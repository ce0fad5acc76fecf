/**
 * Stable, machine-readable error codes. Clients branch on these, never on messages,
 * so a code is never renamed once shipped; new situations get new codes.
 */
export const ErrorCode = {
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  MALFORMED_JSON: 'MALFORMED_JSON',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  RATE_LIMITED: 'RATE_LIMITED',
  EMAIL_TAKEN: 'EMAIL_TAKEN',
  INVALID_CREDENTIALS: 'INVALID_CREDENTIALS',
  ORIGIN_NOT_ALLOWED: 'ORIGIN_NOT_ALLOWED',
  INVALID_SEAT_MAP: 'INVALID_SEAT_MAP',
  EVENT_NOT_EDITABLE: 'EVENT_NOT_EDITABLE',
  EVENT_NOT_ON_SALE: 'EVENT_NOT_ON_SALE',
  EVENT_CANCELLED: 'EVENT_CANCELLED',
  UNKNOWN_SEATS: 'UNKNOWN_SEATS',
  SEAT_UNAVAILABLE: 'SEAT_UNAVAILABLE',
  SOLD_OUT: 'SOLD_OUT',
  HOLD_NOT_FOUND: 'HOLD_NOT_FOUND',
  HOLD_EXPIRED: 'HOLD_EXPIRED',
  HOLD_LIMIT_EXCEEDED: 'HOLD_LIMIT_EXCEEDED',
  /** One client address holds as many seats (or open holds) of the event as it may at once. */
  HOLD_CAP_REACHED: 'HOLD_CAP_REACHED',
  /** This hold needs a solved proof-of-work challenge; the error carries a fresh `challenge`. */
  CHALLENGE_REQUIRED: 'CHALLENGE_REQUIRED',
  EXTENSION_LIMIT_REACHED: 'EXTENSION_LIMIT_REACHED',
  /** `POST /holds/:token/checkout` grants its grace once per hold; this hold had it already. */
  CHECKOUT_ALREADY_STARTED: 'CHECKOUT_ALREADY_STARTED',
  DIRECT_BOOKING_DISABLED: 'DIRECT_BOOKING_DISABLED',
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
  IDEMPOTENCY_KEY_IN_FLIGHT: 'IDEMPOTENCY_KEY_IN_FLIGHT',
  BOOKING_NOT_CANCELLABLE: 'BOOKING_NOT_CANCELLABLE',
  OFFER_NOT_CLAIMABLE: 'OFFER_NOT_CLAIMABLE',
  INVITATION_INVALID: 'INVITATION_INVALID',
  /** A credential was sent in a URL, where logs keep it; the answer says where it goes instead. */
  TOKEN_IN_URL: 'TOKEN_IN_URL',
  ALREADY_MEMBER: 'ALREADY_MEMBER',
  /** The change would leave the organization without an admin (demoting or removing the last one). */
  LAST_ADMIN: 'LAST_ADMIN',
  ORGANIZATION_LIMIT_REACHED: 'ORGANIZATION_LIMIT_REACHED',
  ORGANIZATION_NAME_TAKEN: 'ORGANIZATION_NAME_TAKEN',
  WEBHOOK_URL_NOT_ALLOWED: 'WEBHOOK_URL_NOT_ALLOWED',
  /** The organization has as many webhook endpoints as it may (MAX_WEBHOOK_ENDPOINTS_PER_ORGANIZATION). */
  WEBHOOK_ENDPOINT_LIMIT_REACHED: 'WEBHOOK_ENDPOINT_LIMIT_REACHED',
  CURRENT_PASSWORD_WRONG: 'CURRENT_PASSWORD_WRONG',
  EVENT_LIMIT_REACHED: 'EVENT_LIMIT_REACHED',
  SEAT_LIMIT_REACHED: 'SEAT_LIMIT_REACHED',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  /**
   * The sale is not open: before `onSaleAt`, after `offSaleAt`, or paused by the organizer. Carries
   * `onSaleAt`, `offSaleAt` and `saleState`. (`EVENT_NOT_ON_SALE` stays for unpublished events.)
   */
  NOT_ON_SALE: 'NOT_ON_SALE',
  /** The event's waiting room is active: publishable-key holds and bookings need a valid `admissionToken`. */
  ADMISSION_REQUIRED: 'ADMISSION_REQUIRED',
  QUEUE_TICKET_NOT_FOUND: 'QUEUE_TICKET_NOT_FOUND',
  /** The line takes nobody now: the waiting room is off, or the event sold out. */
  QUEUE_CLOSED: 'QUEUE_CLOSED',
  INTERNAL_ERROR: 'INTERNAL_ERROR',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The body of every error answer, REST and socket acks alike. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** Extra, code-specific facts (e.g. the seat ids that were unavailable). */
  [detail: string]: unknown;
}
