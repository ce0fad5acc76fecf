import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isQueueTicket } from '@happening/shared';

/** `<eventId>.q_<22 base64url characters>` (128 random bits): the bearer of a place in line. */
export const newTicket = (eventId: string) => `${eventId}.q_${randomBytes(16).toString('base64url')}`;

export const eventIdOfTicket = (ticket: string): string | null =>
  isQueueTicket(ticket) ? ticket.slice(0, ticket.indexOf('.')) : null;

/**
 * A pre-queue joiner's shuffle key: 52 random bits from the operating system's secure source
 * (exact in a Redis sorted set's double score). Sorting independent uniform keys is a uniform
 * shuffle; Lua's math.random is neither secure nor seeded per call, so the script draws nothing.
 */
export function shuffleKey(): number {
  const bytes = randomBytes(7);
  bytes[0] = bytes[0]! & 0x0f;
  return Number.parseInt(bytes.toString('hex'), 16);
}

export type AdmissionScope = 'a' | 'o';

export interface Admission {
  ticket: string;
  eventId: string;
  expiresAt: number;
  /** `a`: shop (holds, bookings); `o`: the event sold out before this ticket's turn, join the waitlist. */
  scope: AdmissionScope;
}

/**
 * Admission tokens: `adm1.<ticket>.<expiry ms>.<scope>.<HMAC>`, signed with a key derived from
 * TOKEN_SECRET. The signature binds the token to its ticket (hence its event), scope and expiry;
 * the script's record of the ticket decides whether the admission is still live and what it has used.
 */
export class AdmissionTokens {
  private readonly key: Buffer;
  constructor(tokenSecret: string) {
    this.key = createHmac('sha256', tokenSecret).update('happening:admission').digest();
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }

  issue(ticket: string, expiresAt: number, scope: AdmissionScope): string {
    const body = `adm1.${ticket}.${expiresAt}.${scope}`;
    return `${body}.${this.sign(body)}`;
  }

  /** The admission a token carries, if we signed it and it has not expired; else null. */
  verify(token: string, now = Date.now()): Admission | null {
    const match =
      /^(adm1\.([0-9a-f-]{36})\.q_[A-Za-z0-9_-]{22}\.(\d{1,15})\.([ao]))\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!match) return null;
    const [, body, eventId, expiry, scope, signature] = match;
    const expected = Buffer.from(this.sign(body!));
    const given = Buffer.from(signature!);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    const expiresAt = Number(expiry);
    if (scope === 'a' && expiresAt <= now) return null;
    const ticket = body!.slice('adm1.'.length, body!.lastIndexOf('.', body!.lastIndexOf('.') - 1));
    return { ticket, eventId: eventId!, expiresAt, scope: scope as AdmissionScope };
  }
}
