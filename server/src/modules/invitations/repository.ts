import type { Invitation, InvitationPreview, Organization, Role } from '@happening/shared';
import type pg from 'pg';
import type { Static } from 'typebox';
import { isoTimestamp } from '../../lib/db.js';

type Db = pg.Pool | pg.PoolClient;

const columns = `id, email, role, status, created_at AS "createdAt", expires_at AS "expiresAt"`;

interface InvitationRow extends Omit<Invitation, 'createdAt' | 'expiresAt'> {
  createdAt: Date;
  expiresAt: Date;
}

const toInvitation = (row: InvitationRow): Invitation => ({
  ...row,
  createdAt: isoTimestamp(row.createdAt),
  expiresAt: isoTimestamp(row.expiresAt),
});

export interface PendingInvitation {
  id: string;
  orgId: string;
  email: string;
  role: Role;
  status: Invitation['status'];
  expired: boolean;
}

export function invitationsRepository(pool: pg.Pool) {
  return {
    async isMember(orgId: string, email: string, db: Db = pool): Promise<boolean> {
      const { rowCount } = await db.query(
        `SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.org_id = $1 AND lower(u.email) = lower($2)`,
        [orgId, email],
      );
      return (rowCount ?? 0) > 0;
    },

    /** Replaces any open invitation for the same address (its link stops working). */
    async create(
      invitation: {
        orgId: string;
        email: string;
        role: Role;
        tokenHash: string;
        invitedBy: string;
        ttlHours: number;
      },
      db: Db,
    ): Promise<Invitation> {
      await db.query(
        `UPDATE invitations SET status = 'revoked' WHERE org_id = $1 AND lower(email) = lower($2) AND status = 'pending'`,
        [invitation.orgId, invitation.email],
      );
      const { rows } = await db.query<InvitationRow>(
        `INSERT INTO invitations (org_id, email, role, token_hash, invited_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, now() + make_interval(hours => $6)) RETURNING ${columns}`,
        [
          invitation.orgId,
          invitation.email,
          invitation.role,
          invitation.tokenHash,
          invitation.invitedBy,
          invitation.ttlHours,
        ],
      );
      return toInvitation(rows[0]!);
    },

    /** The organization's and the inviter's names, as the invitation email shows them. */
    async senderNames(
      orgId: string,
      inviterId: string,
      db: Db = pool,
    ): Promise<{ orgName: string; inviter: string } | null> {
      const { rows } = await db.query<{ orgName: string; inviter: string }>(
        `SELECT o.name AS "orgName", u.name AS inviter FROM organizations o, users u WHERE o.id = $1 AND u.id = $2`,
        [orgId, inviterId],
      );
      return rows[0] ?? null;
    },

    async list(orgId: string): Promise<Invitation[]> {
      const { rows } = await pool.query<InvitationRow>(
        `SELECT ${columns} FROM invitations WHERE org_id = $1 ORDER BY created_at DESC LIMIT 500`,
        [orgId],
      );
      return rows.map(toInvitation);
    },

    /** What an invitation offers, whatever its status; null for an unknown token. */
    async preview(tokenHash: string, db: Db = pool): Promise<Static<typeof InvitationPreview> | null> {
      const { rows } = await db.query<
        Omit<Static<typeof InvitationPreview>, 'expiresAt'> & { expiresAt: Date }
      >(
        `SELECT o.name AS "organizationName", i.email, i.role, i.status, i.expires_at <= now() AS expired,
                i.expires_at AS "expiresAt"
         FROM invitations i JOIN organizations o ON o.id = i.org_id WHERE i.token_hash = $1`,
        [tokenHash],
      );
      return rows[0] ? { ...rows[0], expiresAt: isoTimestamp(rows[0].expiresAt) } : null;
    },

    async revoke(orgId: string, invitationId: string): Promise<boolean> {
      const { rowCount } = await pool.query(
        `UPDATE invitations SET status = 'revoked' WHERE id = $1 AND org_id = $2 AND status = 'pending'`,
        [invitationId, orgId],
      );
      return (rowCount ?? 0) > 0;
    },

    /** Locks the invitation for the accepting transaction. */
    async lockByTokenHash(tokenHash: string, db: Db): Promise<PendingInvitation | null> {
      const { rows } = await db.query<PendingInvitation>(
        `SELECT id, org_id AS "orgId", email, role, status, expires_at <= now() AS expired
         FROM invitations WHERE token_hash = $1 FOR UPDATE`,
        [tokenHash],
      );
      return rows[0] ?? null;
    },

    /**
     * Puts the user in the organization with the invited role and uses the invitation up, inside the
     * caller's transaction (which holds the lock from `lockByTokenHash`). A user who is already a
     * member makes the insert fail with a unique violation.
     */
    async join(invitation: PendingInvitation, userId: string, db: Db): Promise<Organization> {
      await db.query('INSERT INTO memberships (org_id, user_id, role) VALUES ($1, $2, $3)', [
        invitation.orgId,
        userId,
        invitation.role,
      ]);
      await db.query(
        `UPDATE invitations SET status = 'accepted', accepted_at = now(), accepted_by = $2 WHERE id = $1`,
        [invitation.id, userId],
      );
      const { rows } = await db.query<{ name: string }>('SELECT name FROM organizations WHERE id = $1', [
        invitation.orgId,
      ]);
      return { id: invitation.orgId, name: rows[0]!.name, role: invitation.role };
    },
  };
}

export type InvitationsRepository = ReturnType<typeof invitationsRepository>;
