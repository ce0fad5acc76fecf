import type { Strings } from './strings.js';

/**
 * The sentence an attendee reads for an error code: the string named like the code
 * (`strings.RATE_LIMITED`, `strings.NETWORK_ERROR`, …), which partners override like any other,
 * or `genericError` for a code without one. The server's own message is written for developers
 * and never reaches the screen; it goes to the `happening-error` event with the code.
 */
export function sentenceFor(t: Strings, code: string): string {
  const text = /^[A-Z][A-Z_]+$/.test(code) && Object.hasOwn(t, code) ? t[code as keyof Strings] : undefined;
  return (text ?? t.genericError).replace('{origin}', globalThis.location?.origin ?? '');
}
