import fp from 'fastify-plugin';
import { Operators } from '../modules/ops/operators.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The deployment's operators (`OPERATOR_EMAILS`). */
    operators: Operators;
  }
}

export default fp(
  async (app) => {
    app.decorate(
      'operators',
      new Operators(
        app.config.OPERATOR_EMAILS,
        async (userId) => (await app.accountsRepo.findUserById(userId))?.email ?? null,
      ),
    );
  },
  { name: 'operators', dependencies: ['config', 'repositories'] },
);
