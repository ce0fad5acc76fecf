import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * scrypt from Node's own crypto: memory-hard, no native add-on to build. The stored string
 * carries its parameters (`scrypt$logN$r$p$salt$key`), so the cost can be raised later without
 * breaking old hashes: `needsRehash` tells a login to store the password again at the new cost.
 *
 * OWASP's Password Storage Cheat Sheet asks for at least N = 2^17, r = 8, p = 1 (128 MiB per hash).
 */
const BLOCK_SIZE = 8;
const PARALLELISM = 1;

function derive(password: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** logN;
  return new Promise((resolve, reject) => {
    // scrypt needs 128·N·r bytes; Node refuses anything above `maxmem` (32 MiB by default).
    scrypt(password.normalize('NFKC'), salt, 32, { N, r, p, maxmem: 256 * N * r }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

export async function hashPassword(password: string, logN: number): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, logN, BLOCK_SIZE, PARALLELISM);
  return `scrypt$${logN}$${BLOCK_SIZE}$${PARALLELISM}$${salt.toString('base64')}$${key.toString('base64')}`;
}

interface Parameters {
  logN: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

function parse(stored: string): Parameters | null {
  const [scheme, logN, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !logN || !r || !p || !salt || !key) return null;
  const numbers = [Number(logN), Number(r), Number(p)];
  if (!numbers.every((n) => Number.isInteger(n) && n > 0)) return null;
  return {
    logN: numbers[0]!,
    r: numbers[1]!,
    p: numbers[2]!,
    salt: Buffer.from(salt, 'base64'),
    key: Buffer.from(key, 'base64'),
  };
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed) return false;
  const actual = await derive(password, parsed.salt, parsed.logN, parsed.r, parsed.p);
  return actual.length === parsed.key.length && timingSafeEqual(actual, parsed.key);
}

/** Whether `stored` was made with less work than `logN` asks for now (checked after a successful login). */
export function needsRehash(stored: string, logN: number): boolean {
  const parsed = parse(stored);
  return !parsed || parsed.logN < logN || parsed.r < BLOCK_SIZE || parsed.p < PARALLELISM;
}
