/**
 * Once per run: the test database is migrated. Other packages' setups may be migrating at the same
 * moment; node-pg-migrate then refuses with "Another migration is already running", so wait and
 * try again rather than fail the run.
 */
import migrateTestDatabase from '../../server/test/global-setup.js';

export default async function setup(): Promise<void> {
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
