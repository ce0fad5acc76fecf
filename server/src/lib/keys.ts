import { createHash, randomBytes, randomFillSync } from 'node:crypto';

/** Keys are high-entropy random strings, so a fast hash is enough to store them (unlike passwords). */
export function hashSecretKey(secretKey: string): string {
  return createHash('sha256').update(secretKey).digest('hex');
}

export function newPublishableKey(): string {
  return `pk_${randomBytes(18).toString('base64url')}`;
}

export function newSecretKey(): { secretKey: string; hash: string; hint: string } {
  const secretKey = `sk_${randomBytes(32).toString('base64url')}`;
  return { secretKey, hash: hashSecretKey(secretKey), hint: `sk_…${secretKey.slice(-4)}` };
}

/**
 * Random bytes for tokens come from a pool refilled from the CSPRNG 4 KB at a time, each byte used
 * once, as Node's own `randomUUID` caches its entropy: a `randomBytes` call per token was a trip
 * into OpenSSL on every hold (~1% of a REST hold's server time in a profile of the benchmark).
 * The server never forks, so no two processes share a pool.
 */
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let used = POOL_BYTES;

function randomBase64url(bytes: number): string {
  if (bytes > POOL_BYTES) return randomBytes(bytes).toString('base64url');
  if (used + bytes > POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  const text = pool.toString('base64url', used, used + bytes);
  used += bytes;
  return text;
}

/** Opaque single-purpose tokens (hold tokens, manage tokens, invitation tokens). */
export function newToken(prefix: string, bytes = 24): string {
  return `${prefix}_${randomBase64url(bytes)}`;
}
