import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { WebhookChannel } from '@happening/delivery';
import {
  OrgParams,
  WebhookEndpointBody,
  WebhookEndpointCreated,
  WebhookEndpointsResponse,
  WebhookParams,
  WebhookSecretRotated,
  WebhookTestResult,
  withErrors,
} from '@happening/shared';
import { notFound } from '../../lib/errors.js';
import { checkWebhookUrl } from './url-check.js';

/** After a rotation the old secret keeps signing this long, so receivers can switch calmly. */
const ROTATION_GRACE = '24 hours';

// Standard Webhooks secrets: "whsec_" + base64 of 24–64 random bytes.
const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

const columns = `id, url, description, right(secret, 4) AS "secretHint",
                 to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt",
                 to_char(rotated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "rotatedAt"`;

const webhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const asUser = app.authenticate('user');
  const tags = ['webhooks'];
  const channel = new WebhookChannel(app.config);

  app.post(
    '/orgs/:orgId/webhooks',
    {
      schema: {
        tags,
        summary: 'Register a webhook endpoint (the answer shows its signing secret once)',
        params: OrgParams,
        body: WebhookEndpointBody,
        response: withErrors({ 201: WebhookEndpointCreated }),
      },
      preHandler: asUser,
    },
    async (request, reply) => {
      const { orgId } = request.params;
      await app.requireRole(request, orgId, 'admin', 'Organization');
      const url = await checkWebhookUrl(request.body.url, app.config.WEBHOOK_ALLOW_PRIVATE_NETWORKS);
      const secret = newSecret();
      const { rows } = await app.pg.query(
        `INSERT INTO webhook_endpoints (org_id, url, description, secret) VALUES ($1, $2, $3, $4) RETURNING ${columns}`,
        [orgId, url, request.body.description ?? '', secret],
      );
      return reply.status(201).send({ ...rows[0], secret });
    },
  );

  app.get(
    '/orgs/:orgId/webhooks',
    {
      schema: { tags, params: OrgParams, response: withErrors({ 200: WebhookEndpointsResponse }) },
      preHandler: asUser,
    },
    async (request) => {
      await app.requireRole(request, request.params.orgId, 'admin', 'Organization');
      const { rows } = await app.pg.query(
        `SELECT ${columns} FROM webhook_endpoints WHERE org_id = $1 ORDER BY created_at`,
        [request.params.orgId],
      );
      return { endpoints: rows };
    },
  );

  app.delete(
    '/orgs/:orgId/webhooks/:endpointId',
    { schema: { tags, params: WebhookParams }, preHandler: asUser },
    async (request, reply) => {
      const { orgId, endpointId } = request.params;
      await app.requireRole(request, orgId, 'admin', 'Organization');
      const { rowCount } = await app.pg.query('DELETE FROM webhook_endpoints WHERE id = $1 AND org_id = $2', [
        endpointId,
        orgId,
      ]);
      if (rowCount === 0) throw notFound('Webhook endpoint');
      return reply.status(204).send();
    },
  );

  app.post(
    '/orgs/:orgId/webhooks/:endpointId/rotate-secret',
    {
      schema: {
        tags,
        summary: 'New signing secret; the previous one also signs for 24 hours',
        params: WebhookParams,
        response: withErrors({ 200: WebhookSecretRotated }),
      },
      preHandler: asUser,
    },
    async (request) => {
      const { orgId, endpointId } = request.params;
      await app.requireRole(request, orgId, 'admin', 'Organization');
      const secret = newSecret();
      const { rows } = await app.pg.query<{ expires: Date }>(
        `UPDATE webhook_endpoints
         SET previous_secret = secret, previous_secret_expires_at = now() + interval '${ROTATION_GRACE}',
             secret = $3, rotated_at = now()
         WHERE id = $1 AND org_id = $2 RETURNING previous_secret_expires_at AS expires`,
        [endpointId, orgId, secret],
      );
      if (!rows[0]) throw notFound('Webhook endpoint');
      return { id: endpointId, secret, previousSecretExpiresAt: rows[0].expires.toISOString() };
    },
  );

  app.post(
    '/orgs/:orgId/webhooks/:endpointId/test',
    {
      schema: {
        tags,
        summary: 'Send a signed `webhook.test` event now and report what the endpoint answered',
        params: WebhookParams,
        response: withErrors({ 200: WebhookTestResult }),
      },
      preHandler: asUser,
    },
    async (request) => {
      const { orgId, endpointId } = request.params;
      await app.requireRole(request, orgId, 'admin', 'Organization');
      const { rows } = await app.pg.query<{
        id: string;
        url: string;
        secret: string;
        previousSecret: string | null;
      }>(
        `SELECT id, url, secret, CASE WHEN previous_secret_expires_at > now() THEN previous_secret END AS "previousSecret"
         FROM webhook_endpoints WHERE id = $1 AND org_id = $2`,
        [endpointId, orgId],
      );
      const endpoint = rows[0];
      if (!endpoint) throw notFound('Webhook endpoint');
      try {
        const status = await channel.deliver(endpoint, {
          id: randomUUID(),
          type: 'webhook.test',
          timestamp: new Date().toISOString(),
          data: { orgId, endpointId, message: 'A test event from Happening' },
        });
        return { delivered: true, status, error: null };
      } catch (error) {
        return { delivered: false, status: null, error: (error as Error).message };
      }
    },
  );
};

export default webhookRoutes;
