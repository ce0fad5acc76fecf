-- Up Migration
-- Each webhook endpoint receives a subset of the notification types (docs/notifications.md).
-- NULL: every type, including types added later (what every endpoint before this migration had).
-- The API validates the names against the known types; the worker delivers a message to an
-- endpoint only when its type is listed here (or the list is NULL).
ALTER TABLE webhook_endpoints ADD COLUMN types text[]
  CHECK (types IS NULL OR cardinality(types) > 0);

-- Down Migration
ALTER TABLE webhook_endpoints DROP COLUMN types;
