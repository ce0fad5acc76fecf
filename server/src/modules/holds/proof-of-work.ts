import { createHmac } from 'node:crypto';
import type { ProofOfWorkChallenge } from '@happening/shared';
// ALTCHA protocol v1: one SHA-256 per guess for the client and one SHA-256 and one HMAC to
// verify, so checking a burst of holds costs the server next to nothing.
import { createChallenge, extractParams, verifySolution } from 'altcha-lib/v1';

export interface VerifiedProof {
  /** The solved challenge's hash: names the solution in the replay guard. */
  id: string;
  /** How long the replay guard must remember it: past its challenge's expiry on any server's clock. */
  rememberMs: number;
}

/** Clock differences between servers the replay guard outlasts. */
const CLOCK_SLACK_MS = 60_000;

/** The HMAC key of challenges: POW_SECRET, or one derived from TOKEN_SECRET. */
export function proofOfWorkKey(config: { POW_SECRET?: string | undefined; TOKEN_SECRET: string }): string {
  return (
    config.POW_SECRET ??
    createHmac('sha256', config.TOKEN_SECRET).update('happening:proof-of-work').digest('hex')
  );
}

/**
 * Issues and checks ALTCHA challenges for one event's holds. A challenge names its event and its
 * expiry in the signed salt, so a solution is good for that event only and only until then. That
 * a solution is used once is the hold script's part (it marks it spent, atomically with the hold).
 */
export class ProofOfWork {
  constructor(
    private readonly hmacKey: string,
    private readonly maxNumber: number,
    private readonly ttlSeconds: number,
  ) {}

  async challenge(eventId: string): Promise<ProofOfWorkChallenge> {
    const { algorithm, challenge, maxnumber, salt, signature } = await createChallenge({
      algorithm: 'SHA-256',
      hmacKey: this.hmacKey,
      maxnumber: this.maxNumber,
      expires: new Date(Date.now() + this.ttlSeconds * 1_000),
      params: { event: eventId },
    });
    return { algorithm, challenge, maxnumber: maxnumber ?? this.maxNumber, salt, signature };
  }

  /** The solution, if `payload` solves a live challenge of this event signed by us; else null. */
  async verify(eventId: string, payload: string): Promise<VerifiedProof | null> {
    let solution: Record<string, unknown>;
    try {
      solution = JSON.parse(Buffer.from(payload, 'base64').toString('utf8'));
    } catch {
      return null;
    }
    if (
      solution?.algorithm !== 'SHA-256' ||
      typeof solution.challenge !== 'string' ||
      !/^[0-9a-f]{64}$/.test(solution.challenge) ||
      typeof solution.salt !== 'string' ||
      typeof solution.signature !== 'string' ||
      !Number.isSafeInteger(solution.number)
    ) {
      return null;
    }
    const params = extractParams(solution as never);
    const expiresAt = Number(params.expires) * 1_000;
    // Ours always carry both; one without an expiry would be good forever.
    if (params.event !== eventId || !Number.isFinite(expiresAt)) return null;
    if (!(await verifySolution(solution as never, this.hmacKey, true))) return null;
    return { id: solution.challenge, rememberMs: Math.max(1_000, expiresAt - Date.now() + CLOCK_SLACK_MS) };
  }
}
