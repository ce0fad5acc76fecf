import type { KeysResponse, Member, Role } from '@happening/shared';
import type pg from 'pg';
import type { Static } from 'typebox';
import { isoTimestamp, isoTimestampOrNull } from '../../lib/db.js';

type Db = pg.Pool | pg.PoolClient;

export type OrganizationKeys = Static<typeof KeysResponse>;

// The previous publishable key shows only while it still works.
const keyColumns = `publishable_key AS "publishableKey",
  CASE WHEN previous_publishable_key_expires_at > now() THEN previous_publishable_key END
    AS "previousPublishableKey",
  CASE WHEN previous_publishable_key_expires_at > now() THEN previous_publishable_key_expires_at END
    AS "previousPublishableKeyExpiresAt",
  secret_key_hint AS "secretKeyHint", allowed_origins AS "allowedOrigins"`;

interface KeysRow extends Omit<OrganizationKeys, 'previousPublishableKeyExpiresAt'> {
  previousPublishableKeyExpiresAt: Date | null;
}

const toKeys = (row: KeysRow): OrganizationKeys => ({
  ...row,
  previousPublishableKeyExpiresAt: isoTimestampOrNull(row.previousPublishableKeyExpiresAt),
});

/** An organization matched by a publishable key, current or previous. */
export interface PublishableKeyMatch {
  id: string;
  allowedOrigins: string[];
  /** When the key is the previous one of a rotation, the end of its grace (epoch ms); else null. */
  expiresAt: number | null;
}

/** An organization's members, keys and allowed origins. */
export function organizationsRepository(pool: pg.Pool) {
  return {
    async members(orgId: string, db: Db = pool): Promise<Static<typeof Member>[]> {
      const { rows } = await db.query<Omit<Static<typeof Member>, 'joinedAt'> & { joinedAt: Date }>(
        `SELECT u.id AS "userId", u.email, u.name, m.role, m.created_at AS "joinedAt"
         FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 ORDER BY m.created_at`,
        [orgId],
      );
      return rows.map((row) => ({ ...row, joinedAt: isoTimestamp(row.joinedAt) }));
    },

    async isMember(orgId: string, userId: string, db: Db = pool): Promise<boolean> {
      const { rowCount } = await db.query('SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $2', [
        orgId,
        userId,
      ]);
      return (rowCount ?? 0) > 0;
    },

    /**
     * Gives a member another role; false when they are not a member or are the last admin. The
     * guard keeps at least one admin, so an organization can never lock itself out.
     */
    async changeRole(orgId: string, userId: string, role: Role, db: Db = pool): Promise<boolean> {
      const { rowCount } = await db.query(
        `UPDATE memberships SET role = $3 WHERE org_id = $1 AND user_id = $2
           AND ($3 = 'admin' OR EXISTS (SELECT 1 FROM memberships WHERE org_id = $1 AND role = 'admin' AND user_id <> $2))`,
        [orgId, userId, role],
      );
      return (rowCount ?? 0) > 0;
    },

    /** Removes a member; false when they are not a member or are the last admin. */
    async removeMember(orgId: string, userId: string, db: Db = pool): Promise<boolean> {
      const { rowCount } = await db.query(
        `DELETE FROM memberships WHERE org_id = $1 AND user_id = $2
           AND (role <> 'admin' OR EXISTS (SELECT 1 FROM memberships WHERE org_id = $1 AND role = 'admin' AND user_id <> $2))`,
        [orgId, userId],
      );
      return (rowCount ?? 0) > 0;
    },

    async keys(orgId: string, db: Db = pool): Promise<OrganizationKeys | null> {
      const { rows } = await db.query<KeysRow>(`SELECT ${keyColumns} FROM organizations WHERE id = $1`, [
        orgId,
      ]);
      return rows[0] ? toKeys(rows[0]) : null;
    },

    /** Stores a new secret key's hash and hint; answers the keys, or null for no such organization. */
    async replaceSecretKey(
      orgId: string,
      secret: { hash: string; hint: string },
      db: Db = pool,
    ): Promise<OrganizationKeys | null> {
      const { rows } = await db.query<KeysRow>(
        `UPDATE organizations SET secret_key_hash = $2, secret_key_hint = $3 WHERE id = $1
         RETURNING ${keyColumns}`,
        [orgId, secret.hash, secret.hint],
      );
      return rows[0] ? toKeys(rows[0]) : null;
    },

    /**
     * Makes `publishableKey` current; the one it replaces keeps working for `graceHours`. The row
     * lock makes two rotations at once queue up: each one's previous key is the key the other one
     * made, never a key that was never handed out.
     */
    async replacePublishableKey(
      orgId: string,
      publishableKey: string,
      graceHours: number,
      db: Db = pool,
    ): Promise<OrganizationKeys | null> {
      const { rows } = await db.query<KeysRow>(
        `UPDATE organizations SET
           previous_publishable_key = publishable_key,
           previous_publishable_key_expires_at = now() + make_interval(hours => $3),
           publishable_key = $2
         WHERE id = $1 RETURNING ${keyColumns}`,
        [orgId, publishableKey, graceHours],
      );
      return rows[0] ? toKeys(rows[0]) : null;
    },

    async setAllowedOrigins(
      orgId: string,
      origins: string[],
      db: Db = pool,
    ): Promise<OrganizationKeys | null> {
      const { rows } = await db.query<KeysRow>(
        `UPDATE organizations SET allowed_origins = $2 WHERE id = $1 RETURNING ${keyColumns}`,
        [orgId, origins],
      );
      return rows[0] ? toKeys(rows[0]) : null;
    },

    async allowedOrigins(orgId: string, db: Db = pool): Promise<string[] | null> {
      const { rows } = await db.query<{ allowedOrigins: string[] }>(
        'SELECT allowed_origins AS "allowedOrigins" FROM organizations WHERE id = $1',
        [orgId],
      );
      return rows[0]?.allowedOrigins ?? null;
    },

    /** The organization whose current key, or previous key still in its grace, is `key`. */
    async findByPublishableKey(key: string, db: Db = pool): Promise<PublishableKeyMatch | null> {
      const { rows } = await db.query<PublishableKeyMatch>(
        `SELECT id, allowed_origins AS "allowedOrigins",
                CASE WHEN publishable_key = $1 THEN NULL
                     ELSE (extract(epoch FROM previous_publishable_key_expires_at) * 1000)::float8 END
                  AS "expiresAt"
         FROM organizations
         WHERE publishable_key = $1
            OR (previous_publishable_key = $1 AND previous_publishable_key_expires_at > now())`,
        [key],
      );
      return rows[0] ?? null;
    },

    async findIdBySecretKeyHash(hash: string, db: Db = pool): Promise<string | null> {
      const { rows } = await db.query<{ id: string }>(
        'SELECT id FROM organizations WHERE secret_key_hash = $1',
        [hash],
      );
      return rows[0]?.id ?? null;
    },
  };
}

export type OrganizationsRepository = ReturnType<typeof organizationsRepository>;
