import { migrate } from '@happening/server/db/migrate';
import { TEST_DATABASE_URL } from './env.js';

/**
 * Once per run: the test database exists and is migrated. Test files share it and use fresh ids.
 *
 * Several test projects (server, widget, console) run this at the same moment; node-pg-migrate
 * then refuses with "Another migration is already running", so wait for that run to finish and
 * try again rather than fail the whole run.
 */
export default async function migrateTestDatabase(): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrate(TEST_DATABASE_URL);
    } catch (error) {
      if (attempt >= 60 || !/Another migration is already running/.test((error as Error).message))
        throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
