import { createHash, randomBytes } from 'node:crypto';

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

/** Opaque single-purpose tokens (hold tokens, manage tokens, invitation tokens). */
export function newToken(prefix: string, bytes = 24): string {
  return `${prefix}_${randomBytes(bytes).toString('base64url')}`;
}
