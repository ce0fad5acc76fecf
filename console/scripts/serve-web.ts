/**
 * `npm run console:web` (and `npm start`): builds the renderer, then serves it at
 * http://localhost:5173 (CONSOLE_PORT). Sign in with the server URL, http://localhost:3000 by default.
 */
import { fileURLToPath } from 'node:url';
import { buildRenderer } from './build.js';
import { serveStatic } from './static-server.js';

const port = Number(process.env.CONSOLE_PORT ?? 5173);
const host = process.env.CONSOLE_HOST ?? 'localhost';

await buildRenderer();
const web = await serveStatic(fileURLToPath(new URL('../dist/renderer/', import.meta.url)), port, host);
console.log(`console (web) at http://localhost:${port}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void web.close().then(() => process.exit(0)));
}
