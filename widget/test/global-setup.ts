import migrateTestDatabase from '../../server/test/global-setup.js';
import { buildWidget } from '../scripts/build.js';

/**
 * Once per run: the bundle partner pages load is built (so a clean clone needs no separate build
 * step) and the test database the end-to-end tests use is migrated.
 */
export default async function setup(): Promise<void> {
  await Promise.all([buildWidget(), migrateWhenFree()]);
}

/**
 * node-pg-migrate refuses to start while another process holds its advisory lock (another test
 * project's setup, or a parallel run): wait for that migration to finish, then check again.
 */
async function migrateWhenFree(): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrateTestDatabase();
    } catch (error) {
      if (attempt >= 60 || !/Another migration is already running/.test((error as Error).message))
        throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
