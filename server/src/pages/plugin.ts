import fp from 'fastify-plugin';
import { serveAssets } from './static-pages.js';

/**
 * What every page of the server shares: its look (`/pages/assets/page.css`, loaded before each
 * page's own stylesheet) and its browser helpers (`/pages/assets/page-kit.js`, an ES module each
 * page's script imports).
 */
export default fp(
  async (app) => {
    await serveAssets(app, new URL('./public/', import.meta.url), '/pages/assets/', [
      'page.css',
      'page-kit.js',
    ]);
  },
  { name: 'page-assets', dependencies: ['security'] },
);
