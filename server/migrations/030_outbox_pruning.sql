-- Up Migration
-- Finds published rows by age for the relay's pruning (see server/src/notifications/outbox-pruner.ts)
-- without scanning the unpublished backlog's index or the whole table.
CREATE INDEX outbox_published_idx ON outbox (published_at) WHERE published_at IS NOT NULL;

-- Down Migration
DROP INDEX outbox_published_idx;
