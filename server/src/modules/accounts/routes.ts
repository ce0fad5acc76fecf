import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  LoginBody,
  LoginResponse,
  MeResponse,
  SignupBody,
  SignupResponse,
  withErrors,
} from '@happening/shared';
import { inTransaction, isUniqueViolation } from '../../lib/db.js';
import { AppError, unauthenticated } from '../../lib/errors.js';
import { hashPassword, verifyPassword } from '../../lib/passwords.js';
import { createOrganizationWithAdmin } from './organizations.js';
import { accountsRepository } from './repository.js';

const emailTaken = () => new AppError(409, 'EMAIL_TAKEN', 'An account with this email already exists');

const accountsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const accounts = accountsRepository(app.pg);
  // Compared against when the email is unknown, so a login takes as long either way.
  const decoyHash = hashPassword('decoy password', app.config.PASSWORD_HASH_COST);

  app.post(
    '/auth/signup',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Create an account and its organization',
        description:
          'A new account, admin of a new organization with its own keys. 409 `EMAIL_TAKEN` when the address has an account, and for the addresses in `OPERATOR_EMAILS`: signup proves no mailbox, so an operator address is never claimed this way (an invitation link, which does, still works).',
        body: SignupBody,
        response: withErrors({ 201: SignupResponse }),
      },
      config: { rateLimit: { max: app.config.AUTH_RATE_LIMIT_PER_MINUTE, timeWindow: 60_000 } },
    },
    async (request, reply) => {
      const { email, password, name, organization } = request.body;
      // An operator's address is never claimed by signing up (signup proves no mailbox); the answer
      // is the one a taken address gets, so it does not tell who the operators are.
      if (app.operators.isOperatorEmail(email)) throw emailTaken();
      const passwordHash = await hashPassword(password, app.config.PASSWORD_HASH_COST);
      try {
        const result = await inTransaction(app.pg, async (client) => {
          const user = await accounts.insertUser({ email, name, passwordHash }, client);
          const org = await createOrganizationWithAdmin(accounts, client, {
            name: organization.name,
            adminUserId: user.id,
          });
          return { user, organization: org };
        });
        const token = app.jwt.sign({ sub: result.user.id });
        return reply.status(201).send({ token, ...result });
      } catch (error) {
        if (isUniqueViolation(error)) throw emailTaken();
        throw error;
      }
    },
  );

  app.post(
    '/auth/login',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Sign in',
        description:
          'A session token, the user, their organizations with their role in each, and `operator`: whether the account is one of the deployment operators named in `OPERATOR_EMAILS`. 401 `INVALID_CREDENTIALS`.',
        body: LoginBody,
        response: withErrors({ 200: LoginResponse }),
      },
      config: { rateLimit: { max: app.config.AUTH_RATE_LIMIT_PER_MINUTE, timeWindow: 60_000 } },
    },
    async (request) => {
      const user = await accounts.findUserByEmail(request.body.email);
      const valid = await verifyPassword(request.body.password, user?.passwordHash ?? (await decoyHash));
      if (!user || !valid) throw new AppError(401, 'INVALID_CREDENTIALS', 'Email or password is wrong');
      const organizations = await accounts.organizationsOf(user.id);
      return {
        token: app.jwt.sign({ sub: user.id }),
        user: { id: user.id, email: user.email, name: user.name },
        organizations,
        operator: app.operators.isOperatorEmail(user.email),
      };
    },
  );

  app.get(
    '/auth/me',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Who is signed in',
        description:
          'The user, their organizations (in the order joined) with their role, and `operator`: whether the account is one of the deployment operators named in `OPERATOR_EMAILS`, who alone see the shared queues (`/ops/*`).',
        response: withErrors({ 200: MeResponse }),
      },
      preHandler: app.authenticate('user'),
    },
    async (request) => {
      const userId = request.principal?.kind === 'user' ? request.principal.userId : '';
      const user = await accounts.findUserById(userId);
      if (!user) throw unauthenticated('This account no longer exists');
      return {
        user,
        organizations: await accounts.organizationsOf(user.id),
        operator: app.operators.isOperatorEmail(user.email),
      };
    },
  );
};

export default accountsRoutes;
