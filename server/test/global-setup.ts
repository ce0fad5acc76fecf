import { migrate } from '../src/db/migrate.js';
import { TEST_DATABASE_URL } from './env.js';

/** Once per run: the test database exists and is migrated. Test files share it and use fresh ids. */
export default async function setup(): Promise<void> {
  await migrate(TEST_DATABASE_URL);
}
