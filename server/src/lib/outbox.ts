import type { NotificationMessage } from '@happening/shared';
import type pg from 'pg';

/**
 * Adds notifications to the outbox inside the caller's transaction. Publishing is the relay's job;
 * writing here is what makes a notification impossible to lose.
 */
export async function enqueueNotifications(
  client: pg.PoolClient,
  messages: NotificationMessage[],
): Promise<void> {
  if (messages.length === 0) return;
  await client.query(
    `INSERT INTO outbox (id, org_id, type, payload)
     SELECT (m->>'id')::uuid, (m->>'orgId')::uuid, m->>'type', m FROM jsonb_array_elements($1::jsonb) AS m`,
    [JSON.stringify(messages)],
  );
}
