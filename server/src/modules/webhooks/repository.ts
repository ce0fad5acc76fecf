import {
  HOLD_NOTIFICATION_TYPES,
  type HoldNotificationType,
  type WebhookEndpoint,
  type WebhookEndpointUpdate,
} from '@happening/shared';
import type pg from 'pg';
import { isoTimestamp, isoTimestampOrNull } from '../../lib/db.js';

type Db = pg.Pool | pg.PoolClient;

/** After a rotation the old secret keeps signing this long, so receivers can switch calmly. */
const ROTATION_GRACE = '24 hours';

const columns = `id, url, description, types, right(secret, 4) AS "secretHint", created_at AS "createdAt",
  rotated_at AS "rotatedAt"`;

interface EndpointRow extends Omit<WebhookEndpoint, 'createdAt' | 'rotatedAt'> {
  createdAt: Date;
  rotatedAt: Date | null;
}

const toEndpoint = (row: EndpointRow): WebhookEndpoint => ({
  ...row,
  createdAt: isoTimestamp(row.createdAt),
  rotatedAt: isoTimestampOrNull(row.rotatedAt),
});

/** What a delivery needs: where to, and the secrets to sign with. */
export interface SigningEndpoint {
  id: string;
  url: string;
  secret: string;
  /** The secret before the last rotation, while it still signs. */
  previousSecret: string | null;
}

/** An organization's webhook endpoints and their signing secrets. */
export function webhookEndpointsRepository(pool: pg.Pool) {
  return {
    /**
     * Registers an endpoint unless the organization already has `limit` of them: null then. The
     * organization's row is locked for the count and the insert, so concurrent registrations
     * cannot together pass the limit.
     */
    async create(
      endpoint: { orgId: string; url: string; description: string; secret: string; types: string[] | null },
      limit: number,
    ): Promise<WebhookEndpoint | null> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('SELECT 1 FROM organizations WHERE id = $1 FOR UPDATE', [endpoint.orgId]);
        const { rows } = await client.query<EndpointRow>(
          `INSERT INTO webhook_endpoints (org_id, url, description, secret, types)
           SELECT $1, $2, $3, $4, $6
           WHERE (SELECT count(*) FROM webhook_endpoints WHERE org_id = $1) < $5
           RETURNING ${columns}`,
          [endpoint.orgId, endpoint.url, endpoint.description, endpoint.secret, limit, endpoint.types],
        );
        await client.query('COMMIT');
        return rows[0] ? toEndpoint(rows[0]) : null;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },

    /** Changes what `change` names (`types: null`: every type again); null for no such endpoint. */
    async update(
      orgId: string,
      endpointId: string,
      change: WebhookEndpointUpdate,
      db: Db = pool,
    ): Promise<WebhookEndpoint | null> {
      const { rows } = await db.query<EndpointRow>(
        `UPDATE webhook_endpoints
         SET url = coalesce($3, url), description = coalesce($4, description),
             types = CASE WHEN $5::boolean THEN $6::text[] ELSE types END
         WHERE id = $1 AND org_id = $2 RETURNING ${columns}`,
        [
          endpointId,
          orgId,
          change.url ?? null,
          change.description ?? null,
          change.types !== undefined,
          change.types ?? null,
        ],
      );
      return rows[0] ? toEndpoint(rows[0]) : null;
    },

    /**
     * The hold events at least one of the organization's endpoints is subscribed to (an endpoint
     * with no list takes every type): which holds queue which events (hold-subscriptions.ts).
     */
    async holdTypesSubscribed(orgId: string, db: Db = pool): Promise<HoldNotificationType[]> {
      const { rows } = await db.query<{ type: HoldNotificationType }>(
        `SELECT DISTINCT t AS type FROM webhook_endpoints, unnest(coalesce(types, $2::text[])) AS t
         WHERE org_id = $1 AND t = ANY ($2::text[])`,
        [orgId, HOLD_NOTIFICATION_TYPES],
      );
      return rows.map((row) => row.type);
    },

    async list(orgId: string, db: Db = pool): Promise<WebhookEndpoint[]> {
      const { rows } = await db.query<EndpointRow>(
        `SELECT ${columns} FROM webhook_endpoints WHERE org_id = $1 ORDER BY created_at`,
        [orgId],
      );
      return rows.map(toEndpoint);
    },

    async remove(orgId: string, endpointId: string, db: Db = pool): Promise<boolean> {
      const { rowCount } = await db.query('DELETE FROM webhook_endpoints WHERE id = $1 AND org_id = $2', [
        endpointId,
        orgId,
      ]);
      return (rowCount ?? 0) > 0;
    },

    /**
     * Signs with `secret` from now on and with the current one for 24 hours more. Answers when the
     * current one stops signing, or null for no such endpoint.
     */
    async rotateSecret(
      orgId: string,
      endpointId: string,
      secret: string,
      db: Db = pool,
    ): Promise<string | null> {
      const { rows } = await db.query<{ expires: Date }>(
        `UPDATE webhook_endpoints
         SET previous_secret = secret, previous_secret_expires_at = now() + interval '${ROTATION_GRACE}',
             secret = $3, rotated_at = now()
         WHERE id = $1 AND org_id = $2 RETURNING previous_secret_expires_at AS expires`,
        [endpointId, orgId, secret],
      );
      return rows[0] ? isoTimestamp(rows[0].expires) : null;
    },

    async findForSigning(orgId: string, endpointId: string, db: Db = pool): Promise<SigningEndpoint | null> {
      const { rows } = await db.query<SigningEndpoint>(
        `SELECT id, url, secret, CASE WHEN previous_secret_expires_at > now() THEN previous_secret END AS "previousSecret"
         FROM webhook_endpoints WHERE id = $1 AND org_id = $2`,
        [endpointId, orgId],
      );
      return rows[0] ?? null;
    },
  };
}

export type WebhookEndpointsRepository = ReturnType<typeof webhookEndpointsRepository>;
