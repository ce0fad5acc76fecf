import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  ChangePasswordBody,
  ChangePasswordResponse,
  LoginBody,
  LoginResponse,
  LogoutBody,
  MeResponse,
  SignupBody,
  SignupResponse,
  withErrors,
} from '@happening/shared';
import { Type } from 'typebox';
import { inTransaction, isUniqueViolation } from '../../lib/db.js';
import { AppError, unauthenticated } from '../../lib/errors.js';
import { hashPassword, needsRehash, verifyPassword } from '../../lib/passwords.js';
import type { Principal } from '../../plugins/auth.js';
import { dropSessionSockets, dropUserSockets } from '../../realtime/session-sockets.js';
import { createOrganizationWithAdmin } from './organizations.js';

const invalidCredentials = () => new AppError(401, 'INVALID_CREDENTIALS', 'Email or password is wrong');

const emailTaken = () => new AppError(409, 'EMAIL_TAKEN', 'An account with this email already exists');

const accountsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const accounts = app.accountsRepo;
  const sessions = app.sessionsRepo;
  const tags = ['accounts'];
  const authLimit = { rateLimit: { max: app.config.AUTH_RATE_LIMIT_PER_MINUTE, timeWindow: 60_000 } };
  // Compared against when the email is unknown, so a login takes as long either way.
  const decoyHash = hashPassword('decoy password', app.config.PASSWORD_HASH_COST);
  const sessionOf = (principal: Principal | null) =>
    principal?.kind === 'user' ? principal : { userId: '', sessionId: '' };

  app.post(
    '/auth/signup',
    {
      schema: {
        tags,
        summary: 'Create an account and its first organization, with the caller as admin',
        description:
          'A new account, admin of a new organization with its own keys. 409 `EMAIL_TAKEN` when the address has an account, and for the addresses in `OPERATOR_EMAILS`: signup proves no mailbox, so an operator address is never claimed this way (an invitation link, which does, still works). ' +
          'At most `AUTH_RATE_LIMIT_PER_MINUTE` signup attempts per client address (see `TRUST_PROXY`) ' +
          'per minute; beyond, 429 `RATE_LIMITED` with `Retry-After`.',
        body: SignupBody,
        response: withErrors({ 201: SignupResponse }),
      },
      config: authLimit,
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
          return { user, organization: org, token: await app.issueSession(user.id, { db: client }) };
        });
        return reply.status(201).send(result);
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
        tags,
        summary: 'Sign in with email and password',
        description:
          'Answers a session token (valid `TOKEN_TTL_SECONDS`, until signed out, or until the password changes), ' +
          'the user, their organizations with their role in each, and `operator`: whether the account is one of ' +
          'the deployment operators named in `OPERATOR_EMAILS`. 401 `INVALID_CREDENTIALS`. ' +
          'A password stored with less work than `PASSWORD_HASH_COST` asks for is hashed again and stored on the way. ' +
          'At most `AUTH_RATE_LIMIT_PER_MINUTE` attempts per client address (see `TRUST_PROXY`) per ' +
          'minute, counted across servers; beyond, 429 `RATE_LIMITED` with `Retry-After`. ' +
          '`X-Forwarded-For` from anyone but a trusted proxy changes nothing.',
        body: LoginBody,
        response: withErrors({ 200: LoginResponse }),
      },
      config: authLimit,
    },
    async (request) => {
      const user = await accounts.findUserByEmail(request.body.email);
      const valid = await verifyPassword(request.body.password, user?.passwordHash ?? (await decoyHash));
      if (!user || !valid) throw invalidCredentials();
      // Hashing is slow on purpose: done before the transaction so the user's row is not locked meanwhile.
      const rehash = needsRehash(user.passwordHash, app.config.PASSWORD_HASH_COST)
        ? await hashPassword(request.body.password, app.config.PASSWORD_HASH_COST)
        : null;
      const token = await inTransaction(app.pg, async (client) => {
        const current = await accounts.lockUserRecord(user.id, client);
        // The password changed while this login verified the old one: it must not leave a session.
        if (!current || current.passwordVersion !== user.passwordVersion) throw invalidCredentials();
        if (rehash && current.passwordHash === user.passwordHash) {
          await accounts.storeRehash(user.id, rehash, client);
        }
        return app.issueSession(user.id, { db: client });
      });
      return {
        token,
        user: { id: user.id, email: user.email, name: user.name },
        organizations: await accounts.organizationsOf(user.id),
        operator: app.operators.isOperatorEmail(user.email),
      };
    },
  );

  app.post(
    '/auth/logout',
    {
      schema: {
        tags,
        summary: 'Sign out: end this session token, or every session of the account',
        description:
          'Ends the session token sent with the call at once, on every server: later calls with it answer 401 ' +
          '`UNAUTHENTICATED` and console sockets opened with it are disconnected. With `{"everywhere": true}` ' +
          'every session of the account ends the same way (a lost laptop, a shared computer). Answers 204.',
        body: LogoutBody,
        response: withErrors({ 204: Type.Null({ description: 'Signed out' }) }),
      },
      // A bare `POST /auth/logout` (no body, no content type) is the common call: read it as `{}`.
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = {};
      },
      preHandler: app.authenticate('user'),
    },
    async (request, reply) => {
      const { userId, sessionId } = sessionOf(request.principal);
      if (request.body.everywhere) {
        await sessions.revokeAllOf(userId);
        dropUserSockets(app, userId);
      } else {
        await sessions.revoke(sessionId);
        dropSessionSockets(app, sessionId);
      }
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/auth/password',
    {
      schema: {
        tags,
        summary: 'Change the password; every other session ends',
        description:
          'Needs the current password (403 `CURRENT_PASSWORD_WRONG` otherwise; never 401, which would mean the ' +
          'session itself ended). On success every session of the account ends, on every server, and console ' +
          'sockets are disconnected; the answer carries a fresh session token for the caller. The new password ' +
          'follows the signup rule (10–200 characters). Limited like login (`AUTH_RATE_LIMIT_PER_MINUTE`).',
        body: ChangePasswordBody,
        response: withErrors({ 200: ChangePasswordResponse }),
      },
      config: authLimit,
      preHandler: app.authenticate('user'),
    },
    async (request) => {
      const { userId } = sessionOf(request.principal);
      const wrong = () =>
        new AppError(403, 'CURRENT_PASSWORD_WRONG', 'The current password is not right; nothing was changed');
      const user = await accounts.findUserRecordById(userId);
      if (!user) throw unauthenticated('This account no longer exists');
      if (!(await verifyPassword(request.body.currentPassword, user.passwordHash))) throw wrong();
      const passwordHash = await hashPassword(request.body.newPassword, app.config.PASSWORD_HASH_COST);
      const token = await inTransaction(app.pg, async (client) => {
        const current = await accounts.lockUserRecord(userId, client);
        if (!current) throw unauthenticated('This account no longer exists');
        // Changed meanwhile by another session: the password checked above is no longer the current one.
        if (current.passwordVersion !== user.passwordVersion) throw wrong();
        await accounts.changePassword(userId, passwordHash, client);
        await sessions.revokeAllOf(userId, client);
        return app.issueSession(userId, { db: client });
      });
      dropUserSockets(app, userId);
      return { token };
    },
  );

  app.get(
    '/auth/me',
    {
      schema: {
        tags,
        summary: 'Who is signed in',
        description:
          'The user, their organizations (in the order joined) with their role, and `operator`: whether the account is one of the deployment operators named in `OPERATOR_EMAILS`, who alone see the shared queues (`/ops/*`).',
        response: withErrors({ 200: MeResponse }),
      },
      preHandler: app.authenticate('user'),
    },
    async (request) => {
      const { userId } = sessionOf(request.principal);
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
