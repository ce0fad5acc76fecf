import migrateTestDatabase from '@happening/testing/global-setup';
import { buildPages } from '../scripts/build-pages.js';

/**
 * Once per run: the test database exists and is migrated (the shared harness), and the pages'
 * scripts are built, so a fresh clone's `npm test` needs no build step.
 */
export default async function setup(): Promise<void> {
  await Promise.all([migrateTestDatabase(), buildPages()]);
}
