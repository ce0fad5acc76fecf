import fp from 'fastify-plugin';
import { serveAssets, servePage } from '../pages/static-pages.js';

const publicDir = new URL('./public/', import.meta.url);

/**
 * The console's widget preview page, `/widget/preview#event=<id>&key=<preview key>`, on the
 * server's origin (never the console's), framed by the console with `sandbox="allow-scripts"`.
 * Its policy allows what the widget needs from this server and nothing inline; it may be framed
 * from anywhere (the console's origin is not known here), which is harmless: without a preview key
 * in its fragment the page does nothing, and with one it does what the key allows anyway.
 */
const previewHelmet = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      'default-src': ["'none'"],
      'script-src': ["'self'"],
      // Browsers without constructable stylesheets (Safari before 16.4) style the widget inline.
      'style-src': ["'self'", "'unsafe-inline'"],
      'img-src': ["'self'", 'data:'],
      'connect-src': ["'self'"],
      'base-uri': ["'none'"],
      'form-action': ["'none'"],
      'object-src': ["'none'"],
    },
  },
  frameguard: false,
  // The sandboxed document's origin is opaque, so its own script and style are cross-origin loads.
  crossOriginResourcePolicy: { policy: 'cross-origin' as const },
};

export default fp(
  async (app) => {
    await servePage(app, '/widget/preview', new URL('preview.html', publicDir), previewHelmet);
    await serveAssets(
      app,
      '/widget/preview/',
      { 'preview.js': publicDir, 'preview.css': publicDir },
      previewHelmet,
    );
  },
  { name: 'widget-preview', dependencies: ['security'] },
);
