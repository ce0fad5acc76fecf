import { TEST_DATABASE_URL, testEnv } from '@happening/testing/env';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { migrate } from '../src/db/migrate.js';
import { DEMO_EVENT_NAME, seedDemo } from '../src/db/seed.js';

// The demo seed needs a database of its own: it looks for "the" demo account.
const SEED_DATABASE_URL = TEST_DATABASE_URL.replace(/\/[^/]+$/, '/happening_seed_test');
const admin = new pg.Pool({ connectionString: TEST_DATABASE_URL.replace(/\/[^/]+$/, '/postgres'), max: 1 });

afterAll(async () => {
  await admin.query('DROP DATABASE IF EXISTS happening_seed_test WITH (FORCE)');
  await admin.end();
});

describe('npm start seed', () => {
  it('creates the demo organization, login and a published event once, even when starts race', async () => {
    await admin.query('DROP DATABASE IF EXISTS happening_seed_test WITH (FORCE)');
    await migrate(SEED_DATABASE_URL);
    const config = loadConfig(testEnv({ DATABASE_URL: SEED_DATABASE_URL }));
    const [first, second] = await Promise.all([seedDemo(config), seedDemo(config)]);
    expect(second).toEqual(first);
    expect(first.eventId).toEqual(expect.any(String));
    expect(first.publishableKey).toMatch(/^pk_/);

    const db = new pg.Client({ connectionString: SEED_DATABASE_URL });
    await db.connect();
    const events = await db.query('SELECT name, status, direct_booking FROM events');
    expect(events.rows).toEqual([{ name: DEMO_EVENT_NAME, status: 'on_sale', direct_booking: true }]);
    const seats = await db.query('SELECT count(*)::int AS n FROM seats');
    expect(seats.rows[0].n).toBe(264);
    await db.end();
  });
});
