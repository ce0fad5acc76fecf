import type pg from 'pg';

/** Runs `work` in one transaction; rolls back on any error and always returns the client. */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

export const isUniqueViolation = (error: unknown): boolean => (error as { code?: string })?.code === '23505';

/**
 * The one timestamp convention: node-postgres hands every `timestamptz` over as a `Date`, and the
 * repository that shapes a row into its API type turns it into ISO 8601 UTC with milliseconds, the
 * `Timestamp` format of the schemas in `shared`. SQL selects timestamps as they are, never formatted.
 */
export const isoTimestamp = (date: Date): string => date.toISOString();

/** `isoTimestamp` for a column that may be NULL (not yet sent, never rotated, …). */
export const isoTimestampOrNull = (date: Date | null): string | null => date?.toISOString() ?? null;
