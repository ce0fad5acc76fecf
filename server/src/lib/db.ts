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
