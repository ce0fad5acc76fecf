/**
 * Deletes outbox rows that were published long ago. A published row has done its job (the broker
 * has the message, consumers deduplicate on the message id, deliveries are recorded in
 * `notification_deliveries`), so keeping it only grows the table. Unpublished rows are never
 * touched, however old: they are the backlog the relay still owes the broker.
 */
import type pg from 'pg';

export interface PruneOptions {
  /** Published rows older than this go. */
  olderThanMs: number;
  /** Only these organizations' rows (tests share one database); unset: all. */
  orgIds?: string[];
  /** Rows per DELETE: short statements keep locks and WAL bursts small while relays publish. */
  batchSize?: number;
  /** At most this many batches per call; the rest waits for the next call. */
  maxBatches?: number;
}

/** Returns how many rows were deleted. */
export async function pruneOutbox(pool: pg.Pool, options: PruneOptions): Promise<number> {
  const { olderThanMs, orgIds, batchSize = 1_000, maxBatches = 50 } = options;
  let deleted = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const { rowCount } = await pool.query(
      `DELETE FROM outbox WHERE id IN (
         SELECT id FROM outbox
         WHERE published_at < now() - make_interval(secs => $1::double precision / 1000)
           ${orgIds ? 'AND org_id = ANY($3::uuid[])' : ''}
         ORDER BY published_at LIMIT $2)`,
      orgIds ? [olderThanMs, batchSize, orgIds] : [olderThanMs, batchSize],
    );
    deleted += rowCount ?? 0;
    if ((rowCount ?? 0) < batchSize) break;
  }
  return deleted;
}
