import migrateTestDatabase from '@happening/testing/global-setup';
import { buildWidget } from '../scripts/build.js';

/**
 * Once per run: the bundle partner pages load is built (so a clean clone needs no separate build
 * step) and the test database the end-to-end tests use is migrated.
 */
export default async function setup(): Promise<void> {
  await Promise.all([buildWidget(), migrateTestDatabase()]);
}
