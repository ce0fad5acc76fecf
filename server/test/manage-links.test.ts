import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashManageToken, ManageLinks } from '../src/modules/bookings/manage-links.js';

const secret = 'a-token-secret-of-at-least-32-characters';
const links = new ManageLinks(secret, 'https://tickets.example.test/');
const bookingId = '8a1f1b9e-3c1d-4d55-9b7a-2f0c7d1e9a10';

describe('manage links', () => {
  it('derives the same token for a booking every time, another for every other booking or secret', () => {
    const token = links.tokenFor(bookingId);
    expect(token).toMatch(/^mt_[A-Za-z0-9_-]{43}$/);
    expect(new ManageLinks(secret, 'https://elsewhere.test').tokenFor(bookingId)).toBe(token);
    expect(links.tokenFor('8a1f1b9e-3c1d-4d55-9b7a-2f0c7d1e9a11')).not.toBe(token);
    expect(new ManageLinks(`${secret}!`, 'https://tickets.example.test').tokenFor(bookingId)).not.toBe(token);
    // Not keyed by TOKEN_SECRET itself: the session-signing key never signs manage tokens.
    const withSessionKey = createHmac('sha256', secret)
      .update(`manage-token:${bookingId}`)
      .digest('base64url');
    expect(token).not.toBe(`mt_${withSessionKey}`);
  });

  it('rebuilds the link of a booking with a derived token, and of no other', () => {
    const token = links.tokenFor(bookingId);
    expect(links.urlOf({ id: bookingId, manageTokenHash: hashManageToken(token) })).toBe(
      `https://tickets.example.test/bookings/${bookingId}#${token}`,
    );
    // A random token of a booking made before: only its hash is known, so there is no link.
    const random = createHash('sha256').update('mt_random-from-before').digest('hex');
    expect(links.urlOf({ id: bookingId, manageTokenHash: random })).toBeUndefined();
    // After TOKEN_SECRET changed, old tokens are not rebuilt either.
    const rotated = new ManageLinks(`${secret}-rotated`, 'https://tickets.example.test');
    expect(rotated.urlOf({ id: bookingId, manageTokenHash: hashManageToken(token) })).toBeUndefined();
  });
});
