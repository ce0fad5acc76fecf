import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AllowedOriginsBody,
  ChangeRoleBody,
  CONSOLE_NAMESPACE,
  CreateOrganizationBody,
  CreateOrganizationResponse,
  KeysResponse,
  MembersResponse,
  OrgParams,
  RotateKeysResponse,
  rooms,
  Uuid,
  withErrors,
} from '@happening/shared';
import { Type } from 'typebox';
import { inTransaction } from '../../lib/db.js';
import { AppError, notFound } from '../../lib/errors.js';
import { newPublishableKey, newSecretKey } from '../../lib/keys.js';
import {
  assertNoOrganizationNamed,
  assertRoomForAnotherOrganization,
  createOrganizationWithAdmin,
} from '../accounts/organizations.js';

const MemberParams = Type.Object({ orgId: Uuid, userId: Uuid });

/** Demoting or removing the last admin would lock everyone out of keys, members and webhooks. */
const lastAdmin = () =>
  new AppError(409, 'LAST_ADMIN', 'An organization needs at least one admin: make someone else admin first');

/** `https://shop.example` as browsers send it; the schema's pattern still lets `http://%` or a bad port by. */
function originOf(value: string, index: number): string {
  try {
    return new URL(value).origin;
  } catch {
    throw new AppError(400, 'VALIDATION_FAILED', `body.allowedOrigins.${index} is not a valid origin`, {
      field: `body.allowedOrigins.${index}`,
    });
  }
}

const orgRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const asUser = app.authenticate('user');
  const accounts = app.accountsRepo;
  const organizations = app.organizationsRepo;

  app.post(
    '/orgs',
    {
      schema: {
        tags: ['organizations'],
        summary: 'Create another organization, with the caller as its admin',
        description:
          'Needs a session. The organization gets its own publishable and secret keys (the secret key ' +
          'is first shown by rotating it). 409 `ORGANIZATION_LIMIT_REACHED` when the caller already ' +
          'belongs to `MAX_ORGANIZATIONS_PER_USER` organizations, 409 `ORGANIZATION_NAME_TAKEN` when ' +
          'one of them has this name (ignoring case and surrounding spaces).',
        body: CreateOrganizationBody,
        response: withErrors({ 201: CreateOrganizationResponse }),
      },
      preHandler: asUser,
    },
    async (request, reply) => {
      const userId = request.principal?.kind === 'user' ? request.principal.userId : '';
      const limit = app.config.MAX_ORGANIZATIONS_PER_USER;
      const organization = await inTransaction(app.pg, async (client) => {
        await assertRoomForAnotherOrganization(accounts, client, userId, limit);
        await assertNoOrganizationNamed(accounts, client, userId, request.body.name);
        return createOrganizationWithAdmin(accounts, client, {
          name: request.body.name,
          adminUserId: userId,
        });
      });
      return reply.status(201).send({ organization });
    },
  );

  app.get(
    '/orgs/:orgId/members',
    {
      schema: {
        tags: ['organizations'],
        summary: "The organization's members and their roles, in the order they joined",
        description:
          "Each member's id, email, name, role and when they joined. Any member (viewer or above) may " +
          'read it.',
        params: OrgParams,
        response: withErrors({ 200: MembersResponse }),
      },
      preHandler: asUser,
    },
    async (request) => {
      await app.requireRole(request, request.params.orgId, 'viewer', 'Organization');
      return { members: await organizations.members(request.params.orgId) };
    },
  );

  app.put(
    '/orgs/:orgId/members/:userId',
    {
      schema: {
        tags: ['organizations'],
        summary: "Change a member's role (admin)",
        description:
          'Body `{role}`. 404 for someone who is not a member; 409 `LAST_ADMIN` when the change would ' +
          'leave the organization without an admin. Answers 204.',
        params: MemberParams,
        body: ChangeRoleBody,
      },
      preHandler: asUser,
    },
    async (request, reply) => {
      const { orgId, userId } = request.params;
      await app.requireRole(request, orgId, 'admin', 'Organization');
      if (!(await organizations.changeRole(orgId, userId, request.body.role))) {
        if (!(await organizations.isMember(orgId, userId))) throw notFound('Member');
        throw lastAdmin();
      }
      return reply.status(204).send();
    },
  );

  app.delete(
    '/orgs/:orgId/members/:userId',
    {
      schema: {
        tags: ['organizations'],
        summary: 'Remove a member (admin)',
        description:
          "Their open consoles stop receiving the organization's notifications and its events' live " +
          'seat details at once, on every server. 404 for someone who is not a member, 409 ' +
          '`LAST_ADMIN` for the last admin. Answers 204.',
        params: MemberParams,
      },
      preHandler: asUser,
    },
    async (request, reply) => {
      const { orgId, userId } = request.params;
      await app.requireRole(request, orgId, 'admin', 'Organization');
      if (!(await organizations.removeMember(orgId, userId))) {
        if (!(await organizations.isMember(orgId, userId))) throw notFound('Member');
        throw lastAdmin();
      }
      // Rooms are checked only when joined: a removed member's open consoles must stop hearing the
      // organization's notifications and its events' seat details now, not when they reconnect.
      // Here at once (`local`), and on the other servers through the adapter's Redis request.
      const eventIds = await app.eventsRepo.idsOfOrg(orgId);
      const left = [rooms.org(orgId), ...eventIds.map((id) => rooms.consoleEvent(id))];
      const consoles = app.io.of(CONSOLE_NAMESPACE);
      consoles.local.in(rooms.user(userId)).socketsLeave(left);
      consoles.in(rooms.user(userId)).socketsLeave(left);
      return reply.status(204).send();
    },
  );

  app.get(
    '/orgs/:orgId/keys',
    {
      schema: {
        tags: ['organizations'],
        summary: "The organization's keys and allowed origins (admin)",
        description:
          'The publishable key, the hint of the secret key (the key itself is shown only by rotating it) ' +
          'and the allowed origins. After `POST /orgs/:orgId/keys/rotate-publishable`, ' +
          '`previousPublishableKey` and `previousPublishableKeyExpiresAt` name the replaced key while it ' +
          'still works; both are null otherwise.',
        params: OrgParams,
        response: withErrors({ 200: KeysResponse }),
      },
      preHandler: asUser,
    },
    async (request) => {
      await app.requireRole(request, request.params.orgId, 'admin', 'Organization');
      const keys = await organizations.keys(request.params.orgId);
      if (!keys) throw notFound('Organization');
      return keys;
    },
  );

  app.post(
    '/orgs/:orgId/keys/rotate',
    {
      schema: {
        tags: ['organizations'],
        summary: 'Rotate the secret key (admin); the new one is shown only in this answer',
        description:
          'The previous secret key stops working at once (on other servers within the 5 s key cache). ' +
          'Only a hash of the new key is stored.',
        params: OrgParams,
        response: withErrors({ 200: RotateKeysResponse }),
      },
      preHandler: asUser,
    },
    async (request) => {
      await app.requireRole(request, request.params.orgId, 'admin', 'Organization');
      const keys = newSecretKey();
      const stored = await organizations.replaceSecretKey(request.params.orgId, keys);
      if (!stored) throw notFound('Organization');
      app.forgetKeyLookups();
      return { ...stored, secretKey: keys.secretKey };
    },
  );

  app.post(
    '/orgs/:orgId/keys/rotate-publishable',
    {
      schema: {
        tags: ['organizations'],
        summary: 'Rotate the publishable key (admin); the previous one keeps working for a grace period',
        description:
          'Answers the keys with the new publishable key, which works at once. The previous key keeps ' +
          'working, from its allowed origins as before, for `PUBLISHABLE_KEY_GRACE_HOURS` (default 48) so ' +
          'pages that embed it can be updated: `previousPublishableKeyExpiresAt` says until when. After ' +
          'that it is refused everywhere (REST 401 `UNAUTHENTICATED`, the widget socket handshake and ' +
          'messages of sockets already connected with it). Rotating again ends the grace of the key ' +
          'before at once (on other servers within the 5 s key cache): to cut a leaked key off now, ' +
          'rotate twice.',
        params: OrgParams,
        response: withErrors({ 200: KeysResponse }),
      },
      preHandler: asUser,
    },
    async (request) => {
      await app.requireRole(request, request.params.orgId, 'admin', 'Organization');
      const keys = await organizations.replacePublishableKey(
        request.params.orgId,
        newPublishableKey(),
        app.config.PUBLISHABLE_KEY_GRACE_HOURS,
      );
      if (!keys) throw notFound('Organization');
      app.forgetKeyLookups();
      return keys;
    },
  );

  app.put(
    '/orgs/:orgId/allowed-origins',
    {
      schema: {
        tags: ['organizations'],
        summary: 'Set the origins whose pages may use the publishable key (admin)',
        description:
          'Replaces the list (at most 100 origins such as `https://shop.example`, duplicates dropped) ' +
          'and answers the keys. Publishable-key calls and widget sockets are accepted only from these ' +
          'origins; other servers follow within the 5 s key cache. 400 `VALIDATION_FAILED` names a ' +
          'value that is not an origin.',
        params: OrgParams,
        body: AllowedOriginsBody,
        response: withErrors({ 200: KeysResponse }),
      },
      preHandler: asUser,
    },
    async (request) => {
      await app.requireRole(request, request.params.orgId, 'admin', 'Organization');
      const origins = [...new Set(request.body.allowedOrigins.map(originOf))];
      const keys = await organizations.setAllowedOrigins(request.params.orgId, origins);
      if (!keys) throw notFound('Organization');
      app.forgetKeyLookups();
      return keys;
    },
  );
};

export default orgRoutes;
