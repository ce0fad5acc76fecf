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
      new Operators(app.config.OPERATOR_EMAILS, async (userId) => {
        const { rows } = await app.pg.query<{ email: string }>('SELECT email FROM users WHERE id = $1', [
          userId,
        ]);
        return rows[0]?.email ?? null;
      }),
    );
  },
  { name: 'operators', dependencies: ['config', 'postgres'] },
);
