-- Up Migration
-- Notifications waiting to be published. A state change and its outbox row commit in one
-- transaction, so a notification exists exactly when its change does (DESIGN invariant 3).
CREATE TABLE outbox (
  -- Also the AMQP messageId and the message body's `id`: consumers deduplicate on it.
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL,
  type text NOT NULL,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz,
  publish_attempts integer NOT NULL DEFAULT 0,
  last_error text
);
CREATE INDEX outbox_unpublished_idx ON outbox (created_at) WHERE published_at IS NULL;

-- Wakes relays listening on channel 'outbox' when a transaction adds rows (once per statement).
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('outbox', '');
  RETURN NULL;
END $$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- Down Migration
DROP TRIGGER outbox_notify ON outbox;
DROP FUNCTION outbox_notify();
DROP TABLE outbox;
