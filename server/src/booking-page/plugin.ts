import fp from 'fastify-plugin';
import { pagesDist, serveAssets, servePage } from '../pages/static-pages.js';

const publicDir = new URL('./public/', import.meta.url);

/**
 * The attendee's booking page, behind the link in every booking email:
 * `PUBLIC_URL/bookings/<id>#<manageToken>`. The token travels in the fragment, which browsers never
 * send, so it stays out of this request, of access logs and of proxies; the script reads it and
 * sends it to the API in the `x-manage-token` header (reads) or in the JSON body (cancel, claim).
 */
export default fp(
  async (app) => {
    await serveAssets(app, '/bookings/assets/', { 'booking.js': pagesDist, 'booking.css': publicDir });
    await servePage(app, '/bookings/:id', new URL('booking.html', publicDir));
  },
  { name: 'booking-page', dependencies: ['security', 'page-assets'] },
);
