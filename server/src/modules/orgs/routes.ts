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
import { accountsRepository } from '../accounts/repository.js';

const MemberParams = Type.Object({ orgId: Uuid, userId: Uuid });

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
  const accounts = accountsRepository(app.pg);

  // The previous publishable key shows only while it still works.
  const keyColumns = `publishable_key AS "publishableKey",
    CASE WHEN previous_publishable_key_expires_at > now() THEN previous_publishable_key END
      AS "previousPublishableKey",
    CASE WHEN previous_publishable_key_expires_at > now() THEN
      to_char(previous_publishable_key_expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') END
      AS "previousPublishableKeyExpiresAt",
    secret_key_hint AS "secretKeyHint", allowed_origins AS "allowedOrigins"`;
  const selectKeys = `SELECT ${keyColumns} FROM organizations WHERE id = $1`;

  app.post(
    '/orgs',
    {
      schema: {
        tags: ['organizations'],
        summary: 'Create another organization, with the caller as its admin',
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
      schema: { tags: ['organizations'], params: OrgParams, response: withErrors({ 200: MembersResponse }) },
      preHandler: asUser,
    },
    async (request) => {
      await app.requireRole(request, request.params.orgId, 'viewer', 'Organization');
      const { rows } = await app.pg.query(
        `SELECT u.id AS "userId", u.email, u.name, m.role, m.created_at AS "joinedAt"
         FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 ORDER BY m.created_at`,
        [request.params.orgId],
      );
      return { members: rows.map((row) => ({ ...row, joinedAt: row.joinedAt.toISOString() })) };
    },
  );

  app.put(
    '/orgs/:orgId/members/:userId',
    { schema: { tags: ['organizations'], params: MemberParams, body: ChangeRoleBody }, preHandler: asUser },
    async (request, reply) => {
      const { orgId, userId } = request.params;
      await app.requireRole(request, orgId, 'admin', 'Organization');
      // The guard keeps at least one admin, so an organization can never lock itself out.
      const { rowCount } = await app.pg.query(
        `UPDATE memberships SET role = $3 WHERE org_id = $1 AND user_id = $2
           AND ($3 = 'admin' OR EXISTS (SELECT 1 FROM memberships WHERE org_id = $1 AND role = 'admin' AND user_id <> $2))`,
        [orgId, userId, request.body.role],
      );
      if (rowCount === 0) {
        const exists = await app.pg.query('SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $2', [
          orgId,
          userId,
        ]);
        if (exists.rowCount === 0) throw notFound('Member');
        throw new AppError(409, 'FORBIDDEN', 'An organization needs at least one admin');
      }
      return reply.status(204).send();
    },
  );

  app.delete(
    '/orgs/:orgId/members/:userId',
    { schema: { tags: ['organizations'], params: MemberParams }, preHandler: asUser },
    async (request, reply) => {
      const { orgId, userId } = request.params;
      await app.requireRole(request, orgId, 'admin', 'Organization');
      const { rowCount } = await app.pg.query(
        `DELETE FROM memberships WHERE org_id = $1 AND user_id = $2
           AND (role <> 'admin' OR EXISTS (SELECT 1 FROM memberships WHERE org_id = $1 AND role = 'admin' AND user_id <> $2))`,
        [orgId, userId],
      );
      if (rowCount === 0) throw new AppError(409, 'FORBIDDEN', 'Not a member, or the last admin');
      // Rooms are checked only when joined: a removed member's open consoles must stop hearing the
      // organization's notifications and its events' seat details now, not when they reconnect.
      // Here at once (`local`), and on the other servers through the adapter's Redis request.
      const { rows } = await app.pg.query<{ id: string }>('SELECT id FROM events WHERE org_id = $1', [orgId]);
      const left = [rooms.org(orgId), ...rows.map((row) => rooms.consoleEvent(row.id))];
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
      const { rows } = await app.pg.query(selectKeys, [request.params.orgId]);
      return rows[0];
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
      const { rows } = await app.pg.query(
        `UPDATE organizations SET secret_key_hash = $2, secret_key_hint = $3 WHERE id = $1
         RETURNING ${keyColumns}`,
        [request.params.orgId, keys.hash, keys.hint],
      );
      app.forgetKeyLookups();
      return { ...rows[0], secretKey: keys.secretKey };
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
      // The row lock makes two rotations at once queue up: each one's previous key is the key the
      // other one made, never a key that was never handed out.
      const { rows } = await app.pg.query(
        `UPDATE organizations SET
           previous_publishable_key = publishable_key,
           previous_publishable_key_expires_at = now() + make_interval(hours => $3),
           publishable_key = $2
         WHERE id = $1 RETURNING ${keyColumns}`,
        [request.params.orgId, newPublishableKey(), app.config.PUBLISHABLE_KEY_GRACE_HOURS],
      );
      if (!rows[0]) throw notFound('Organization');
      app.forgetKeyLookups();
      return rows[0];
    },
  );

  app.put(
    '/orgs/:orgId/allowed-origins',
    {
      schema: {
        tags: ['organizations'],
        params: OrgParams,
        body: AllowedOriginsBody,
        response: withErrors({ 200: KeysResponse }),
      },
      preHandler: asUser,
    },
    async (request) => {
      await app.requireRole(request, request.params.orgId, 'admin', 'Organization');
      const origins = [...new Set(request.body.allowedOrigins.map(originOf))];
      await app.pg.query('UPDATE organizations SET allowed_origins = $2 WHERE id = $1', [
        request.params.orgId,
        origins,
      ]);
      app.forgetKeyLookups();
      const { rows } = await app.pg.query(selectKeys, [request.params.orgId]);
      return rows[0];
    },
  );
};

export default orgRoutes;
