/**
 * The benchmark's server: the product's own start (`@happening/server/start`) with the booking
 * peers' routes mounted after the application (booking-routes.ts). Everything else is the product.
 */
import { startServer } from '@happening/server/start';
import { bookingPeerRoutes } from './booking-routes.js';

await startServer([bookingPeerRoutes]);
