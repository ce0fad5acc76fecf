import fp from 'fastify-plugin';
import { pagesDist, serveAssets, servePage } from '../pages/static-pages.js';

const publicDir = new URL('./public/', import.meta.url);

/**
 * The page behind the link in `invitation_received` emails: `PUBLIC_URL/invitations#<token>`. The
 * token travels in the fragment, which browsers never send, so it stays out of this request, of
 * access logs and of proxies; the script reads it and sends it to the API in JSON bodies
 * (`POST /api/v1/invitations/lookup`, then login or `…/signup`, `…/accept`).
 *
 * Links mailed before that put the token in the path (`/invitations/<token>`). They still open the
 * page until they expire (INVITATION_TTL_HOURS): the request log redacts that segment
 * (lib/log-redaction.ts) and the script moves the token into the fragment at once.
 */
export default fp(
  async (app) => {
    await serveAssets(app, '/invitations/assets/', {
      'invitation.js': pagesDist,
      'invitation.css': publicDir,
    });
    const html = new URL('invitation.html', publicDir);
    await servePage(app, '/invitations', html);
    await servePage(app, '/invitations/:token', html);
  },
  { name: 'invitation-page', dependencies: ['security', 'page-assets'] },
);
