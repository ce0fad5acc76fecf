import { buildPages } from '../scripts/build-pages.js';
import { migrate } from '../src/db/migrate.js';
import { TEST_DATABASE_URL } from './env.js';

/**
 * Once per run: the test database exists and is migrated, and the pages' scripts are built (so a
 * fresh clone's `npm test` needs no build step). Test files share the database and use fresh ids.
 */
export default async function setup(): Promise<void> {
  await Promise.all([migrate(TEST_DATABASE_URL), buildPages()]);
}
