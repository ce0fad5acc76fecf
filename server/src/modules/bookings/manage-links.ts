import { createHash, createHmac, hkdfSync } from 'node:crypto';

/**
 * Manage tokens and the booking-page links that carry them (`PUBLIC_URL/bookings/<id>#<token>`).
 *
 * The database keeps only a hash of a booking's token, so a token that was random could be put in
 * an email only at the moment the booking was made. Tokens of new bookings are therefore derived
 * from the booking id with an HMAC, so the server can rebuild the link for every later email (an
 * offer, a cancellation) without storing the token. The stored hash and the check stay as they
 * were: bookings made before, with random tokens, keep working, they just get no link rebuilt.
 *
 * The key is derived from TOKEN_SECRET with HKDF under its own label, so it is never the key that
 * signs session tokens. A new TOKEN_SECRET leaves the links already mailed working (they are checked
 * against the stored hash) but cannot rebuild them, so later emails about those bookings carry none.
 */

export const hashManageToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** HKDF's `info`: names what the derived key is for, and its version. */
const KEY_LABEL = 'happening/manage-token/v1';

export class ManageLinks {
  private readonly key: Buffer;
  private readonly base: string;

  constructor(tokenSecret: string, publicUrl: string) {
    this.key = Buffer.from(hkdfSync('sha256', tokenSecret, '', KEY_LABEL, 32));
    this.base = publicUrl.replace(/\/$/, '');
  }

  /** The manage token of the booking `bookingId`, the same every time it is asked for. */
  tokenFor(bookingId: string): string {
    return `mt_${createHmac('sha256', this.key).update(`manage-token:${bookingId}`).digest('base64url')}`;
  }

  /** The booking page link with `token` in the fragment, which browsers never send. */
  url(bookingId: string, token: string): string {
    return `${this.base}/bookings/${bookingId}#${encodeURIComponent(token)}`;
  }

  /**
   * The link of a stored booking when its token can be rebuilt; undefined for a booking whose
   * token was random (made before derived tokens) or derived under another TOKEN_SECRET, so no
   * email ever carries a link that does not open the booking.
   */
  urlOf(booking: { id: string; manageTokenHash: string }): string | undefined {
    const token = this.tokenFor(booking.id);
    return hashManageToken(token) === booking.manageTokenHash ? this.url(booking.id, token) : undefined;
  }
}
