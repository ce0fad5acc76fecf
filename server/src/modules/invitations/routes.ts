import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AcceptInvitationResponse,
  Invitation,
  InvitationBody,
  InvitationParams,
  InvitationPreview,
  InvitationSignupBody,
  InvitationsResponse,
  InvitationTokenBody,
  InvitationTokenParams,
  OrgParams,
  SignupResponse,
  withErrors,
} from '@happening/shared';
import type pg from 'pg';
import { inTransaction, isUniqueViolation } from '../../lib/db.js';
import { AppError, notFound } from '../../lib/errors.js';
import { hashSecretKey, newToken } from '../../lib/keys.js';
import { enqueueNotifications } from '../../lib/outbox.js';
import { hashPassword } from '../../lib/passwords.js';
import { assertRoomForAnotherOrganization } from '../accounts/organizations.js';
import type { PendingInvitation } from './repository.js';

const invalid = (message: string, status = 404) => new AppError(status, 'INVITATION_INVALID', message);

const invitationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const asUser = app.authenticate('user');
  const tags = ['invitations'];
  const invitations = app.invitationsRepo;
  const accounts = app.accountsRepo;

  /** The invitation behind a link, locked for this transaction, or a 404 when it can no longer be used. */
  async function openInvitation(token: string, client: pg.PoolClient): Promise<PendingInvitation> {
    const invitation = await invitations.lockByTokenHash(hashSecretKey(token), client);
    if (invitation?.status !== 'pending' || invitation.expired) {
      throw invalid('This invitation link is unknown, expired, revoked or already used');
    }
    return invitation;
  }

  app.post(
    '/orgs/:orgId/invitations',
    {
      schema: {
        tags,
        summary: 'Invite someone by email; they receive an `invitation_received` email with an accept link',
        description:
          'The email links to `PUBLIC_URL/invitations#<token>`: the token sits in the fragment, which ' +
          'browsers never send, so no request or log line carries it. Only that email has the link: ' +
          "the organization's webhooks and its in-app inbox get `invitation_received` without it. " +
          'Inviting the same address again replaces the old link.',
        params: OrgParams,
        body: InvitationBody,
        response: withErrors({ 201: Invitation }),
      },
      preHandler: asUser,
    },
    async (request, reply) => {
      const { orgId } = request.params;
      const { email, role } = request.body;
      await app.requireRole(request, orgId, 'admin', 'Organization');
      if (request.principal?.kind !== 'user') throw notFound('Organization');
      const inviterId = request.principal.userId;
      if (await invitations.isMember(orgId, email)) {
        throw new AppError(409, 'ALREADY_MEMBER', `${email} is already a member of this organization`);
      }
      const token = newToken('inv', 32);
      const created = await inTransaction(app.pg, async (client) => {
        const invitation = await invitations.create(
          {
            orgId,
            email,
            role,
            tokenHash: hashSecretKey(token),
            invitedBy: inviterId,
            ttlHours: app.config.INVITATION_TTL_HOURS,
          },
          client,
        );
        const names = (await invitations.senderNames(orgId, inviterId, client))!;
        // The invitation and its email commit together: no invitation without its email.
        await enqueueNotifications(client, [
          {
            type: 'invitation_received',
            id: randomUUID(),
            occurredAt: new Date().toISOString(),
            orgId,
            invitationId: invitation.id,
            invitee: { email },
            role,
            organizationName: names.orgName,
            invitedBy: names.inviter,
            // In the fragment, which browsers never send: the page's request, and every log
            // line about it, carries no token. Only the invitee's email shows this link.
            acceptUrl: `${app.config.PUBLIC_URL.replace(/\/$/, '')}/invitations#${token}`,
          },
        ]);
        return invitation;
      });
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/orgs/:orgId/invitations',
    {
      schema: {
        tags,
        summary: "The organization's invitations, newest first (admin)",
        description:
          'Up to 500, whatever their status (pending, accepted, revoked), each with its address, role ' +
          "and expiry. Never the token: only the invitee's email carries it.",
        params: OrgParams,
        response: withErrors({ 200: InvitationsResponse }),
      },
      preHandler: asUser,
    },
    async (request) => {
      await app.requireRole(request, request.params.orgId, 'admin', 'Organization');
      return { invitations: await invitations.list(request.params.orgId) };
    },
  );

  app.delete(
    '/orgs/:orgId/invitations/:invitationId',
    {
      schema: {
        tags,
        summary: 'Revoke a pending invitation (admin)',
        description:
          'Its link stops working at once. 404 when the invitation is not pending (accepted, revoked ' +
          'already, or unknown). Answers 204.',
        params: InvitationParams,
      },
      preHandler: asUser,
    },
    async (request, reply) => {
      const { orgId, invitationId } = request.params;
      await app.requireRole(request, orgId, 'admin', 'Organization');
      if (!(await invitations.revoke(orgId, invitationId))) throw notFound('Pending invitation');
      return reply.status(204).send();
    },
  );

  // The token is the credential, so it travels in the JSON body only: a URL lands in access logs
  // (ours redact it, a proxy's may not), browser history and Referer headers, and whoever saw it
  // could create the invited account. The invitation page reads it from its address's fragment.

  app.post(
    '/invitations/lookup',
    {
      schema: {
        tags,
        summary: 'What an invitation offers: organization, address, role, status and expiry',
        description:
          'For the invitation page (`PUBLIC_URL/invitations#<token>`), which reads the token from the ' +
          'fragment and sends it here in the body. 404 `INVITATION_INVALID` for an unknown token. An ' +
          'accepted, revoked or expired invitation still answers, with its `status` and `expired`, so ' +
          'the page can explain why the link no longer works.',
        body: InvitationTokenBody,
        response: withErrors({ 200: InvitationPreview }),
      },
    },
    async (request) => {
      const preview = await invitations.preview(hashSecretKey(request.body.token));
      if (!preview) throw invalid('This invitation link is unknown');
      return preview;
    },
  );

  app.post(
    '/invitations/accept',
    {
      schema: {
        tags,
        summary: 'Join the organization with the invited role (signed in with the invited email address)',
        description:
          'Body `{token}`. The session must belong to the invited address: 403 `INVITATION_INVALID` ' +
          'for another account, 404 `INVITATION_INVALID` when the invitation is unknown, expired, ' +
          'revoked or used, 409 `ALREADY_MEMBER`.',
        body: InvitationTokenBody,
        response: withErrors({ 200: AcceptInvitationResponse }),
      },
      preHandler: asUser,
    },
    async (request) => {
      if (request.principal?.kind !== 'user') throw invalid('Sign in to accept an invitation', 401);
      const userId = request.principal.userId;
      const user = await accounts.findUserById(userId);
      if (!user) throw invalid('Sign in to accept an invitation', 401);
      return inTransaction(app.pg, async (client) => {
        const invitation = await openInvitation(request.body.token, client);
        // The link proves access to the mailbox; the account must be that mailbox's too, so a
        // forwarded or leaked link cannot put someone else in the organization.
        if (invitation.email.toLowerCase() !== user.email.toLowerCase()) {
          throw invalid(`This invitation was sent to another address; sign in as ${invitation.email}`, 403);
        }
        await assertRoomForAnotherOrganization(
          accounts,
          client,
          userId,
          app.config.MAX_ORGANIZATIONS_PER_USER,
        );
        try {
          return { organization: await invitations.join(invitation, userId, client) };
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
          throw new AppError(409, 'ALREADY_MEMBER', 'You are already a member of this organization');
        }
      });
    },
  );

  app.post(
    '/invitations/signup',
    {
      schema: {
        tags,
        summary:
          'Create an account for the invited address and join with the invited role, without an organization of its own',
        description:
          'Body `{token, name, password}`; the address is the invited one, never chosen by the caller. ' +
          '409 `EMAIL_TAKEN` when the address already has an account (sign in and accept instead), ' +
          '404 `INVITATION_INVALID` when the invitation can no longer be used.',
        body: InvitationSignupBody,
        response: withErrors({ 201: SignupResponse }),
      },
      config: { rateLimit: { max: app.config.AUTH_RATE_LIMIT_PER_MINUTE, timeWindow: 60_000 } },
    },
    async (request, reply) => {
      const { token, name, password } = request.body;
      // Hashing is slow on purpose: done before the transaction so the invitation is not locked meanwhile.
      const passwordHash = await hashPassword(password, app.config.PASSWORD_HASH_COST);
      try {
        const result = await inTransaction(app.pg, async (client) => {
          const invitation = await openInvitation(token, client);
          const user = await accounts.insertUser({ email: invitation.email, name, passwordHash }, client);
          return { user, organization: await invitations.join(invitation, user.id, client) };
        });
        return reply.status(201).send({ token: await app.issueSession(result.user.id), ...result });
      } catch (error) {
        // The only unique key a brand-new user can hit is the address: that person should sign in.
        if (isUniqueViolation(error))
          throw new AppError(
            409,
            'EMAIL_TAKEN',
            'An account with this email already exists; sign in instead',
          );
        throw error;
      }
    },
  );

  // The old forms put the token in the path. They do nothing with it (a token that reached a URL
  // may already sit in someone's log), and say where it goes now. Hidden from the OpenAPI document.
  const tokenInUrl = () =>
    new AppError(
      410,
      'TOKEN_IN_URL',
      'Invitation tokens are not accepted in URLs any more; send {token} in the JSON body of ' +
        'POST /api/v1/invitations/lookup, /accept or /signup',
    );
  const legacy = { schema: { hide: true, params: InvitationTokenParams } };
  app.get('/invitations/:token', legacy, async () => {
    throw tokenInUrl();
  });
  app.post('/invitations/:token/accept', legacy, async () => {
    throw tokenInUrl();
  });
  app.post('/invitations/:token/signup', legacy, async () => {
    throw tokenInUrl();
  });
};

export default invitationRoutes;
