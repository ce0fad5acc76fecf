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

const accountsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const accounts = accountsRepository(app.pg);
  // Compared against when the email is unknown, so a login takes as long either way.
  const decoyHash = hashPassword('decoy password', app.config.PASSWORD_HASH_COST);

  app.post(
    '/auth/signup',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Create an account and its first organization, with the caller as admin',
        description:
          'At most `AUTH_RATE_LIMIT_PER_MINUTE` signup attempts per client address (see `TRUST_PROXY`) ' +
          'per minute; beyond, 429 `RATE_LIMITED` with `Retry-After`.',
        body: SignupBody,
        response: withErrors({ 201: SignupResponse }),
      },
      config: { rateLimit: { max: app.config.AUTH_RATE_LIMIT_PER_MINUTE, timeWindow: 60_000 } },
    },
    async (request, reply) => {
      const { email, password, name, organization } = request.body;
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
        if (isUniqueViolation(error))
          throw new AppError(409, 'EMAIL_TAKEN', 'An account with this email already exists');
        throw error;
      }
    },
  );

  app.post(
    '/auth/login',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Sign in with email and password; answers a session token',
        description:
          'At most `AUTH_RATE_LIMIT_PER_MINUTE` attempts per client address (see `TRUST_PROXY`) per ' +
          'minute, counted across servers; beyond, 429 `RATE_LIMITED` with `Retry-After`. ' +
          '`X-Forwarded-For` from anyone but a trusted proxy changes nothing.',
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
      };
    },
  );

  app.get(
    '/auth/me',
    {
      schema: { tags: ['accounts'], response: withErrors({ 200: MeResponse }) },
      preHandler: app.authenticate('user'),
    },
    async (request) => {
      const userId = request.principal?.kind === 'user' ? request.principal.userId : '';
      const user = await accounts.findUserById(userId);
      if (!user) throw unauthenticated('This account no longer exists');
      return { user, organizations: await accounts.organizationsOf(user.id) };
    },
  );
};

export default accountsRoutes;
