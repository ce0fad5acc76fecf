import { isUuid, type Organization, type Role, type User } from '@happening/shared';
import type pg from 'pg';

type Db = pg.Pool | pg.PoolClient;

export interface UserRecord extends User {
  passwordHash: string;
  passwordVersion: number;
}

const userRecordColumns =
  'id, email, name, password_hash AS "passwordHash", password_version AS "passwordVersion"';

export interface OrgKeysRecord {
  id: string;
  name: string;
  publishableKey: string;
  secretKeyHint: string;
  allowedOrigins: string[];
}

export function accountsRepository(pool: pg.Pool) {
  return {
    async insertUser(
      user: { email: string; name: string; passwordHash: string },
      db: Db = pool,
    ): Promise<User> {
      const { rows } = await db.query<User>(
        'INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3) RETURNING id, email, name',
        [user.email, user.name, user.passwordHash],
      );
      return rows[0]!;
    },

    async findUserByEmail(email: string, db: Db = pool): Promise<UserRecord | null> {
      const { rows } = await db.query<UserRecord>(
        `SELECT ${userRecordColumns} FROM users WHERE lower(email) = lower($1)`,
        [email],
      );
      return rows[0] ?? null;
    },

    async findUserRecordById(id: string, db: Db = pool): Promise<UserRecord | null> {
      const { rows } = await db.query<UserRecord>(`SELECT ${userRecordColumns} FROM users WHERE id = $1`, [
        id,
      ]);
      return rows[0] ?? null;
    },

    /** The user's row, locked until the transaction ends: logins and password changes take turns. */
    async lockUserRecord(id: string, db: pg.PoolClient): Promise<UserRecord | null> {
      const { rows } = await db.query<UserRecord>(
        `SELECT ${userRecordColumns} FROM users WHERE id = $1 FOR UPDATE`,
        [id],
      );
      return rows[0] ?? null;
    },

    /** A stronger hash of the same password: the version stays, sessions stay. */
    async storeRehash(id: string, passwordHash: string, db: Db = pool): Promise<void> {
      await db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [id, passwordHash]);
    },

    /** A new password: bumps the version that in-flight logins check before recording a session. */
    async changePassword(id: string, passwordHash: string, db: Db = pool): Promise<void> {
      await db.query(
        'UPDATE users SET password_hash = $2, password_version = password_version + 1 WHERE id = $1',
        [id, passwordHash],
      );
    },

    async findUserById(id: string, db: Db = pool): Promise<User | null> {
      const { rows } = await db.query<User>('SELECT id, email, name FROM users WHERE id = $1', [id]);
      return rows[0] ?? null;
    },

    async insertOrganization(
      org: { name: string; publishableKey: string; secretKeyHash: string; secretKeyHint: string },
      db: Db = pool,
    ): Promise<{ id: string; name: string }> {
      const { rows } = await db.query<{ id: string; name: string }>(
        `INSERT INTO organizations (name, publishable_key, secret_key_hash, secret_key_hint)
         VALUES ($1, $2, $3, $4) RETURNING id, name`,
        [org.name, org.publishableKey, org.secretKeyHash, org.secretKeyHint],
      );
      return rows[0]!;
    },

    async addMember(orgId: string, userId: string, role: Role, db: Db = pool): Promise<void> {
      await db.query('INSERT INTO memberships (org_id, user_id, role) VALUES ($1, $2, $3)', [
        orgId,
        userId,
        role,
      ]);
    },

    /** Locks the user's row until the transaction ends, so one person's concurrent creations queue up. */
    async lockUser(id: string, db: pg.PoolClient): Promise<boolean> {
      const { rowCount } = await db.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [id]);
      return rowCount === 1;
    },

    async countMemberships(userId: string, db: Db = pool): Promise<number> {
      const { rows } = await db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM memberships WHERE user_id = $1',
        [userId],
      );
      return rows[0]?.n ?? 0;
    },

    /** The caller's organization called `name`, compared without case or surrounding spaces. */
    async memberOrganizationNamed(userId: string, name: string, db: Db = pool): Promise<string | null> {
      const { rows } = await db.query<{ name: string }>(
        `SELECT o.name FROM memberships m JOIN organizations o ON o.id = m.org_id
         WHERE m.user_id = $1 AND lower(btrim(o.name)) = lower(btrim($2)) LIMIT 1`,
        [userId, name],
      );
      return rows[0]?.name ?? null;
    },

    async organizationsOf(userId: string, db: Db = pool): Promise<Organization[]> {
      const { rows } = await db.query<Organization>(
        `SELECT o.id, o.name, m.role FROM memberships m JOIN organizations o ON o.id = m.org_id
         WHERE m.user_id = $1 ORDER BY m.created_at`,
        [userId],
      );
      return rows;
    },

    async roleOf(userId: string, orgId: string, db: Db = pool): Promise<Role | null> {
      // Not a UUID, so no such organization (a socket's orgId arrives unvalidated).
      if (!isUuid(orgId)) return null;
      const { rows } = await db.query<{ role: Role }>(
        'SELECT role FROM memberships WHERE user_id = $1 AND org_id = $2',
        [userId, orgId],
      );
      return rows[0]?.role ?? null;
    },
  };
}

export type AccountsRepository = ReturnType<typeof accountsRepository>;
