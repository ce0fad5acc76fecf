import fp from 'fastify-plugin';
import { serveAssets, servePage } from '../pages/static-pages.js';

const publicDir = new URL('./public/', import.meta.url);

/**
 * The page behind the link in `invitation_received` emails (`PUBLIC_URL/invitations/<token>`).
 * The script reads the token from the address and talks to the public API
 * (`GET /api/v1/invitations/:token`, login or invitation signup, accept).
 */
export default fp(
  async (app) => {
    await serveAssets(app, publicDir, '/invitations/assets/', ['invitation.js', 'invitation.css']);
    await servePage(app, '/invitations/:token', new URL('invitation.html', publicDir));
  },
  { name: 'invitation-page', dependencies: ['security', 'page-assets'] },
);
