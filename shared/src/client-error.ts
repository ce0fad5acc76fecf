/**
 * The one shape a failed API call takes in every browser client (the widget, the console, the
 * server's own pages), so they branch on the same codes. Schema-free on purpose: it is imported by
 * browser bundles through `@happening/shared/client-error`, which must not pull in TypeBox.
 */
import type { ErrorCode } from './errors.js';

/** The code of a call that got no answer at all (offline, DNS, refused, CORS): status 0. */
export const NETWORK_ERROR = 'NETWORK_ERROR';
/** The widget could not solve the server's proof-of-work challenge in this browser: status 0. */
export const CHALLENGE_UNSOLVABLE = 'CHALLENGE_UNSOLVABLE';

/**
 * What a client sees: one of the server's codes (`INTERNAL_ERROR` when an error answer carries
 * none, e.g. a proxy's HTML page), or one a client found itself.
 */
export type ClientErrorCode = ErrorCode | typeof NETWORK_ERROR | typeof CHALLENGE_UNSOLVABLE;

/** An error answer from the server (or none, `status` 0), carrying its machine-readable code. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: ClientErrorCode,
    message: string,
    /** The error body's other, code-specific facts (e.g. the seats that were unavailable). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
