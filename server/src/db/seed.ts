import type { SeatMap } from '@happening/shared';
import pg from 'pg';
import type { Config } from '../config.js';
import { newPublishableKey, newSecretKey } from '../lib/keys.js';
import { hashPassword } from '../lib/passwords.js';
import { eventsRepository } from '../modules/events/repository.js';

export const DEMO_EMAIL = 'demo@happening.test';
export const DEMO_PASSWORD = 'happening-demo';
export const DEMO_ORIGINS = ['http://localhost:5174', 'http://127.0.0.1:5174'];
export const DEMO_EVENT_NAME = 'Happening Live — Demo Night';

export interface DemoSeed {
  email: string;
  password: string;
  orgId: string;
  publishableKey: string;
  eventId: string | null;
}

const rows = (labels: string, seats: number) => [...labels].map((label) => ({ label, seats }));

export const demoSeatMap: SeatMap = {
  sections: [
    { id: 'orch', label: 'Orchestra', kind: 'reserved', category: 'premium', rows: rows('ABCDEFGHJK', 20) },
    { id: 'balc', label: 'Balcony', kind: 'reserved', category: 'standard', rows: rows('LMNP', 16) },
    { id: 'floor', label: 'Standing', kind: 'general', capacity: 150, category: 'standing' },
  ],
  categories: [
    { key: 'premium', label: 'Premium', price: 8900, currency: 'EUR' },
    { key: 'standard', label: 'Standard', price: 4900, currency: 'EUR' },
    { key: 'standing', label: 'Standing', price: 2900, currency: 'EUR' },
  ],
};

/**
 * On an empty database: a demo organization, an organizer login and a published demo event, so
 * `npm start` shows something real. On a database that has them it only reads what is there.
 */
export async function seedDemo(config: Config): Promise<DemoSeed> {
  const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 2 });
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Serialises concurrent first starts: only one of them seeds.
    await client.query('SELECT pg_advisory_xact_lock(7242001)');
    const existing = await client.query<{ orgId: string; publishableKey: string }>(
      `SELECT o.id AS "orgId", o.publishable_key AS "publishableKey" FROM users u
       JOIN memberships m ON m.user_id = u.id JOIN organizations o ON o.id = m.org_id
       WHERE lower(u.email) = $1 LIMIT 1`,
      [DEMO_EMAIL],
    );
    let org = existing.rows[0];
    if (!org) {
      const keys = newSecretKey();
      const user = await client.query<{ id: string }>(
        'INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3) RETURNING id',
        [DEMO_EMAIL, 'Demo Organizer', await hashPassword(DEMO_PASSWORD, config.PASSWORD_HASH_COST)],
      );
      const created = await client.query<{ orgId: string; publishableKey: string }>(
        `INSERT INTO organizations (name, publishable_key, secret_key_hash, secret_key_hint, allowed_origins)
         VALUES ('Demo Venue', $1, $2, $3, $4) RETURNING id AS "orgId", publishable_key AS "publishableKey"`,
        [newPublishableKey(), keys.hash, keys.hint, DEMO_ORIGINS],
      );
      org = created.rows[0]!;
      await client.query(`INSERT INTO memberships (org_id, user_id, role) VALUES ($1, $2, 'admin')`, [
        org.orgId,
        user.rows[0]!.id,
      ]);
    }
    const events = eventsRepository(pool);
    const found = await client.query<{ id: string }>(
      'SELECT id FROM events WHERE org_id = $1 AND name = $2 ORDER BY created_at LIMIT 1',
      [org.orgId, DEMO_EVENT_NAME],
    );
    let eventId = found.rows[0]?.id ?? null;
    if (!eventId) {
      const startsAt = new Date(Date.now() + 30 * 86_400_000);
      startsAt.setUTCHours(19, 30, 0, 0);
      const event = await events.insert(
        org.orgId,
        {
          name: DEMO_EVENT_NAME,
          startsAt: startsAt.toISOString(),
          venue: 'The Demo Hall',
          seatMap: demoSeatMap,
          directBooking: true,
          maxSeatsPerBooking: 8,
        },
        client,
      );
      await events.publish(event, client);
      eventId = event.id;
    }
    await client.query('COMMIT');
    return { email: DEMO_EMAIL, password: DEMO_PASSWORD, ...org, eventId };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
    await pool.end();
  }
}
