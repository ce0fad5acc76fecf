import type { ProofOfWorkChallenge } from '@happening/shared';
import { CHALLENGE_UNSOLVABLE } from '@happening/shared/client-error';
// ALTCHA v1's solver: SHA-256 guesses through Web Crypto, no worker, about 1 KB in the bundle.
import { solveChallenge } from 'altcha-lib/v1';
import { ApiError } from './api-client.js';

/**
 * Solves the server's proof-of-work challenge and returns what a hold sends as `altcha`. Each
 * guess awaits Web Crypto, so the page stays responsive while it runs (a fraction of a second at
 * the server's default difficulty).
 */
export async function solveProofOfWork(challenge: ProofOfWorkChallenge): Promise<string> {
  // Web Crypto exists only on secure pages (https, or localhost while developing).
  if (!globalThis.crypto?.subtle) {
    throw new ApiError(0, CHALLENGE_UNSOLVABLE, 'This page must be served over HTTPS to hold seats');
  }
  const solution = await solveChallenge(
    challenge.challenge,
    challenge.salt,
    challenge.algorithm,
    challenge.maxnumber,
  ).promise;
  if (!solution) throw new ApiError(0, CHALLENGE_UNSOLVABLE, 'The browser check could not be completed');
  const { algorithm, salt, signature } = challenge;
  return btoa(
    JSON.stringify({ algorithm, challenge: challenge.challenge, number: solution.number, salt, signature }),
  );
}

/** The challenge a refused hold carries, when the server asks for proof of work. */
export function challengeOf(error: unknown): ProofOfWorkChallenge | undefined {
  if (!(error instanceof ApiError) || error.code !== 'CHALLENGE_REQUIRED') return undefined;
  const challenge = error.details.challenge as ProofOfWorkChallenge | undefined;
  return challenge && typeof challenge.challenge === 'string' ? challenge : undefined;
}
