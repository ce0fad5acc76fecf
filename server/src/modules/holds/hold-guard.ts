import type { Event } from '@happening/shared';
import { proofKey } from '../../inventory/keys.js';
import { AppError } from '../../lib/errors.js';
import type { ProofOfWork } from './proof-of-work.js';

/** Seats one address may hold at once: the event's setting, or 2 × its per-booking limit. */
export const seatsPerAddress = (event: Event) => event.maxSeatsPerAddress ?? 2 * event.maxSeatsPerBooking;

/** The allowances of an event, as the hold and extend scripts take them (meta's copy wins there). */
export const capsOf = (event: Event) => ({
  seats: seatsPerAddress(event),
  holds: event.maxHoldsPerAddress,
});

/** What the hold script needs to charge a publishable-key hold to its address and check it. */
export interface AttendeeCap {
  script: {
    /** The address's key (hashed, never the address). */
    a: string;
    seats: number;
    holds: number;
    /** The event asks proof for every hold (`proofOfWork`). */
    always: boolean;
    /** A verified solution comes with the call (its spent-marker is the call's proof key). */
    proof: boolean;
    proofTtl: number;
  };
  proofKey?: string;
  /** 428 CHALLENGE_REQUIRED carrying a fresh challenge of the event. */
  challenge(reason: ChallengeReason): Promise<AppError>;
}

export type ChallengeReason = 'required' | 'invalid' | 'replayed';

const reasons: Record<ChallengeReason, string> = {
  required: 'This hold needs a solved proof-of-work challenge: solve `challenge` and send it as `altcha`',
  invalid: 'The proof-of-work solution is wrong, expired or for another event: solve this `challenge`',
  replayed: 'That proof-of-work solution was already used: solve this `challenge`',
};

/**
 * The per-attendee defence in front of publishable-key holds (REST and widget socket): names the
 * caller's address for the hold script's caps and checks an attached ALTCHA solution.
 */
export class HoldGuard {
  constructor(
    private readonly pow: ProofOfWork,
    private readonly keyOf: (address: string) => string,
  ) {}

  challengeFor(event: Event) {
    return this.pow.challenge(event.id);
  }

  async challengeRequired(event: Event, reason: ChallengeReason): Promise<AppError> {
    return new AppError(428, 'CHALLENGE_REQUIRED', reasons[reason], {
      reason,
      challenge: await this.pow.challenge(event.id),
    });
  }

  /**
   * The proof of work a waiting-room join must carry (always, with the publishable key): its
   * spent-marker key and how long to keep it. 428 CHALLENGE_REQUIRED without a valid one.
   */
  async joinProof(event: Event, altcha: string | undefined): Promise<{ key: string; rememberMs: number }> {
    if (altcha === undefined) throw await this.challengeRequired(event, 'required');
    const proof = await this.pow.verify(event.id, altcha);
    if (!proof) throw await this.challengeRequired(event, 'invalid');
    return { key: proofKey(event.id, proof.id), rememberMs: proof.rememberMs };
  }

  /**
   * The cap of one hold call. Refuses at once (without asking Redis) a solution that does not
   * verify, and a call without one when the event wants proof for every hold.
   */
  async capFor(event: Event, address: string, altcha: string | undefined): Promise<AttendeeCap> {
    const challenge = (reason: ChallengeReason) => this.challengeRequired(event, reason);
    const proof = altcha === undefined ? null : await this.pow.verify(event.id, altcha);
    if (altcha !== undefined && !proof) throw await challenge('invalid');
    if (!proof && event.proofOfWork) throw await challenge('required');
    return {
      script: {
        a: this.keyOf(address),
        ...capsOf(event),
        always: event.proofOfWork,
        proof: proof !== null,
        proofTtl: proof?.rememberMs ?? 0,
      },
      ...(proof ? { proofKey: proofKey(event.id, proof.id) } : {}),
      challenge,
    };
  }
}
