/**
 * The worker sends several statements in one simple query, with values inlined as literals
 * (`inline`): whatever a person typed must arrive in PostgreSQL exactly as typed.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { inline } from '../src/delivery-store.js';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/happening_test';
const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
afterAll(() => pool.end());

describe('inlined statement values', () => {
  it('reach PostgreSQL exactly as given: quotes, backslashes, placeholders, null and booleans', async () => {
    const hostile = [
      `O'Brien's "show" \\ on stage`,
      `'); DROP TABLE notification_inbox; --`,
      'costs $2 and $1',
      JSON.stringify({ title: 'Line\nbreak \\n "quoted"', seat: 'A\\1' }),
    ];
    const client = await pool.connect();
    try {
      const sql = inline(
        client,
        'SELECT $1::text AS a, $2::text AS b, $3::text AS c, $4::jsonb AS d, $5::text AS e, $6::boolean AS f; SELECT 1',
        [...hostile, null, true],
      );
      const results = (await client.query(sql)) as unknown as pg.QueryResult[];
      expect(results[0]!.rows[0]).toEqual({
        a: hostile[0],
        b: hostile[1],
        c: hostile[2],
        d: JSON.parse(hostile[3]!),
        e: null,
        f: true,
      });
      const { rows } = await client.query(`SELECT to_regclass('notification_inbox') IS NOT NULL AS kept`);
      expect(rows).toEqual([{ kept: true }]);
    } finally {
      client.release();
    }
  });

  it('refuses a statement that names a value it was not given', async () => {
    const client = await pool.connect();
    try {
      expect(() => inline(client, 'SELECT $1, $2', ['only one'])).toThrow('no value for $2');
    } finally {
      client.release();
    }
  });
});
