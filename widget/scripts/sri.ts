/**
 * Prints the Subresource Integrity snippet for the current build. The hash changes with every
 * build, so pin the versioned URL (served with `immutable` caching) rather than /widget/happening.js.
 * Usage: npm run widget:sri [-- https://your-happening-host]
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const bundle = await readFile(fileURLToPath(new URL('../dist/happening.js', import.meta.url))).catch(() => {
  console.error('dist/happening.js is missing: run "npm run build -w widget" first.');
  process.exit(1);
});
const host = (process.argv[2] ?? process.env.PUBLIC_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
const version = createHash('sha256').update(bundle).digest('hex').slice(0, 12);
const integrity = `sha384-${createHash('sha384').update(bundle).digest('base64')}`;
console.log(`integrity: ${integrity}
<script type="module" src="${host}/widget/happening-${version}.js" integrity="${integrity}" crossorigin="anonymous"></script>`);
