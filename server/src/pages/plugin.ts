import fp from 'fastify-plugin';
import { pagesDist, serveAssets } from './static-pages.js';

const publicDir = new URL('./public/', import.meta.url);

/**
 * What every page of the server shares: its look (`/pages/assets/page.css`, loaded before each
 * page's own stylesheet) and its browser helpers (`/pages/assets/page-kit.js`, an ES module each
 * page's script imports, built from `public/page-kit.ts`).
 */
export default fp(
  async (app) => {
    await serveAssets(app, '/pages/assets/', { 'page.css': publicDir, 'page-kit.js': pagesDist });
  },
  { name: 'page-assets', dependencies: ['security'] },
);
