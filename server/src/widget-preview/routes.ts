import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { OrgParams, WidgetPreviewKeyResponse, withErrors } from '@happening/shared';

const widgetPreviewRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/orgs/:orgId/widget-preview-key',
    {
      schema: {
        tags: ['organizations'],
        summary: "A short-lived key for the console's widget preview",
        description:
          "Admins. A `pv_…` key that stands in for the organization's publishable key for 30 minutes, for the console's widget preview at `/widget/preview`. The preview runs in a frame sandboxed without `allow-same-origin`, so its requests carry `Origin: null`, which allowed origins cannot name: a preview key is not checked against them, and grants nothing else a publishable key does not. 404 for a non-member, 403 `FORBIDDEN` below admin.",
        params: OrgParams,
        response: withErrors({ 200: WidgetPreviewKeyResponse }),
      },
      preHandler: app.authenticate('user'),
    },
    async (request) => {
      await app.requireRole(request, request.params.orgId, 'admin', 'Organization');
      return app.previewKeys.issue(request.params.orgId);
    },
  );
};

export default widgetPreviewRoutes;
