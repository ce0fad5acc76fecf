import { randomBytes } from 'node:crypto';
import { migrate } from '@happening/server/db/migrate';
import pg from 'pg';
import { TEST_DATABASE_URL } from './env.js';

/**
 * A database of its own, migrated and empty, on the test server: for a test that needs tables in
 * a known state (the shared test database holds every other file's rows). `drop` removes it.
 */
export async function scratchDatabase(prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  await migrate(url.toString());
  return {
    url: url.toString(),
    drop: async () => {
      const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}
