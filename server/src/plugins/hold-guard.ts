import fp from 'fastify-plugin';
import { addressKeyer } from '../lib/address-key.js';
import { HoldGuard } from '../modules/holds/hold-guard.js';
import { ProofOfWork, proofOfWorkKey } from '../modules/holds/proof-of-work.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Per-address hold caps and proof of work for publishable-key holds (REST and widget socket). */
    holdGuard: HoldGuard;
  }
}

export default fp(
  async (app) => {
    const pow = new ProofOfWork(
      proofOfWorkKey(app.config),
      app.config.POW_MAX_NUMBER,
      app.config.POW_CHALLENGE_TTL_SECONDS,
    );
    app.decorate('holdGuard', new HoldGuard(pow, addressKeyer(app.config.TOKEN_SECRET)));
  },
  { name: 'hold-guard', dependencies: ['config'] },
);
