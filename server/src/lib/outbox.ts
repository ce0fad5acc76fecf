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

/**
 * Like `enqueueNotifications`, for messages whose id is derived from what they report (hold
 * events, hold-notices.ts): a message already in the outbox is left as it is, so writing the same
 * one again, from another server or after a crash, adds nothing.
 */
export async function enqueueNotificationsOnce(
  client: pg.PoolClient,
  messages: NotificationMessage[],
): Promise<number> {
  if (messages.length === 0) return 0;
  const { rowCount } = await client.query(
    `INSERT INTO outbox (id, org_id, type, payload)
     SELECT (m->>'id')::uuid, (m->>'orgId')::uuid, m->>'type', m FROM jsonb_array_elements($1::jsonb) AS m
     ON CONFLICT (id) DO NOTHING`,
    [JSON.stringify(messages)],
  );
  return rowCount ?? 0;
}
