import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The module every page imports by its served address, so both pages share one copy of it. */
export const PAGE_KIT = '/pages/assets/page-kit.js';

const source = (path: string) => fileURLToPath(new URL(`src/${path}`, import.meta.url));

/**
 * The server's own pages (booking, invitation) in the browser: one ES module per page plus the
 * page kit they share, each built from TypeScript to `pages-dist/<name>.js` under a fixed name,
 * because the pages' HTML names them and the strict policy (`script-src 'self'`) allows only
 * same-origin files. Library mode, as the widget: no HTML processing, no preload helper, exports
 * kept (the page kit's are imported by the pages at run time).
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  logLevel: 'warn',
  mode: 'production',
  publicDir: false,
  build: {
    outDir: 'pages-dist',
    emptyOutDir: false,
    target: 'es2022',
    // Readable in the browser's developer tools without source maps; the three files are about 20 KB.
    minify: false,
    lib: {
      entry: {
        'page-kit': source('pages/public/page-kit.ts'),
        booking: source('booking-page/public/booking.ts'),
        invitation: source('invitation-page/public/invitation.ts'),
      },
      formats: ['es'],
      fileName: (_format, name) => `${name}.js`,
    },
    rolldownOptions: { external: [PAGE_KIT] },
  },
});
