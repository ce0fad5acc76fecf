import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
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
import { WebhookChannel } from '@happening/worker/webhook';
import { notFound } from '../../lib/errors.js';
import { checkWebhookUrl } from './url-check.js';

// Standard Webhooks secrets: "whsec_" + base64 of 24–64 random bytes.
const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

const webhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const asUser = app.authenticate('user');
  const tags = ['webhooks'];
  const channel = new WebhookChannel(app.config);
  const endpoints = app.webhookEndpointsRepo;

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
      const endpoint = await endpoints.create({
        orgId,
        url,
        description: request.body.description ?? '',
        secret,
      });
      return reply.status(201).send({ ...endpoint, secret });
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
      return { endpoints: await endpoints.list(request.params.orgId) };
    },
  );

  app.delete(
    '/orgs/:orgId/webhooks/:endpointId',
    { schema: { tags, params: WebhookParams }, preHandler: asUser },
    async (request, reply) => {
      const { orgId, endpointId } = request.params;
      await app.requireRole(request, orgId, 'admin', 'Organization');
      if (!(await endpoints.remove(orgId, endpointId))) throw notFound('Webhook endpoint');
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
      const previousSecretExpiresAt = await endpoints.rotateSecret(orgId, endpointId, secret);
      if (previousSecretExpiresAt === null) throw notFound('Webhook endpoint');
      return { id: endpointId, secret, previousSecretExpiresAt };
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
      const endpoint = await endpoints.findForSigning(orgId, endpointId);
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
