import { createHmac } from 'node:crypto';

/**
 * What Redis stores instead of a client address: a keyed hash, so the inventory never holds
 * attendees' addresses, and an IPv4 address cannot be found again by hashing all 2^32 of them
 * without the server's secret. Every server derives the same key from TOKEN_SECRET.
 */
export function addressKeyer(tokenSecret: string): (address: string) => string {
  const key = createHmac('sha256', tokenSecret).update('happening:address-key').digest();
  return (address) => createHmac('sha256', key).update(address).digest('base64url').slice(0, 22);
}
