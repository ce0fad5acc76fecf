import { createHmac } from 'node:crypto';

/**
 * What Redis stores instead of a client address: a keyed hash, so the inventory never holds
 * attendees' addresses, and an IPv4 address cannot be found again by hashing all 2^32 of them
 * without the server's secret. Every server derives the same key from TOKEN_SECRET.
 */
/** Addresses whose keys are remembered (see addressKeyer). */
const RECENT_ADDRESSES = 10_000;

export function addressKeyer(tokenSecret: string): (address: string) => string {
  const key = createHmac('sha256', tokenSecret).update('happening:address-key').digest();
  // The same attendees hold again and again: an HMAC per hold was ~0.6% of the server's time in
  // a profile of the holds benchmark. Recent addresses are kept, the whole cache dropped when full.
  const recent = new Map<string, string>();
  return (address) => {
    const cached = recent.get(address);
    if (cached !== undefined) return cached;
    const keyed = createHmac('sha256', key).update(address).digest('base64url').slice(0, 22);
    if (recent.size >= RECENT_ADDRESSES) recent.clear();
    recent.set(address, keyed);
    return keyed;
  };
}
