import type pg from 'pg';

type Db = pg.Pool | pg.PoolClient;

/**
 * Session rows (migration 042): a session token is good while its row exists and is unexpired.
 * Revoking deletes rows; there is no cache to invalidate, which is what makes a sign-out reach
 * every server process the moment it commits.
 */
export function sessionsRepository(pool: pg.Pool) {
  return {
    async create(userId: string, ttlSeconds: number, db: Db = pool): Promise<{ id: string }> {
      // Housekeeping on the way: this person's expired rows go, so rows stay bounded by live sessions.
      await db.query('DELETE FROM sessions WHERE user_id = $1 AND expires_at <= now()', [userId]);
      const { rows } = await db.query<{ id: string }>(
        `INSERT INTO sessions (user_id, expires_at) VALUES ($1, now() + make_interval(secs => $2)) RETURNING id`,
        [userId, ttlSeconds],
      );
      return rows[0]!;
    },

    async isLive(sessionId: string, userId: string, db: Db = pool): Promise<boolean> {
      const { rowCount } = await db.query(
        'SELECT 1 FROM sessions WHERE id = $1 AND user_id = $2 AND expires_at > now()',
        [sessionId, userId],
      );
      return rowCount === 1;
    },

    async revoke(sessionId: string, db: Db = pool): Promise<void> {
      await db.query('DELETE FROM sessions WHERE id = $1', [sessionId]);
    },

    async revokeAllOf(userId: string, db: Db = pool): Promise<void> {
      await db.query('DELETE FROM sessions WHERE user_id = $1', [userId]);
    },
  };
}

export type SessionsRepository = ReturnType<typeof sessionsRepository>;
