/**
 * `npm run build`, second step: tsc compiles the server's TypeScript to `server/dist/`; the files
 * it reads at run time next to its modules (Lua scripts, the pages' public folders) are copied
 * beside them, so `new URL('./lua/holds.lua', import.meta.url)` finds them in `dist/` as in `src/`.
 */
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const from = fileURLToPath(new URL('../server/src/', import.meta.url));
const to = fileURLToPath(new URL('../server/dist/', import.meta.url));

function* assets(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name === 'public') yield path;
      else yield* assets(path);
    } else if (name.endsWith('.lua')) yield path;
  }
}

for (const path of assets(from)) {
  cpSync(path, join(to, relative(from, path)), {
    recursive: true,
    // A page's TypeScript is built to server/pages-dist/ by the pages build, not shipped as source.
    filter: (p) => !p.endsWith('tsconfig.json') && !p.endsWith('.ts'),
  });
}
