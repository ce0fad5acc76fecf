import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { WebhookChannel } from '@happening/delivery';
import {
  OrgParams,
  WebhookEndpoint,
  WebhookEndpointBody,
  WebhookEndpointCreated,
  WebhookEndpointsResponse,
  WebhookEndpointUpdate,
  WebhookParams,
  WebhookSecretRotated,
  WebhookTestResult,
  withErrors,
} from '@happening/shared';
import { AppError, notFound } from '../../lib/errors.js';
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
        description:
          "Needs the admin role. The endpoint receives the organization's notifications signed by the " +
          'Standard Webhooks scheme. The URL must be https (http only where `WEBHOOK_ALLOW_HTTP` allows ' +
          'it, for local development) without credentials and may not resolve to a private or loopback ' +
          'address (unless `WEBHOOK_ALLOW_PRIVATE_NETWORKS`): 422 `WEBHOOK_URL_NOT_ALLOWED` says why. ' +
          'The worker checks both again at every delivery. An organization has at most ' +
          '`MAX_WEBHOOK_ENDPOINTS_PER_ORGANIZATION` endpoints (10 by default): 409 ' +
          '`WEBHOOK_ENDPOINT_LIMIT_REACHED` beyond. `types` subscribes it to some notification types only ' +
          '(default: every type, including types added later); an unknown type is 400 `VALIDATION_FAILED`.',
        params: OrgParams,
        body: WebhookEndpointBody,
        response: withErrors({ 201: WebhookEndpointCreated }),
      },
      preHandler: asUser,
    },
    async (request, reply) => {
      const { orgId } = request.params;
      await app.requireRole(request, orgId, 'admin', 'Organization');
      const url = await checkWebhookUrl(request.body.url, {
        allowPrivate: app.config.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
        allowHttp: app.config.WEBHOOK_ALLOW_HTTP,
      });
      const secret = newSecret();
      const limit = app.config.MAX_WEBHOOK_ENDPOINTS_PER_ORGANIZATION;
      const endpoint = await endpoints.create(
        {
          orgId,
          url,
          description: request.body.description ?? '',
          secret,
          types: request.body.types ?? null,
        },
        limit,
      );
      if (!endpoint)
        throw new AppError(
          409,
          'WEBHOOK_ENDPOINT_LIMIT_REACHED',
          `This organization already has ${limit} webhook endpoints, the most it may have; remove one first`,
          { limit },
        );
      app.holdSubscriptions.forget(orgId);
      return reply.status(201).send({ ...endpoint, secret });
    },
  );

  app.get(
    '/orgs/:orgId/webhooks',
    {
      schema: {
        tags,
        summary: "The organization's webhook endpoints, in the order registered (admin)",
        description:
          'Each with its URL, description, when it was created and last rotated, and the last four ' +
          'characters of its secret, never the secret itself.',
        params: OrgParams,
        response: withErrors({ 200: WebhookEndpointsResponse }),
      },
      preHandler: asUser,
    },
    async (request) => {
      await app.requireRole(request, request.params.orgId, 'admin', 'Organization');
      return { endpoints: await endpoints.list(request.params.orgId) };
    },
  );

  app.patch(
    '/orgs/:orgId/webhooks/:endpointId',
    {
      schema: {
        tags,
        summary: 'Change a webhook endpoint: its URL, description or subscribed types (admin)',
        description:
          'Only what the body names changes. `types` replaces the subscription (`null`: every type ' +
          'again); an unknown type is 400 `VALIDATION_FAILED`. A new URL is checked as on creation. ' +
          'Messages already queued are delivered by the subscription at the time of delivery; which ' +
          'holds produce hold events is decided when each hold is made.',
        params: WebhookParams,
        body: WebhookEndpointUpdate,
        response: withErrors({ 200: WebhookEndpoint }),
      },
      preHandler: asUser,
    },
    async (request) => {
      const { orgId, endpointId } = request.params;
      await app.requireRole(request, orgId, 'admin', 'Organization');
      const change = { ...request.body };
      if (change.url !== undefined)
        change.url = await checkWebhookUrl(change.url, {
          allowPrivate: app.config.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
          allowHttp: app.config.WEBHOOK_ALLOW_HTTP,
        });
      const endpoint = await endpoints.update(orgId, endpointId, change);
      if (!endpoint) throw notFound('Webhook endpoint');
      app.holdSubscriptions.forget(orgId);
      return endpoint;
    },
  );

  app.delete(
    '/orgs/:orgId/webhooks/:endpointId',
    {
      schema: {
        tags,
        summary: 'Remove a webhook endpoint (admin)',
        description:
          'Later notifications are not sent to it. 404 for an endpoint the organization does not have. ' +
          'Answers 204.',
        params: WebhookParams,
      },
      preHandler: asUser,
    },
    async (request, reply) => {
      const { orgId, endpointId } = request.params;
      await app.requireRole(request, orgId, 'admin', 'Organization');
      if (!(await endpoints.remove(orgId, endpointId))) throw notFound('Webhook endpoint');
      app.holdSubscriptions.forget(orgId);
      return reply.status(204).send();
    },
  );

  app.post(
    '/orgs/:orgId/webhooks/:endpointId/rotate-secret',
    {
      schema: {
        tags,
        summary: 'New signing secret; the previous one also signs for 24 hours',
        description:
          'Needs the admin role. The answer shows the new secret once; until `previousSecretExpiresAt` ' +
          'every delivery carries signatures by both secrets, so the receiver can switch without ' +
          'refusing any.',
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
        description:
          'Needs the admin role. Signed like a real delivery (with the previous secret too during a ' +
          "rotation's grace). Answers whether it was delivered, the HTTP status, or the error; nothing " +
          'is queued or retried.',
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
